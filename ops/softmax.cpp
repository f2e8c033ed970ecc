#include "tapegrad/ops/softmax.hpp"

namespace tapegrad::detail {

void SoftmaxRule::forward(const Ctx& t, const Node& n) {
  const Node& xn = t.nodes[n.in0];
  const double* x = t.values + xn.value;
  double* y = t.values + n.value;
  for_each_slice(xn, n.in1, [&](std::size_t, std::size_t first, std::size_t k, std::size_t s) {
    softmax_slice(x + first, y + first, k, s);
  });
}

void SoftmaxRule::backward(const Ctx& t, const Node& n) {
  const Node& xn = t.nodes[n.in0];
  if (xn.grad == kNoGrad) return;
  const double* y = t.values + n.value;
  const double* g = t.grads + n.grad;
  double* gx = t.grads + xn.grad;
  for_each_slice(xn, n.in1, [&](std::size_t, std::size_t first, std::size_t k, std::size_t s) {
    double dot = 0.0;  // sum_j g_j y_j
    for (std::size_t i = first; i < first + k * s; i += s) dot += g[i] * y[i];
    // dJ/dx_i = sum_j g_j dy_j/dx_i = sum_j g_j y_j (δ_ij - y_i) = y_i (g_i - dot)
    for (std::size_t i = first; i < first + k * s; i += s) gx[i] += y[i] * (g[i] - dot);
  });
}

}  // namespace tapegrad::detail
