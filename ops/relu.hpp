// relu: max(x, 0), element-wise; NaN stays NaN; the derivative at 0 is taken as 0.
#pragma once

#include <cmath>

#include "tapegrad/ops/detail/kernels.hpp"
#include "tapegrad/ops/detail/record.hpp"

namespace tapegrad {
namespace detail {
struct ReluRule {
  static constexpr std::string_view name = "relu";
  static constexpr std::string_view symbol = "relu";
  static double forward(double x, const double*) noexcept { return x < 0.0 ? 0.0 : x; }
  // dy/dx = 1 for x > 0, else 0
  static double partial(double x, double, const double*) noexcept { return x > 0.0 ? 1.0 : 0.0; }
};
}  // namespace detail

/// max(x, 0), element-wise; NaN stays NaN; the derivative at 0 is taken as 0.
inline Var relu(const Var& x) { return detail::Recorder::map<detail::ReluRule>("relu", x); }

}  // namespace tapegrad
