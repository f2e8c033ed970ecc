// sigmoid: y = 1 / (1 + e^-x), element-wise.
#pragma once

#include <cmath>

#include "tapegrad/ops/detail/kernels.hpp"
#include "tapegrad/ops/detail/record.hpp"

namespace tapegrad {
namespace detail {
struct SigmoidRule {
  static constexpr std::string_view name = "sigmoid";
  static constexpr std::string_view symbol = "σ";
  // Never evaluates e^x for large positive x: exact 0 and 1 at -inf and +inf, no overflow.
  static double forward(double x, const double*) noexcept {
    if (x >= 0.0) return 1.0 / (1.0 + std::exp(-x));
    const double e = std::exp(x);
    return e / (1.0 + e);
  }
  // dy/dx = sigma(x) (1 - sigma(x)) = y (1 - y), from the saved output
  static double partial(double, double y, const double*) noexcept { return y * (1.0 - y); }
};
}  // namespace detail

/// The logistic function 1 / (1 + e^-x), element-wise: the lecture's a = σ(z).
inline Var sigmoid(const Var& x) {
  return detail::Recorder::map<detail::SigmoidRule>("sigmoid", x);
}

}  // namespace tapegrad
