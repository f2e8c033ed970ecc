// rdiv: y = c / x for a constant c.
#pragma once

#include "tapegrad/ops/kernels.hpp"
#include "tapegrad/ops/record.hpp"

namespace tapegrad {
namespace detail {
struct RDivRule {
  static constexpr std::string_view name = "rdiv";
  static constexpr std::string_view symbol = "c/x";
  // k = {c}
  static double forward(double x, const double* k) noexcept { return k[0] / x; }
  // dy/dx = -c / x^2 = -y / x
  static double partial(double x, double y, const double*) noexcept { return -y / x; }
};
}  // namespace detail

/// c / x, element-wise.
inline Var operator/(double c, const Var& x) {
  const Shape s = detail::Recorder::node(x, "div", "b").shape();
  return detail::Recorder::unary("div", OpKind::RDiv, x, s, detail::Recorder::constants(x, {c}));
}

}  // namespace tapegrad
