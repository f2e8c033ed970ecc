// sub: y = a - b, broadcasting.
#pragma once

#include "tapegrad/ops/detail/kernels.hpp"
#include "tapegrad/ops/detail/record.hpp"

namespace tapegrad {
namespace detail {
struct SubRule {
  static constexpr std::string_view name = "sub";
  static constexpr std::string_view symbol = "-";
  static constexpr bool infix = true;   // drawn as "a + b"
  static constexpr bool linear = true;  // its partials read no value
  static double forward(double a, double b) noexcept { return a - b; }
  static double partial_a(double, double, double) noexcept { return 1.0; }   // dy/da = 1
  static double partial_b(double, double, double) noexcept { return -1.0; }  // dy/db = -1
};
}  // namespace detail

/// a - b, element-wise with broadcasting.
inline Var operator-(const Var& a, const Var& b) {
  return detail::Recorder::broadcast<detail::SubRule>("sub", a, b);
}

}  // namespace tapegrad
