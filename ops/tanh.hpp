// tanh: hyperbolic tangent, element-wise.
#pragma once

#include <cmath>

#include "tapegrad/ops/detail/kernels.hpp"
#include "tapegrad/ops/detail/record.hpp"

namespace tapegrad {
namespace detail {
struct TanhRule {
  static constexpr std::string_view name = "tanh";
  static constexpr std::string_view symbol = "tanh";
  static double forward(double x, const double*) noexcept { return std::tanh(x); }
  // dy/dx = 1 - tanh(x)^2 = 1 - y^2, from the saved output
  static double partial(double, double y, const double*) noexcept { return 1.0 - y * y; }
};
}  // namespace detail

/// hyperbolic tangent, element-wise.
inline Var tanh(const Var& x) { return detail::Recorder::map<detail::TanhRule>("tanh", x); }

}  // namespace tapegrad
