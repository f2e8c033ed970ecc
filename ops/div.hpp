// div: y = a / b element-wise, broadcasting.
#pragma once

#include "tapegrad/ops/detail/kernels.hpp"
#include "tapegrad/ops/detail/record.hpp"

namespace tapegrad {
namespace detail {
struct DivRule {
  static constexpr std::string_view name = "div";
  static constexpr std::string_view symbol = "/";
  static constexpr bool infix = true;  // drawn as "a + b"
  static double forward(double a, double b) noexcept { return a / b; }
  static double partial_a(double, double b, double) noexcept { return 1.0 / b; }  // dy/da = 1/b
  // dy/db = -a/b^2 = -y/b, reusing the saved output
  static double partial_b(double, double b, double y) noexcept { return -y / b; }
};
}  // namespace detail

/// a / b, element-wise with broadcasting.
inline Var operator/(const Var& a, const Var& b) {
  return detail::Recorder::broadcast<detail::DivRule>("div", a, b);
}
/// x / c: records c as an input leaf, so the quotient is exactly x / c (not x * (1/c)).
inline Var operator/(const Var& x, double c) {
  detail::Recorder::node(x, "div", "a");
  return x / x.tape().input(c);
}

}  // namespace tapegrad
