// Internal: the reduction code sum and mean share. A reduction node keeps an axis code in
// Node::in1: 0 all elements (1x1), 1 over rows (1 x cols), 2 over columns (rows x 1); it computes
// y = scale * (sum over the reduced axis of x), with scale 1 for sum and 1/k for mean.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tapegrad/engine/detail/rules.hpp"
#include "tapegrad/engine/tape.hpp"

namespace tapegrad::detail {

/// The axis code for `axis` (0 or 1); throws Error("<op>: axis: ...") otherwise.
std::uint32_t axis_code(std::string_view op, int axis);
/// The shape of a reduction of x by axis code.
Shape reduced_shape(Shape x, std::uint32_t code);
/// y = scale * (sum over the reduced axis of x).
void reduce_forward(const Ctx& t, const Node& n, double scale);
/// dy_j/dx_ij = scale: the output gradient, scaled, broadcast back over the reduced axis.
void reduce_backward(const Ctx& t, const Node& n, double scale);
/// Records a reduction of x by axis code.
Var record_reduction(std::string_view op, OpKind kind, const Var& x, std::uint32_t code);

/// Calls f(out, first, n, stride) once per slice that axis code `code` reduces in x: output element
/// `out` of the reduction reads x's elements first, first + stride, ..., first + (n - 1) stride.
template <class F>
inline void for_each_slice(const Node& x, std::uint32_t code, F&& f) {
  const std::size_t rows = x.rows;
  const std::size_t cols = x.cols;
  if (code == 0) {
    f(std::size_t{0}, std::size_t{0}, rows * cols, std::size_t{1});
  } else if (code == 1) {
    for (std::size_t c = 0; c < cols; ++c) f(c, c, rows, cols);
  } else {
    for (std::size_t r = 0; r < rows; ++r) f(r, r * cols, cols, std::size_t{1});
  }
}

/// The index (0..n-1) of the largest (`largest`) or smallest element of x[0], x[stride], ...:
/// the first one in order among equal ones, or the first NaN when there is one.
inline std::size_t arg_extremum(const double* x, std::size_t n, std::size_t stride,
                                bool largest) noexcept {
  std::size_t best = 0;
  double b = x[0];
  if (std::isnan(b)) return 0;
  for (std::size_t i = 1; i < n; ++i) {
    const double v = x[i * stride];
    if (std::isnan(v)) return i;
    if (largest ? v > b : v < b) {
      b = v;
      best = i;
    }
  }
  return best;
}

/// y = the largest (`largest`) or smallest element along the reduced axis (max, min).
void extremum_forward(const Ctx& t, const Node& n, bool largest);
/// dy_j/dx_ij = 1 for the arg-extremum i of slice j (arg_extremum's choice), 0 for the others.
void extremum_backward(const Ctx& t, const Node& n, bool largest);

/// The traits sum and mean share (derive from it).
struct ReductionTraits {
  static constexpr std::size_t arity = 1;
  // -1 all elements, 0 over rows, 1 over columns
  static int axis(const Node& n) noexcept { return static_cast<int>(n.in1) - 1; }
  // a sum along columns keeps each row to itself; one over rows or all elements does not
  static RowRule rows(const Ctx&, const Node& n) noexcept {
    return n.in1 == 2 ? RowRule::FirstInput : RowRule::Never;
  }
};

}  // namespace tapegrad::detail
