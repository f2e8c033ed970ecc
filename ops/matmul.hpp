// matmul: Y = A B, the matrix product of an r x k and a k x c value (Eigen's kernels).
#pragma once

#include "tapegrad/ops/detail/kernels.hpp"
#include "tapegrad/ops/detail/record.hpp"

namespace tapegrad {
namespace detail {
struct MatmulRule {
  static constexpr std::string_view name = "matmul";
  static constexpr std::string_view symbol = "@";
  static constexpr std::size_t arity = 2;
  // row r of A B is row r of A times B: blocks of rows work when B is not a batch node
  static constexpr RowRule rows = RowRule::FirstInput;
  // Y = A B
  static void forward(const Ctx& t, const Node& n);
  // dJ/dA = G B^T,  dJ/dB = A^T G   (G = dJ/dY)
  static void backward(const Ctx& t, const Node& n);
};
}  // namespace detail

/// The matrix product a · b of an r x k and a k x c value; throws Error when the inner
/// dimensions differ.
Var matmul(const Var& a, const Var& b);

}  // namespace tapegrad
