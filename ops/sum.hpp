// sum: the sum of all elements (1x1), or along an axis (axis 0: over rows, giving 1 x cols;
// axis 1: over columns, giving rows x 1).
#pragma once

#include "tapegrad/ops/kernels.hpp"
#include "tapegrad/ops/record.hpp"

namespace tapegrad {
namespace detail {
struct SumRule {
  static constexpr std::string_view name = "sum";
  static constexpr std::string_view symbol = "Σ";
  // y_j = sum over the reduced axis of x_ij
  static void forward(const Ctx& t, const Node& n);
  // dy_j/dx_ij = 1: the output gradient is broadcast back over the reduced axis
  static void backward(const Ctx& t, const Node& n);
  // dy/dx_i of the sum of all elements (the same for every i, whatever the values): 1
  static double partial_of_all(const Ctx&, const Node&) noexcept { return 1.0; }
};
/// The axis code stored in Node::in1 for sum and mean: 0 whole, 1 over rows, 2 over columns.
std::uint32_t axis_code(std::string_view op, int axis);
}  // namespace detail

/// Sum of all elements: a 1x1 value.
Var sum(const Var& x);
/// Sum along an axis: 0 sums over rows (result 1 x cols), 1 over columns (result rows x 1).
Var sum(const Var& x, int axis);

}  // namespace tapegrad
