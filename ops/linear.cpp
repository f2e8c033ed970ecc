#include "tapegrad/ops/linear.hpp"

#include <algorithm>
#include <vector>

#include "tapegrad/engine/error.hpp"

namespace tapegrad {
namespace detail {

void LinearRule::forward(const Ctx& t, const Node& n) {
  double* z = t.values + n.value;
  const std::size_t size = n.size();
  const std::uint32_t pairs = n.in1 / 2;
  std::copy_n(values_of(t, t.nodes[t.links[n.in0 + 2 * pairs]]), size, z);  // b
  for (std::uint32_t i = 0; i < pairs; ++i) {
    const double* w = values_of(t, t.nodes[t.links[n.in0 + 2 * i]]);
    const double* x = values_of(t, t.nodes[t.links[n.in0 + 2 * i + 1]]);
    for (std::size_t e = 0; e < size; ++e) z[e] += w[e] * x[e];
  }
}

void LinearRule::backward(const Ctx& t, const Node& n) {
  const double* g = t.grads + n.grad;
  const std::size_t size = n.size();
  const std::uint32_t pairs = n.in1 / 2;
  for (std::uint32_t i = 0; i < pairs; ++i) {
    const Node& w = t.nodes[t.links[n.in0 + 2 * i]];
    const Node& x = t.nodes[t.links[n.in0 + 2 * i + 1]];
    if (w.grad != kNoGrad) {  // dz/dw_i = x_i
      double* gw = t.grads + w.grad;
      const double* xv = values_of(t, x);
      for (std::size_t e = 0; e < size; ++e) gw[e] += g[e] * xv[e];
    }
    if (x.grad != kNoGrad) {  // dz/dx_i = w_i
      double* gx = t.grads + x.grad;
      const double* wv = values_of(t, w);
      for (std::size_t e = 0; e < size; ++e) gx[e] += g[e] * wv[e];
    }
  }
  const Node& b = t.nodes[t.links[n.in0 + 2 * pairs]];
  if (b.grad != kNoGrad) {  // dz/db = 1
    double* gb = t.grads + b.grad;
    for (std::size_t e = 0; e < size; ++e) gb[e] += g[e];
  }
}

}  // namespace detail

Var linear(std::span<const Var> weights, std::span<const Var> xs, const Var& b) {
  if (weights.empty()) detail::fail("linear", "weights", "none given; at least one is needed");
  if (weights.size() != xs.size()) {
    detail::fail("linear", "xs", "{} given for {} weights; give one x per weight", xs.size(),
                 weights.size());
  }
  const Shape shape = detail::Recorder::node(b, "linear", "b").shape();
  std::vector<Var> inputs;
  inputs.reserve(2 * weights.size() + 1);
  for (std::size_t i = 0; i < weights.size(); ++i) {
    for (const auto& [v, what] : {std::pair{&weights[i], "weight"}, std::pair{&xs[i], "x"}}) {
      const Shape s = detail::Recorder::node(*v, "linear", "inputs").shape();
      if (s != shape) {
        detail::fail("linear", "shapes", "{} {} is {}, b is {}; all must have one shape", what,
                     i + 1, s, shape);
      }
      inputs.push_back(*v);
    }
  }
  inputs.push_back(b);
  return detail::Recorder::listed("linear", OpKind::Linear, inputs, shape);
}

}  // namespace tapegrad
