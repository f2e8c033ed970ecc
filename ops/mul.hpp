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
  const Shape out = detail::broadcast_shape("mul", detail::Recorder::node(a, "mul", "a").shape(),
                                            detail::Recorder::node(b, "mul", "b").shape());
  return detail::Recorder::binary("mul", OpKind::Mul, a, b, out);
}

}  // namespace tapegrad
