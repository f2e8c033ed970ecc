// dense: Z = A W + b, a layer of a network in one node: the matrix product of an r x k value A
// and a k x c value W, plus a 1 x c row b added to each of its r rows. The same numbers, bit for
// bit, as matmul(A, W) + b (the product on the same kernels, then the same additions), without
// keeping A W as a node of its own. With G = dJ/dZ: dJ/dA = G W^T, dJ/dW = A^T G, and dJ/db is
// the column sums of G.
#pragma once

#include "tapegrad/ops/detail/kernels.hpp"
#include "tapegrad/ops/detail/record.hpp"

namespace tapegrad {
namespace detail {
struct DenseRule {
  static constexpr std::string_view name = "dense";
  static constexpr std::string_view symbol = "AW+b";
  static constexpr std::size_t arity = 3;  // A, W, b: listed inputs
  // row r of A W + b is row r of A times W, plus b: blocks of rows work when W and b are not
  // batch nodes
  static constexpr RowRule rows = RowRule::FirstInput;
  // Z = A W + b (b added to each row)
  static void forward(const Ctx& t, const Node& n);
  // dJ/dA = G W^T, dJ/dW = A^T G, dJ/db = column sums of G   (G = dJ/dZ)
  static void backward(const Ctx& t, const Node& n);
};
}  // namespace detail

/// A W + b in one node: the matrix product of an r x k value `a` and a k x c value `w`, plus a
/// 1 x c row `b` added to each row (a layer of a network with examples as rows). Values and
/// gradients equal those of matmul(a, w) + b bit for bit. Throws Error when w does not have k
/// rows, b is not 1 x c, or the three belong to different tapes.
Var dense(const Var& a, const Var& w, const Var& b);

}  // namespace tapegrad
