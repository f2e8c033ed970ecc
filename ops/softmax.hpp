// softmax: y = e^x / sum e^x along an axis, computed stably (ops/detail/log_sum_exp.hpp): the
// largest element is subtracted first, so every finite input, |x| up to 1e300 and beyond, gives a
// finite result, and the limits at +-inf are kept: a slice [inf, 0] gives [1, 0], a -inf element
// gives 0. A slice with no limit (a NaN, every element -inf, or +inf more than once) gives NaN
// throughout.
#pragma once

#include "tapegrad/ops/detail/kernels.hpp"
#include "tapegrad/ops/detail/log_sum_exp.hpp"
#include "tapegrad/ops/detail/record.hpp"
#include "tapegrad/ops/detail/reduce.hpp"

namespace tapegrad {
namespace detail {
// The axis code and traits of a reduction (ReductionTraits): softmax normalises along the axis a
// sum would reduce; along axis 1 each row stays to itself, so forward_backward() runs it in blocks.
struct SoftmaxRule : ReductionTraits {
  static constexpr std::string_view name = "softmax";
  static constexpr std::string_view symbol = "softmax";
  // y_i = e^(x_i - M) / sum_j e^(x_j - M) along the axis, M the slice's maximum
  static void forward(const Ctx& t, const Node& n) { normalise_forward<softmax_slice>(t, n); }
  // dy_i/dx_j = y_i (δ_ij - y_j), so dx = y ⊙ (g - sum(g ⊙ y)) along the axis (saved output)
  static void backward(const Ctx& t, const Node& n) {
    normalise_backward(
        t, n, [](const double* y, const double* g, double* gx, std::size_t k, std::size_t s) {
          double dot = 0.0;  // sum_j g_j y_j
          for (std::size_t i = 0; i < k * s; i += s) dot += g[i] * y[i];
          // dJ/dx_i = sum_j g_j dy_j/dx_i = sum_j g_j y_j (δ_ij - y_i) = y_i (g_i - dot)
          for (std::size_t i = 0; i < k * s; i += s) gx[i] += y[i] * (g[i] - dot);
        });
  }
};
}  // namespace detail

/// softmax(x) along `axis`: 1 (the default) normalises each row, across its columns (examples as
/// rows, classes as columns); 0 normalises each column, across rows. Stable for any finite x; a
/// +inf element takes all the mass ([inf, 0] gives [1, 0]), a -inf element gets 0; a row (or
/// column) holding NaN, only -inf, or +inf twice is NaN throughout (it has no limit).
inline Var softmax(const Var& x, int axis = 1) {
  return detail::record_along_axis("softmax", OpKind::Softmax, x, axis);
}

}  // namespace tapegrad
