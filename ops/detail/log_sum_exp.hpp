// Internal: the stable log-sum-exp that softmax, log_softmax and cross_entropy share.
//
// For a slice x_1..x_n (a row or a column of a value) with largest element M,
//   log_softmax(x)_i = (x_i - M) - log(sum_j e^(x_j - M))
//                    = (x_i - M) - log1p(sum_{j != a} e^(x_j - M))
// with a the first arg-max: e^(x_a - M) = 1 exactly, no exponent is positive (nothing overflows,
// |x| up to 1e300 and beyond is fine) and the sum is in [1, n]. The limits at infinity:
//   - one +inf element: softmax is 1 there and 0 elsewhere (log_softmax 0 and -inf);
//   - -inf elements (with some element above -inf): softmax 0, log_softmax -inf;
//   - no limit, every element NaN: a NaN element, every element -inf, or +inf more than once
//     (the result depends on how the infinities are approached).
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>

#include "tapegrad/ops/detail/record.hpp"
#include "tapegrad/ops/detail/reduce.hpp"

namespace tapegrad::detail {

/// The normaliser of one slice: log_softmax(x_i) = log_prob(x_i).
struct LogSumExp {
  double max;      // the largest element; +inf for one +inf element; NaN when there is no limit
  double log_sum;  // log of sum_j e^(x_j - max), in [0, log n]

  [[nodiscard]] double log_prob(double x) const noexcept {
    if (max == std::numeric_limits<double>::infinity()) {
      return x == max ? 0.0 : -std::numeric_limits<double>::infinity();
    }
    return (x - max) - log_sum;
  }
};

/// The first arg-max of x[0], x[stride], ... (n of them), or n when the slice has no softmax limit
/// (a NaN, every element -inf, or +inf more than once).
[[nodiscard]] inline std::size_t softmax_peak(const double* x, std::size_t n,
                                              std::size_t stride) noexcept {
  constexpr double inf = std::numeric_limits<double>::infinity();
  const std::size_t a = arg_extremum(x, n, stride, true);
  const double m = x[a * stride];
  if (std::isnan(m) || m == -inf) return n;
  if (m == inf) {
    for (std::size_t i = a + 1; i < n; ++i) {
      if (x[i * stride] == inf) return n;
    }
  }
  return a;
}

/// The normaliser of x[0], x[stride], ... (n of them).
[[nodiscard]] inline LogSumExp log_sum_exp(const double* x, std::size_t n,
                                           std::size_t stride) noexcept {
  const std::size_t a = softmax_peak(x, n, stride);
  if (a == n) return {std::numeric_limits<double>::quiet_NaN(), 0.0};
  const double m = x[a * stride];
  if (std::isinf(m)) return {m, 0.0};
  double rest = 0.0;  // sum over j != a of e^(x_j - m), each in [0, 1]
  for (std::size_t i = 0; i < n; ++i) {
    if (i != a) rest += std::exp(x[i * stride] - m);
  }
  return {m, std::log1p(rest)};
}

/// y_i = softmax(x)_i over x[0], x[stride], ... (n of them), written at the same positions of y.
inline void softmax_slice(const double* x, double* y, std::size_t n, std::size_t stride) noexcept {
  const std::size_t a = softmax_peak(x, n, stride);
  if (a == n) {
    for (std::size_t i = 0; i < n; ++i) y[i * stride] = std::numeric_limits<double>::quiet_NaN();
    return;
  }
  const double m = x[a * stride];
  if (std::isinf(m)) {  // one +inf: all the mass there
    for (std::size_t i = 0; i < n; ++i) y[i * stride] = i == a ? 1.0 : 0.0;
    return;
  }
  double s = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    y[i * stride] = std::exp(x[i * stride] - m);  // 1 exactly at the arg-max
    s += y[i * stride];
  }
  for (std::size_t i = 0; i < n; ++i) y[i * stride] /= s;
}

/// y_i = log_softmax(x)_i over x[0], x[stride], ... (n of them).
inline void log_softmax_slice(const double* x, double* y, std::size_t n,
                              std::size_t stride) noexcept {
  const LogSumExp lse = log_sum_exp(x, n, stride);
  for (std::size_t i = 0; i < n; ++i) y[i * stride] = lse.log_prob(x[i * stride]);
}

/// The forward rule of softmax and log_softmax: slice(x, y, k, stride) on each slice of n's input
/// along n's axis (Node::in1, an axis code).
template <void (*Slice)(const double*, double*, std::size_t, std::size_t) noexcept>
void normalise_forward(const Ctx& t, const Node& n) {
  const Node& xn = t.nodes[n.in0];
  const double* x = values_of(t, xn);
  double* y = t.values + n.value;
  for_each_slice(xn, n.in1, [&](std::size_t, std::size_t first, std::size_t k, std::size_t s) {
    Slice(x + first, y + first, k, s);
  });
}

/// Their backward rule: grad(y, g, gx, k, stride) on each slice of the saved output y, its
/// gradient g and the input's gradient gx, when the input needs one.
template <class Grad>
void normalise_backward(const Ctx& t, const Node& n, Grad grad) {
  const Node& xn = t.nodes[n.in0];
  if (xn.grad == kNoGrad) return;
  const double* y = t.values + n.value;
  const double* g = t.grads + n.grad;
  double* gx = t.grads + xn.grad;
  for_each_slice(xn, n.in1, [&](std::size_t, std::size_t first, std::size_t k, std::size_t s) {
    grad(y + first, g + first, gx + first, k, s);
  });
}

/// Records softmax or log_softmax of x along `axis` (0 or 1): a node of x's shape keeping the axis
/// code in Node::in1, as a reduction along that axis does.
inline Var record_along_axis(std::string_view op, OpKind kind, const Var& x, int axis) {
  const Shape s = Recorder::node(x, op, "x").shape();
  return Recorder::unary(op, kind, x, s, axis_code(op, axis));
}

}  // namespace tapegrad::detail
