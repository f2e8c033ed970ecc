#include "tapegrad/ops/reshape.hpp"

#include <algorithm>

#include "tapegrad/engine/error.hpp"

namespace tapegrad {
namespace detail {

void ReshapeRule::forward(const Ctx& t, const Node& n) {
  std::copy_n(values_of(t, t.nodes[n.in0]), n.size(), t.values + n.value);
}

void ReshapeRule::backward(const Ctx& t, const Node& n) {
  const Node& xn = t.nodes[n.in0];
  if (xn.grad == kNoGrad) return;
  const double* g = t.grads + n.grad;
  double* gx = t.grads + xn.grad;
  for (std::size_t i = 0; i < n.size(); ++i) gx[i] += g[i];  // dy_i/dx_i = 1
}

}  // namespace detail

Var reshape(const Var& x, Shape shape) {
  const Shape s = detail::Recorder::node(x, "reshape", "x").shape();
  detail::check_shape("reshape", "shape", shape);
  if (shape.size() != s.size()) {
    detail::fail("reshape", "shape", "{} has {} elements, x ({}) has {}", shape, shape.size(), s,
                 s.size());
  }
  return detail::Recorder::unary("reshape", OpKind::Reshape, x, shape);
}

}  // namespace tapegrad
