#include "tapegrad/ops/dense.hpp"

#include <array>

#include "tapegrad/engine/error.hpp"
#include "tapegrad/ops/detail/gemm.hpp"

namespace tapegrad {
namespace detail {

void DenseRule::forward(const Ctx& t, const Node& n) {
  const Node& a = t.nodes[n.input(0, t.links)];
  const Node& w = t.nodes[n.input(1, t.links)];
  const double* b = values_of(t, t.nodes[n.input(2, t.links)]);
  double* z = t.values + n.value;
  // Z = A W (matmul's kernels) ...
  product_forward(t, a, w, z, n.rows, n.cols);
  // ... + b, element by element as the broadcast add computes (A W)_rc + b_c
  for (std::size_t r = 0; r < n.rows; ++r) {
    double* row = z + r * n.cols;
    for (std::size_t c = 0; c < n.cols; ++c) row[c] += b[c];
  }
}

void DenseRule::backward(const Ctx& t, const Node& n) {
  const Node& a = t.nodes[n.input(0, t.links)];
  const Node& w = t.nodes[n.input(1, t.links)];
  const Node& b = t.nodes[n.input(2, t.links)];
  const double* g = t.grads + n.grad;
  // dJ/db_c = sum_r G_rc (dZ_rc/db_c = 1): added row by row in order, as the broadcast add's
  // backward sums over rows, and first, as the add node comes after the matmul node
  if (b.grad != kNoGrad) {
    double* gb = t.grads + b.grad;
    for (std::size_t r = 0; r < n.rows; ++r) {
      const double* row = g + r * n.cols;
      for (std::size_t c = 0; c < n.cols; ++c) gb[c] += row[c];
    }
  }
  // dJ/dA = G W^T (dZ_rc/dA_rj = W_jc), dJ/dW = A^T G (dZ_rc/dW_jc = A_rj)
  product_backward(t, a, w, g, n.rows, n.cols);
}

}  // namespace detail

Var dense(const Var& a, const Var& w, const Var& b) {
  const Shape sa = detail::Recorder::node(a, "dense", "a").shape();
  const Shape sw = detail::Recorder::node(w, "dense", "w").shape();
  const Shape sb = detail::Recorder::node(b, "dense", "b").shape();
  if (sw.rows != sa.cols) {
    detail::fail("dense", "w", "expected {} rows (one per column of a, which is {}), found {}",
                 sa.cols, sa, sw);
  }
  if (sb != Shape{1, sw.cols}) {
    detail::fail("dense", "b", "expected 1x{} (one row, one column per column of w), found {}",
                 sw.cols, sb);
  }
  const std::array<Var, 3> inputs{a, w, b};
  return detail::Recorder::listed("dense", OpKind::Dense, inputs, Shape{sa.rows, sw.cols});
}

}  // namespace tapegrad
