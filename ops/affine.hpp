// affine: y = alpha * x + beta for constants alpha, beta. This one node serves every Var-with-
// double form that is exact as a multiply-add: x + c, c + x, x - c, c - x, x * c, c * x and -x.
#pragma once

#include <cmath>
#include <span>
#include <string>

#include <fmt/format.h>

#include "tapegrad/ops/detail/kernels.hpp"
#include "tapegrad/ops/detail/record.hpp"

namespace tapegrad {
namespace detail {
struct AffineRule {
  static constexpr std::string_view name = "affine";
  static constexpr std::string_view symbol = "ax+b";
  static constexpr std::size_t constants = 2;  // k = {alpha, beta}
  static constexpr bool linear = true;         // its partial reads no value
  static double forward(double x, const double* k) noexcept { return x * k[0] + k[1]; }
  static double partial(double, double, const double* k) noexcept { return k[0]; }  // dy/dx = alpha

  // "-x + 1", "2 * x": how the user wrote it, as near as the constants tell
  static std::string expression(const NodeInfo& n, std::span<const std::string> in) {
    const double alpha = n.constants[0], beta = n.constants[1];
    std::string out = alpha == 1.0    ? in[0]
                      : alpha == -1.0 ? "-" + in[0]
                                      : fmt::format("{} * {}", alpha, in[0]);
    if (beta != 0.0) out += fmt::format(" {} {}", beta < 0 ? "-" : "+", std::abs(beta));
    return out;
  }
  // the bubble of a diagram: "+1", "×2", "neg", "2x+1"
  static std::string bubble(const NodeInfo& n, int precision) {
    const auto num = [&](double x) { return fmt::format("{:.{}g}", x, precision); };
    const double alpha = n.constants[0], beta = n.constants[1];
    const std::string shift = fmt::format("{}{}", beta < 0 ? "-" : "+", num(std::abs(beta)));
    if (alpha == 1.0) return shift;
    if (beta == 0.0) return alpha == -1.0 ? std::string("neg") : fmt::format("×{}", num(alpha));
    return fmt::format("{}x{}", num(alpha), shift);
  }

  static Var record(const Var& x, double alpha, double beta, std::string_view op) {
    return Recorder::map<AffineRule>(op, x, {alpha, beta});
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
