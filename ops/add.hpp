// add: y = a + b, broadcasting.
#pragma once

#include "tapegrad/ops/detail/kernels.hpp"
#include "tapegrad/ops/detail/record.hpp"

namespace tapegrad {
namespace detail {
struct AddRule {
  static constexpr std::string_view name = "add";
  static constexpr std::string_view symbol = "+";
  static constexpr bool infix = true;   // drawn as "a + b"
  static constexpr bool linear = true;  // its partials read no value
  static double forward(double a, double b) noexcept { return a + b; }
  static double partial_a(double, double, double) noexcept { return 1.0; }  // dy/da = 1
  static double partial_b(double, double, double) noexcept { return 1.0; }  // dy/db = 1
};
}  // namespace detail

/// a + b, element-wise with NumPy broadcasting of rows and columns.
inline Var operator+(const Var& a, const Var& b) {
  return detail::Recorder::broadcast<detail::AddRule>("add", a, b);
}
/// a = a + b.
inline Var& operator+=(Var& a, const Var& b) { return a = a + b; }

}  // namespace tapegrad
