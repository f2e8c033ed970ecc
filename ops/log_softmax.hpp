// log_softmax: y = x - log(sum e^x) along an axis, computed stably (ops/detail/log_sum_exp.hpp):
// exact 0 for the largest element of a slice whose other elements are negligible ([800, 0] gives
// [0, -800]), finite wherever the result is ([1e300, -1e300] gives [0, -2e300]; only a gap beyond
// the largest double, as between 1e308 and -1e308, rounds to -inf), -inf for a -inf element or next
// to a +inf one; a slice with no limit (a NaN, every element -inf, or +inf more than once) gives
// NaN.
#pragma once

#include <cmath>

#include "tapegrad/ops/detail/kernels.hpp"
#include "tapegrad/ops/detail/log_sum_exp.hpp"
#include "tapegrad/ops/detail/record.hpp"
#include "tapegrad/ops/detail/reduce.hpp"

namespace tapegrad {
namespace detail {
// Axis code and traits as softmax's (ReductionTraits): row-wise along axis 1.
struct LogSoftmaxRule : ReductionTraits {
  static constexpr std::string_view name = "log_softmax";
  static constexpr std::string_view symbol = "log softmax";
  // y_i = (x_i - M) - log(sum_j e^(x_j - M)) along the axis, M the slice's maximum
  static void forward(const Ctx& t, const Node& n) { normalise_forward<log_softmax_slice>(t, n); }
  // dy_i/dx_j = δ_ij - softmax_j, so dx = g - softmax ⊙ sum(g), softmax = e^y (saved output)
  static void backward(const Ctx& t, const Node& n) {
    normalise_backward(
        t, n, [](const double* y, const double* g, double* gx, std::size_t k, std::size_t s) {
          double total = 0.0;  // sum_j g_j
          for (std::size_t i = 0; i < k * s; i += s) total += g[i];
          // dJ/dx_i = sum_j g_j (δ_ij - softmax_i) = g_i - e^(y_i) total
          for (std::size_t i = 0; i < k * s; i += s) gx[i] += g[i] - std::exp(y[i]) * total;
        });
  }
};
}  // namespace detail

/// log(softmax(x)) along `axis` (1, the default: each row; 0: each column), computed without
/// forming softmax: finite wherever the result is representable (|x| up to 1e300), -inf for a -inf
/// element (or beside a +inf one, which gets 0); a row (or column) holding NaN, only -inf, or +inf
/// twice is NaN throughout.
inline Var log_softmax(const Var& x, int axis = 1) {
  return detail::record_along_axis("log_softmax", OpKind::LogSoftmax, x, axis);
}

}  // namespace tapegrad
