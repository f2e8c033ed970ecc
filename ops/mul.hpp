// mul: y = a * b element-wise (Hadamard), broadcasting.
#pragma once

#include "tapegrad/ops/detail/kernels.hpp"
#include "tapegrad/ops/detail/record.hpp"

namespace tapegrad {
namespace detail {
struct MulRule {
  static constexpr std::string_view name = "mul";
  static constexpr std::string_view symbol = "*";
  static constexpr bool infix = true;  // drawn as "a + b"
  static double forward(double a, double b) noexcept { return a * b; }
  static double partial_a(double, double b, double) noexcept { return b; }  // dy/da = b
  static double partial_b(double a, double, double) noexcept { return a; }  // dy/db = a
};
}  // namespace detail

/// a * b, element-wise with broadcasting (use matmul for the matrix product).
inline Var operator*(const Var& a, const Var& b) {
  return detail::Recorder::broadcast<detail::MulRule>("mul", a, b);
}

}  // namespace tapegrad
