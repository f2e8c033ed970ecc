// mean: the mean of all elements (1x1), or along an axis (axis 0: over rows, giving 1 x cols;
// axis 1: over columns, giving rows x 1). The lecture's cost J = (1/m) sum_i L_i.
#pragma once

#include "tapegrad/ops/kernels.hpp"
#include "tapegrad/ops/record.hpp"

namespace tapegrad {
namespace detail {
struct MeanRule {
  static constexpr std::string_view name = "mean";
  static constexpr std::string_view symbol = "mean";
  // y_j = (1/k) sum over the reduced axis of x_ij, k the reduced length
  static void forward(const Ctx& t, const Node& n);
  // dy_j/dx_ij = 1/k
  static void backward(const Ctx& t, const Node& n);
  // dy/dx_i of the mean of all k elements (the same for every i, whatever the values): 1/k
  static double partial_of_all(const Ctx& t, const Node& n) noexcept {
    return 1.0 / static_cast<double>(t.nodes[n.in0].size());
  }
};
}  // namespace detail

/// Mean of all elements: a 1x1 value.
Var mean(const Var& x);
/// Mean along an axis: 0 averages over rows (result 1 x cols), 1 over columns (result rows x 1).
Var mean(const Var& x, int axis);

}  // namespace tapegrad
