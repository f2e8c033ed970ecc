// min: the smallest element of x (1x1), or along an axis (axis 0: over rows, giving 1 x cols;
// axis 1: over columns, giving rows x 1). The gradient goes to one element per slice, the arg-min:
// among equal smallest elements the first in row-major order along the reduced axis (the topmost
// of a column, the leftmost of a row). A slice holding NaN gives NaN, and its gradient goes to its
// first NaN.
#pragma once

#include "tapegrad/ops/detail/kernels.hpp"
#include "tapegrad/ops/detail/record.hpp"
#include "tapegrad/ops/detail/reduce.hpp"

namespace tapegrad {
namespace detail {
struct MinRule : ReductionTraits {
  static constexpr std::string_view name = "min";
  static constexpr std::string_view symbol = "min";
  // y_j = min over the reduced axis of x_ij
  static void forward(const Ctx& t, const Node& n) { extremum_forward(t, n, false); }
  // dy_j/dx_ij = 1 for the first arg-min i of slice j, 0 for the other elements
  static void backward(const Ctx& t, const Node& n) { extremum_backward(t, n, false); }
};
}  // namespace detail

/// The smallest element: a 1x1 value. Ties: the gradient goes to the first smallest element in
/// row-major order; NaN anywhere gives NaN (gradient to the first NaN).
inline Var min(const Var& x) { return detail::record_reduction("min", OpKind::Min, x, 0); }
/// The smallest element along an axis: 0 over rows (result 1 x cols), 1 over columns (result
/// rows x 1). Ties: the gradient goes to the first smallest element along the axis (topmost in a
/// column, leftmost in a row); a slice with a NaN gives NaN (gradient to its first NaN).
inline Var min(const Var& x, int axis) {
  return detail::record_reduction("min", OpKind::Min, x, detail::axis_code("min", axis));
}

}  // namespace tapegrad
