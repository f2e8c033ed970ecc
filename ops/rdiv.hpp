// rdiv: y = c / x for a constant c.
#pragma once

#include <span>
#include <string>

#include <fmt/format.h>

#include "tapegrad/ops/detail/kernels.hpp"
#include "tapegrad/ops/detail/record.hpp"

namespace tapegrad {
namespace detail {
struct RDivRule {
  static constexpr std::string_view name = "rdiv";
  static constexpr std::string_view symbol = "c/x";
  static constexpr std::size_t constants = 1;  // k = {c}
  static double forward(double x, const double* k) noexcept { return k[0] / x; }
  // dy/dx = -c / x^2 = -y / x
  static double partial(double x, double y, const double*) noexcept { return -y / x; }
  static std::string expression(const NodeInfo& n, std::span<const std::string> in) {
    return fmt::format("{} / {}", n.constants[0], in[0]);
  }
  static std::string bubble(const NodeInfo& n, int precision) {
    return fmt::format("{:.{}g}/x", n.constants[0], precision);
  }
};
}  // namespace detail

/// c / x, element-wise.
inline Var operator/(double c, const Var& x) {
  return detail::Recorder::map<detail::RDivRule>("div", x, {c}, "b");
}

}  // namespace tapegrad
