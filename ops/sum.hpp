// sum: the sum of all elements (1x1), or along an axis (axis 0: over rows, giving 1 x cols;
// axis 1: over columns, giving rows x 1).
#pragma once

#include "tapegrad/ops/detail/kernels.hpp"
#include "tapegrad/ops/detail/record.hpp"
#include "tapegrad/ops/detail/reduce.hpp"

namespace tapegrad {
namespace detail {
struct SumRule : ReductionTraits {
  static constexpr std::string_view name = "sum";
  static constexpr std::string_view symbol = "Σ";
  // y_j = sum over the reduced axis of x_ij
  static void forward(const Ctx& t, const Node& n) { reduce_forward(t, n, 1.0); }
  // dy_j/dx_ij = 1: the output gradient is broadcast back over the reduced axis
  static void backward(const Ctx& t, const Node& n) { reduce_backward(t, n, 1.0); }
  // dy/dx_i of the sum of all elements (the same for every i, whatever the values): 1
  static double partial_of_all(const Ctx&, const Node& n) noexcept {
    return n.in1 == 0 ? 1.0 : 0.0;
  }
};
}  // namespace detail

/// Sum of all elements: a 1x1 value.
inline Var sum(const Var& x) { return detail::record_reduction("sum", OpKind::Sum, x, 0); }
/// Sum along an axis: 0 sums over rows (result 1 x cols), 1 over columns (result rows x 1).
inline Var sum(const Var& x, int axis) {
  return detail::record_reduction("sum", OpKind::Sum, x, detail::axis_code("sum", axis));
}

}  // namespace tapegrad
