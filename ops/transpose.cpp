#include "tapegrad/ops/transpose.hpp"

namespace tapegrad {
namespace detail {

void TransposeRule::forward(const Ctx& t, const Node& n) {
  const Node& xn = t.nodes[n.in0];
  const double* x = values_of(t, xn);
  double* y = t.values + n.value;
  for (std::size_t r = 0; r < xn.rows; ++r) {
    for (std::size_t c = 0; c < xn.cols; ++c) y[c * xn.rows + r] = x[r * xn.cols + c];
  }
}

void TransposeRule::backward(const Ctx& t, const Node& n) {
  const Node& xn = t.nodes[n.in0];
  if (xn.grad == kNoGrad) return;
  const double* g = t.grads + n.grad;
  double* gx = t.grads + xn.grad;
  for (std::size_t r = 0; r < xn.rows; ++r) {
    for (std::size_t c = 0; c < xn.cols; ++c) gx[r * xn.cols + c] += g[c * xn.rows + r];
  }
}

}  // namespace detail

Var transpose(const Var& x) {
  const Shape s = detail::Recorder::node(x, "transpose", "x").shape();
  return detail::Recorder::unary("transpose", OpKind::Transpose, x, Shape{s.cols, s.rows});
}

}  // namespace tapegrad
