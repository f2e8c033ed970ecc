// log_loss_with_logits: L(z, y) = log_loss(sigmoid(z), y) computed from the logit z in one
// numerically stable node, element-wise with broadcasting.
//
// Mathematically L = max(z, 0) - z y + log(1 + e^-|z|). Written per sign of z,
//   z >= 0:  L = z (1 - y) + log1p(e^-z)
//   z <  0:  L = -z y     + log1p(e^z)
// with a zero weight contributing exactly zero (so z = +inf with y = 1 and z = -inf with y = 0
// give L = 0, not inf - inf = NaN). Every finite z, ±1e300 included, gives the correctly rounded
// loss up to log1p's error; the loss is never NaN unless z or y is.
#pragma once

#include <cmath>

#include "tapegrad/ops/detail/kernels.hpp"
#include "tapegrad/ops/detail/record.hpp"
#include "tapegrad/ops/sigmoid.hpp"

namespace tapegrad {
namespace detail {
struct LogLossWithLogitsRule {
  static constexpr std::string_view name = "log_loss_with_logits";
  static constexpr std::string_view symbol = "L(z)";
  static double forward(double z, double y) noexcept {
    if (z >= 0.0) return (y == 1.0 ? 0.0 : z * (1.0 - y)) + std::log1p(std::exp(-z));
    return (y == 0.0 ? 0.0 : -z * y) + std::log1p(std::exp(z));
  }
  // dL/dz = sigma(z) - y   (the lecture's "dz = a - y")
  static double partial_a(double z, double y, double) noexcept {
    return SigmoidRule::forward(z, nullptr) - y;
  }
  // dL/dy = -z
  static double partial_b(double z, double, double) noexcept { return -z; }
  // The value with both partials (one-element nodes with a gradient): the e^-|z| of the loss
  // gives sigma(z) too, exactly as SigmoidRule::forward computes it.
  static double value_and_partials(double z, double y, double* p) noexcept {
    p[1] = -z;
    if (z >= 0.0) {
      const double e = std::exp(-z);
      p[0] = 1.0 / (1.0 + e) - y;
      return (y == 1.0 ? 0.0 : z * (1.0 - y)) + std::log1p(e);
    }
    const double e = std::exp(z);
    p[0] = e / (1.0 + e) - y;
    return (y == 0.0 ? 0.0 : -z * y) + std::log1p(e);
  }
};
}  // namespace detail

/// log_loss(sigmoid(z), y) from the logit z in one numerically stable node, element-wise with
/// broadcasting; its gradient with respect to z is σ(z) - y exactly, finite for every z.
inline Var log_loss_with_logits(const Var& z, const Var& y) {
  return detail::Recorder::broadcast<detail::LogLossWithLogitsRule>("log_loss_with_logits", z, y,
                                                                    "z", "y");
}

}  // namespace tapegrad
