// transpose: Y = X^T.
#pragma once

#include "tapegrad/ops/detail/kernels.hpp"
#include "tapegrad/ops/detail/record.hpp"

namespace tapegrad {
namespace detail {
struct TransposeRule {
  static constexpr std::string_view name = "transpose";
  static constexpr std::string_view symbol = "ᵀ";
  static constexpr std::size_t arity = 1;
  // y_ji = x_ij
  static void forward(const Ctx& t, const Node& n);
  // dy_ji/dx_ij = 1: the gradient is transposed back
  static void backward(const Ctx& t, const Node& n);
};
}  // namespace detail

/// The transpose of x (an r x c value becomes c x r).
Var transpose(const Var& x);

}  // namespace tapegrad
