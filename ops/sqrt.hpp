// sqrt: y = √x, element-wise (std::sqrt: correctly rounded; -0 gives -0, x < 0 gives NaN). The
// derivative 1 / (2y) is read from the saved output: +inf at x = 0 and -0 (so 0 · inf = NaN if a
// zero gradient reaches it), NaN for x < 0.
#pragma once

#include <cmath>

#include "tapegrad/ops/detail/kernels.hpp"
#include "tapegrad/ops/detail/record.hpp"

namespace tapegrad {
namespace detail {
struct SqrtRule {
  static constexpr std::string_view name = "sqrt";
  static constexpr std::string_view symbol = "√";
  static double forward(double x, const double*) noexcept { return std::sqrt(x); }
  // dy/dx = 1 / (2 √x) = 1 / (2y), from the saved output; +inf at x = 0 (and at -0, whose y is
  // -0: hence |y|)
  static double partial(double, double y, const double*) noexcept { return 0.5 / std::fabs(y); }
};
}  // namespace detail

/// √x, element-wise; NaN for x < 0. Its derivative 1 / (2√x) is +inf at x = 0.
inline Var sqrt(const Var& x) {
  const Shape s = detail::Recorder::node(x, "sqrt", "x").shape();
  return detail::Recorder::unary<detail::SqrtRule>("sqrt", x, s);
}

}  // namespace tapegrad
