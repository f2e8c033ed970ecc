#include "tapegrad/ops/log_softmax.hpp"

#include <cmath>

namespace tapegrad::detail {

void LogSoftmaxRule::forward(const Ctx& t, const Node& n) {
  const Node& xn = t.nodes[n.in0];
  const double* x = t.values + xn.value;
  double* y = t.values + n.value;
  for_each_slice(xn, n.in1, [&](std::size_t, std::size_t first, std::size_t k, std::size_t s) {
    log_softmax_slice(x + first, y + first, k, s);
  });
}

void LogSoftmaxRule::backward(const Ctx& t, const Node& n) {
  const Node& xn = t.nodes[n.in0];
  if (xn.grad == kNoGrad) return;
  const double* y = t.values + n.value;
  const double* g = t.grads + n.grad;
  double* gx = t.grads + xn.grad;
  for_each_slice(xn, n.in1, [&](std::size_t, std::size_t first, std::size_t k, std::size_t s) {
    double total = 0.0;  // sum_j g_j
    for (std::size_t i = first; i < first + k * s; i += s) total += g[i];
    // dJ/dx_i = sum_j g_j (δ_ij - softmax_i) = g_i - e^(y_i) total
    for (std::size_t i = first; i < first + k * s; i += s) gx[i] += g[i] - std::exp(y[i]) * total;
  });
}

}  // namespace tapegrad::detail
