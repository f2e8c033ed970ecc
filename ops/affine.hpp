// affine: y = alpha * x + beta for constants alpha, beta. This one node serves every Var-with-
// double form that is exact as a multiply-add: x + c, c + x, x - c, c - x, x * c, c * x and -x.
#pragma once

#include "tapegrad/ops/kernels.hpp"
#include "tapegrad/ops/record.hpp"

namespace tapegrad {
namespace detail {
struct AffineRule {
  static constexpr std::string_view name = "affine";
  static constexpr std::string_view symbol = "ax+b";
  // k = {alpha, beta}
  static double forward(double x, const double* k) noexcept { return x * k[0] + k[1]; }
  static double partial(double, double, const double* k) noexcept { return k[0]; }  // dy/dx = alpha

  static Var record(const Var& x, double alpha, double beta, std::string_view op) {
    const Shape s = Recorder::node(x, op, "x").shape();
    return Recorder::unary(op, OpKind::Affine, x, s, Recorder::constants(x, {alpha, beta}));
  }
};
}  // namespace detail

/// x + c
inline Var operator+(const Var& x, double c) {
  return detail::AffineRule::record(x, 1.0, c, "add");
}
/// c + x
inline Var operator+(double c, const Var& x) {
  return detail::AffineRule::record(x, 1.0, c, "add");
}
/// x - c
inline Var operator-(const Var& x, double c) {
  return detail::AffineRule::record(x, 1.0, -c, "sub");
}
/// c - x
inline Var operator-(double c, const Var& x) {
  return detail::AffineRule::record(x, -1.0, c, "sub");
}
/// x * c
inline Var operator*(const Var& x, double c) {
  return detail::AffineRule::record(x, c, 0.0, "mul");
}
/// c * x
inline Var operator*(double c, const Var& x) {
  return detail::AffineRule::record(x, c, 0.0, "mul");
}
/// -x
inline Var operator-(const Var& x) { return detail::AffineRule::record(x, -1.0, 0.0, "neg"); }

}  // namespace tapegrad
