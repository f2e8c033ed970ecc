// log_loss: the lecture's cross-entropy node L(a, y) = -(y log a + (1 - y) log(1 - a)),
// element-wise with broadcasting.
//
// A term whose weight is zero contributes exactly zero (0 * log 0 is taken as its limit, 0), so
// L(0, 0) = L(1, 1) = 0 while L(0, 1) = L(1, 0) = +inf; the gradient follows the same rule.
// log(1 - a) is evaluated as log1p(-a). For training prefer log_loss_with_logits, which never
// forms a and stays finite where this node cannot (a rounds to 1 for z > 37).
#pragma once

#include <cmath>

#include "tapegrad/ops/detail/kernels.hpp"
#include "tapegrad/ops/detail/record.hpp"

namespace tapegrad {
namespace detail {
struct LogLossRule {
  static constexpr std::string_view name = "log_loss";
  static constexpr std::string_view symbol = "L";
  static double forward(double a, double y) noexcept {
    const double pos = y == 0.0 ? 0.0 : y * std::log(a);
    const double neg = y == 1.0 ? 0.0 : (1.0 - y) * std::log1p(-a);
    return -(pos + neg);
  }
  // dL/da = -y/a + (1 - y)/(1 - a)   (the lecture's "da")
  static double partial_a(double a, double y, double) noexcept {
    const double pos = y == 0.0 ? 0.0 : -y / a;
    const double neg = y == 1.0 ? 0.0 : (1.0 - y) / (1.0 - a);
    return pos + neg;
  }
  // dL/dy = -(log a - log(1 - a)) = log(1 - a) - log a
  static double partial_b(double a, double, double) noexcept {
    return std::log1p(-a) - std::log(a);
  }
};
}  // namespace detail

/// The lecture's loss L(a, y) = -(y log a + (1 - y) log(1 - a)) of a prediction a = σ(z) in
/// [0, 1] against a label y, element-wise with broadcasting. Average it with mean() for the cost J.
inline Var log_loss(const Var& a, const Var& y) {
  return detail::Recorder::broadcast<detail::LogLossRule>("log_loss", a, y, "a", "y");
}

}  // namespace tapegrad
