// pow: y = x ^ p for a constant exponent p.
#pragma once

#include <cmath>
#include <span>
#include <string>

#include <fmt/format.h>

#include "tapegrad/ops/detail/kernels.hpp"
#include "tapegrad/ops/detail/record.hpp"

namespace tapegrad {
namespace detail {
struct PowRule {
  static constexpr std::string_view name = "pow";
  static constexpr std::string_view symbol = "x^p";
  static constexpr std::size_t constants = 1;  // k = {p}
  // squaring, the common case, is exact as x * x
  static double forward(double x, const double* k) noexcept {
    return k[0] == 2.0 ? x * x : std::pow(x, k[0]);
  }
  // dy/dx = p * x^(p - 1); for p = 0, y = 1 and dy/dx = 0 everywhere, x = 0 included
  static double partial(double x, double, const double* k) noexcept {
    if (k[0] == 0.0) return 0.0;
    return k[0] == 2.0 ? 2.0 * x : k[0] * std::pow(x, k[0] - 1.0);
  }
  static std::string expression(const NodeInfo& n, std::span<const std::string> in) {
    return fmt::format("{}^{}", in[0], n.constants[0]);
  }
  static std::string bubble(const NodeInfo& n, int precision) {
    return fmt::format("^{:.{}g}", n.constants[0], precision);
  }
};
}  // namespace detail

/// x ^ p element-wise for a constant p (std::pow semantics: a negative x with a non-integer p
/// gives NaN).
inline Var pow(const Var& x, double p) {
  return detail::Recorder::map<detail::PowRule>("pow", x, {p});
}

}  // namespace tapegrad
