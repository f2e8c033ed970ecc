// clamp: y = min(max(x, lo), hi), element-wise, for constants lo <= hi (either may be infinite,
// for a bound on one side only). The derivative is 1 on the closed interval lo <= x <= hi, the
// bounds included (where y = x: a value sitting on a bound can move back inside), and 0 outside
// it; NaN stays NaN, with derivative 0.
#pragma once

#include <span>
#include <string>

#include <fmt/format.h>

#include "tapegrad/engine/error.hpp"
#include "tapegrad/ops/detail/kernels.hpp"
#include "tapegrad/ops/detail/record.hpp"

namespace tapegrad {
namespace detail {
struct ClampRule {
  static constexpr std::string_view name = "clamp";
  static constexpr std::string_view symbol = "clamp";
  static constexpr std::size_t constants = 2;  // k = {lo, hi}
  static double forward(double x, const double* k) noexcept {
    return x < k[0] ? k[0] : (x > k[1] ? k[1] : x);
  }
  // dy/dx = 1 for lo <= x <= hi (bounds included), 0 outside (and for NaN)
  static double partial(double x, double, const double* k) noexcept {
    return x >= k[0] && x <= k[1] ? 1.0 : 0.0;
  }
  static std::string expression(const NodeInfo& n, std::span<const std::string> in) {
    return fmt::format("clamp({}, {}, {})", in[0], n.constants[0], n.constants[1]);
  }
  static std::string bubble(const NodeInfo& n, int precision) {
    return fmt::format("clamp [{:.{}g}, {:.{}g}]", n.constants[0], precision, n.constants[1],
                       precision);
  }
};
}  // namespace detail

/// min(max(x, lo), hi), element-wise, for lo <= hi (±inf for a one-sided bound); throws Error for
/// lo > hi or a NaN bound. The derivative is 1 for lo <= x <= hi, the bounds included, else 0.
inline Var clamp(const Var& x, double lo, double hi) {
  const Shape s = detail::Recorder::node(x, "clamp", "x").shape();
  if (!(lo <= hi))
    detail::fail("clamp", "bounds", "[{}, {}] is not an interval; clamp needs lo <= hi", lo, hi);
  return detail::Recorder::unary<detail::ClampRule>("clamp", x, s,
                                                    detail::Recorder::constants(x, {lo, hi}));
}

}  // namespace tapegrad
