// abs: y = |x|, element-wise. The derivative is sign(x): 1 above 0, -1 below, and 0 at 0 (the
// middle of the subgradient [-1, 1]); NaN stays NaN, with derivative 0 (as relu's).
#pragma once

#include <cmath>

#include "tapegrad/ops/detail/kernels.hpp"
#include "tapegrad/ops/detail/record.hpp"

namespace tapegrad {
namespace detail {
struct AbsRule {
  static constexpr std::string_view name = "abs";
  static constexpr std::string_view symbol = "|x|";
  static double forward(double x, const double*) noexcept { return std::fabs(x); }
  // dy/dx = sign(x): 1 for x > 0, -1 for x < 0, 0 at 0 (and for NaN)
  static double partial(double x, double, const double*) noexcept {
    return x > 0.0 ? 1.0 : (x < 0.0 ? -1.0 : 0.0);
  }
};
}  // namespace detail

/// |x|, element-wise; its derivative sign(x) is taken as 0 at x = 0.
inline Var abs(const Var& x) {
  const Shape s = detail::Recorder::node(x, "abs", "x").shape();
  return detail::Recorder::unary<detail::AbsRule>("abs", x, s);
}

}  // namespace tapegrad
