// max: the largest element of x (1x1), or along an axis (axis 0: over rows, giving 1 x cols;
// axis 1: over columns, giving rows x 1). The gradient goes to one element per slice, the arg-max:
// among equal largest elements the first in row-major order along the reduced axis (the topmost
// of a column, the leftmost of a row). A slice holding NaN gives NaN, and its gradient goes to its
// first NaN.
#pragma once

#include "tapegrad/ops/detail/kernels.hpp"
#include "tapegrad/ops/detail/record.hpp"
#include "tapegrad/ops/detail/reduce.hpp"

namespace tapegrad {
namespace detail {
struct MaxRule : ReductionTraits {
  static constexpr std::string_view name = "max";
  static constexpr std::string_view symbol = "max";
  // y_j = max over the reduced axis of x_ij
  static void forward(const Ctx& t, const Node& n) { extremum_forward(t, n, true); }
  // dy_j/dx_ij = 1 for the first arg-max i of slice j, 0 for the other elements
  static void backward(const Ctx& t, const Node& n) { extremum_backward(t, n, true); }
};
}  // namespace detail

/// The largest element: a 1x1 value. Ties: the gradient goes to the first largest element in
/// row-major order; NaN anywhere gives NaN (gradient to the first NaN).
inline Var max(const Var& x) { return detail::record_reduction("max", OpKind::Max, x, 0); }
/// The largest element along an axis: 0 over rows (result 1 x cols), 1 over columns (result
/// rows x 1). Ties: the gradient goes to the first largest element along the axis (topmost in a
/// column, leftmost in a row); a slice with a NaN gives NaN (gradient to its first NaN).
inline Var max(const Var& x, int axis) {
  return detail::record_reduction("max", OpKind::Max, x, detail::axis_code("max", axis));
}

}  // namespace tapegrad
