// Internal: the reduction code sum and mean share. A reduction node keeps an axis code in
// Node::in1: 0 all elements (1x1), 1 over rows (1 x cols), 2 over columns (rows x 1); it computes
// y = scale * (sum over the reduced axis of x), with scale 1 for sum and 1/k for mean.
#pragma once

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
