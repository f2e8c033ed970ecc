#include "tapegrad/ops/matmul.hpp"

#include "tapegrad/engine/error.hpp"
#include "tapegrad/ops/detail/gemm.hpp"

namespace tapegrad {
namespace detail {

// Y = A B
void MatmulRule::forward(const Ctx& t, const Node& n) {
  product_forward(t, t.nodes[n.in0], t.nodes[n.in1], t.values + n.value, n.rows, n.cols);
}

// dJ/dA += G B^T, dJ/dB += A^T G (G = dJ/dY)
void MatmulRule::backward(const Ctx& t, const Node& n) {
  product_backward(t, t.nodes[n.in0], t.nodes[n.in1], t.grads + n.grad, n.rows, n.cols);
}

}  // namespace detail

Var matmul(const Var& a, const Var& b) {
  const Shape sa = detail::Recorder::node(a, "matmul", "a").shape();
  const Shape sb = detail::Recorder::node(b, "matmul", "b").shape();
  if (sa.cols != sb.rows) {
    detail::fail("matmul", "shapes", "{} and {} do not chain: a has {} columns, b has {} rows", sa,
                 sb, sa.cols, sb.rows);
  }
  return detail::Recorder::binary("matmul", OpKind::Matmul, a, b, Shape{sa.rows, sb.cols});
}

}  // namespace tapegrad
