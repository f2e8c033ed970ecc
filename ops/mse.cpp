#include "tapegrad/ops/mse.hpp"

#include "tapegrad/engine/error.hpp"

namespace tapegrad {
namespace detail {

void MseRule::forward(const Ctx& t, const Node& n) {
  const Node& an = t.nodes[n.in0];
  const double* a = values_of(t, an);
  const double* y = values_of(t, t.nodes[n.in1]);
  double s = 0.0;
  for (std::size_t i = 0; i < an.size(); ++i) s += (a[i] - y[i]) * (a[i] - y[i]);
  t.values[n.value] = s / static_cast<double>(an.size());
}

void MseRule::backward(const Ctx& t, const Node& n) {
  const Node& an = t.nodes[n.in0];
  const Node& yn = t.nodes[n.in1];
  const double* a = values_of(t, an);
  const double* y = values_of(t, yn);
  const double scale = 2.0 * t.grads[n.grad] / static_cast<double>(an.size());
  if (an.grad != kNoGrad) {
    double* ga = t.grads + an.grad;
    for (std::size_t i = 0; i < an.size(); ++i) ga[i] += scale * (a[i] - y[i]);
  }
  if (yn.grad != kNoGrad) {
    double* gy = t.grads + yn.grad;
    for (std::size_t i = 0; i < an.size(); ++i) gy[i] += -scale * (a[i] - y[i]);
  }
}

}  // namespace detail

Var mse(const Var& a, const Var& y) {
  const Shape sa = detail::Recorder::node(a, "mse", "a").shape();
  const Shape sy = detail::Recorder::node(y, "mse", "y").shape();
  if (sa != sy) detail::fail("mse", "shapes", "{} and {} differ; mse needs equal shapes", sa, sy);
  return detail::Recorder::binary("mse", OpKind::Mse, a, y, Shape{1, 1});
}

}  // namespace tapegrad
