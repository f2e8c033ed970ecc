// mean: the mean of all elements (1x1), or along an axis (axis 0: over rows, giving 1 x cols;
// axis 1: over columns, giving rows x 1). The lecture's cost J = (1/m) sum_i L_i.
#pragma once

#include "tapegrad/ops/detail/kernels.hpp"
#include "tapegrad/ops/detail/record.hpp"
#include "tapegrad/ops/detail/reduce.hpp"

namespace tapegrad {
namespace detail {
struct MeanRule : ReductionTraits {
  static constexpr std::string_view name = "mean";
  static constexpr std::string_view symbol = "mean";
  // y_j = (1/k) sum over the reduced axis of x_ij, k the reduced length
  static void forward(const Ctx& t, const Node& n) { reduce_forward(t, n, inverse_count(t, n)); }
  // dy_j/dx_ij = 1/k
  static void backward(const Ctx& t, const Node& n) { reduce_backward(t, n, inverse_count(t, n)); }
  // dy/dx_i of the mean of all k elements (the same for every i, whatever the values): 1/k
  static double partial_of_all(const Ctx& t, const Node& n) noexcept {
    return n.in1 == 0 ? inverse_count(t, n) : 0.0;
  }
  // 1/k for the number k of elements each output averages
  static double inverse_count(const Ctx& t, const Node& n) noexcept {
    const Node& xn = t.nodes[n.in0];
    const std::size_t k = n.in1 == 0 ? xn.size() : (n.in1 == 1 ? xn.rows : xn.cols);
    return 1.0 / static_cast<double>(k);
  }
};
}  // namespace detail

/// Mean of all elements: a 1x1 value.
inline Var mean(const Var& x) { return detail::record_reduction("mean", OpKind::Mean, x, 0); }
/// Mean along an axis: 0 averages over rows (result 1 x cols), 1 over columns (result rows x 1).
inline Var mean(const Var& x, int axis) {
  return detail::record_reduction("mean", OpKind::Mean, x, detail::axis_code("mean", axis));
}

}  // namespace tapegrad
