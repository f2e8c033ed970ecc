#include "tapegrad/ops/where.hpp"

#include <array>

namespace tapegrad {
namespace detail {

namespace {
// The three inputs' nodes and their strides broadcast to n's shape.
struct Operand {
  const Node* node;
  Strides s;
  [[nodiscard]] std::size_t at(std::size_t r, std::size_t c) const noexcept {
    return r * s.row + c * s.col;
  }
};
std::array<Operand, 3> operands(const Ctx& t, const Node& n) {
  std::array<Operand, 3> out{};
  for (std::uint32_t i = 0; i < 3; ++i) {
    const Node& x = t.nodes[t.links[n.in0 + i]];
    out[i] = {&x, broadcast_strides(x)};
  }
  return out;
}
}  // namespace

void WhereRule::forward(const Ctx& t, const Node& n) {
  const auto [mask, a, b] = operands(t, n);
  const double* m = values_of(t, *mask.node);
  const double* av = values_of(t, *a.node);
  const double* bv = values_of(t, *b.node);
  double* y = t.values + n.value;
  for (std::size_t r = 0; r < n.rows; ++r) {
    for (std::size_t c = 0; c < n.cols; ++c) {
      y[r * n.cols + c] = m[mask.at(r, c)] != 0.0 ? av[a.at(r, c)] : bv[b.at(r, c)];
    }
  }
}

void WhereRule::backward(const Ctx& t, const Node& n) {
  const auto [mask, a, b] = operands(t, n);
  const double* m = values_of(t, *mask.node);
  const double* g = t.grads + n.grad;
  double* ga = a.node->grad == kNoGrad ? nullptr : t.grads + a.node->grad;
  double* gb = b.node->grad == kNoGrad ? nullptr : t.grads + b.node->grad;
  for (std::size_t r = 0; r < n.rows; ++r) {
    for (std::size_t c = 0; c < n.cols; ++c) {
      // dy/da = 1 where mask != 0, dy/db = 1 elsewhere: the gradient goes to one of them
      const double gi = g[r * n.cols + c];
      if (m[mask.at(r, c)] != 0.0) {
        if (ga != nullptr) ga[a.at(r, c)] += gi;
      } else if (gb != nullptr) {
        gb[b.at(r, c)] += gi;
      }
    }
  }
}

}  // namespace detail

Var where(const Var& mask, const Var& a, const Var& b) {
  const Shape sm = detail::Recorder::node(mask, "where", "mask").shape();
  const Shape sa = detail::Recorder::node(a, "where", "a").shape();
  const Shape sb = detail::Recorder::node(b, "where", "b").shape();
  const Shape out = detail::broadcast_shape("where", detail::broadcast_shape("where", sm, sa), sb);
  const std::array<Var, 3> inputs{mask, a, b};
  return detail::Recorder::listed("where", OpKind::Where, inputs, out);
}

}  // namespace tapegrad
