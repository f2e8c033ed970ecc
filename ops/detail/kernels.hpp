// Internal: the element-wise drivers shared by every
// element-wise op (broadcasting included).
//
// An element-wise unary rule is a struct with
//   static double forward(double x, const double* k);              y = f(x)
//   static double partial(double x, double y, const double* k);   dy/dx
// and a binary rule with forward(a, b), partial_a(a, b, y) and partial_b(a, b, y). `k` points at
// the node's constants (unused by most rules). The drivers below apply a rule over whole values
// and, in backward, add g * partial into each input's gradient, summing over broadcast axes.
#pragma once

#include <cstddef>
#include <vector>

#include "tapegrad/engine/detail/rules.hpp"
#include "tapegrad/engine/tape.hpp"

namespace tapegrad::detail {

/// Row and column strides that read operand `x` broadcast to the shape of `out`.
struct Strides {
  std::size_t row;
  std::size_t col;
};
inline Strides broadcast_strides(const Node& x) noexcept {
  return {x.rows == 1 ? 0 : std::size_t{x.cols}, x.cols == 1 ? std::size_t{0} : 1};
}

template <class Rule>
[[gnu::noinline]] void forward_unary_n(const Ctx& t, const Node& n) {
  const double* k = t.consts + n.in1;
  const double* x = values_of(t, t.nodes[n.in0]);
  double* y = t.values + n.value;
  const std::size_t size = n.size();
  for (std::size_t i = 0; i < size; ++i) y[i] = Rule::forward(x[i], k);
}

template <class Rule>
[[gnu::noinline]] void backward_unary_n(const Ctx& t, const Node& n) {
  const Node& xn = t.nodes[n.in0];
  if (xn.grad == kNoGrad) return;
  const double* k = t.consts + n.in1;
  const double* x = values_of(t, xn);
  const double* y = t.values + n.value;
  const double* g = t.grads + n.grad;
  double* gx = t.grads + xn.grad;
  const std::size_t size = n.size();
  for (std::size_t i = 0; i < size; ++i) gx[i] += g[i] * Rule::partial(x[i], y[i], k);
}

template <class Rule>
[[gnu::noinline]] void forward_binary_n(const Ctx& t, const Node& n) {
  const Node& an = t.nodes[n.in0];
  const Node& bn = t.nodes[n.in1];
  const double* a = values_of(t, an);
  const double* b = values_of(t, bn);
  double* y = t.values + n.value;
  const std::size_t size = n.size();
  const bool a_full = an.rows == n.rows && an.cols == n.cols;
  const bool b_full = bn.rows == n.rows && bn.cols == n.cols;
  if (a_full && b_full) {
    for (std::size_t i = 0; i < size; ++i) y[i] = Rule::forward(a[i], b[i]);
    return;
  }
  if (a_full && bn.size() == 1) {  // e.g. a bias or a scalar broadcast over a batch
    for (std::size_t i = 0; i < size; ++i) y[i] = Rule::forward(a[i], b[0]);
    return;
  }
  const Strides sa = broadcast_strides(an);
  const Strides sb = broadcast_strides(bn);
  for (std::size_t r = 0; r < n.rows; ++r) {
    for (std::size_t c = 0; c < n.cols; ++c) {
      y[r * n.cols + c] = Rule::forward(a[r * sa.row + c * sa.col], b[r * sb.row + c * sb.col]);
    }
  }
}

// Adds g * d y / d operand into one operand's gradient (kOperand 0: a, 1: b), summing over the
// axes along which that operand was broadcast.
template <class Rule, int kOperand>
inline void accumulate_operand(const Ctx& t, const Node& n, const Node& an, const Node& bn) {
  const Node& target = kOperand == 0 ? an : bn;
  if (target.grad == kNoGrad) return;
  const auto partial = [](double a, double b, double y) {
    if constexpr (kOperand == 0) {
      return Rule::partial_a(a, b, y);
    } else {
      return Rule::partial_b(a, b, y);
    }
  };
  const double* a = values_of(t, an);
  const double* b = values_of(t, bn);
  const double* y = t.values + n.value;
  const double* g = t.grads + n.grad;
  double* gt = t.grads + target.grad;
  const std::size_t size = n.size();
  const bool a_full = an.rows == n.rows && an.cols == n.cols;
  const bool b_full = bn.rows == n.rows && bn.cols == n.cols;
  if (a_full && b_full) {
    for (std::size_t i = 0; i < size; ++i) gt[i] += g[i] * partial(a[i], b[i], y[i]);
    return;
  }
  if (a_full && bn.size() == 1) {  // b broadcast from one element
    if constexpr (kOperand == 0) {
      for (std::size_t i = 0; i < size; ++i) gt[i] += g[i] * partial(a[i], b[0], y[i]);
    } else {
      double sum = gt[0];  // same additions, in the same order, as the general loop below
      for (std::size_t i = 0; i < size; ++i) sum += g[i] * partial(a[i], b[0], y[i]);
      gt[0] = sum;
    }
    return;
  }
  const Strides sa = broadcast_strides(an);
  const Strides sb = broadcast_strides(bn);
  for (std::size_t r = 0; r < n.rows; ++r) {
    for (std::size_t c = 0; c < n.cols; ++c) {
      const std::size_t i = r * n.cols + c;
      const std::size_t ia = r * sa.row + c * sa.col;
      const std::size_t ib = r * sb.row + c * sb.col;
      gt[kOperand == 0 ? ia : ib] += g[i] * partial(a[ia], b[ib], y[i]);
    }
  }
}

template <class Rule>
[[gnu::noinline]] void backward_binary_n(const Ctx& t, const Node& n) {
  const Node& an = t.nodes[n.in0];
  const Node& bn = t.nodes[n.in1];
  accumulate_operand<Rule, 0>(t, n, an, bn);
  accumulate_operand<Rule, 1>(t, n, an, bn);
}

// Where the one-element drivers below find a node's inputs: through the input Nodes (while
// recording, and when no replay plan is built) ...
struct ViaNodes {
  const Node* nodes;
  [[nodiscard]] Operands unary(const Node& n) const noexcept {
    const Node& x = nodes[n.in0];
    return {x.value, 0, x.grad, kNoGrad};
  }
  [[nodiscard]] Operands binary(const Node& n) const noexcept {
    const Node& a = nodes[n.in0];
    const Node& b = nodes[n.in1];
    return {a.value, b.value, a.grad, b.grad};
  }
};
// ... or in the tape's replay plan, which resolved them once.
struct Resolved {
  const Operands& o;
  [[nodiscard]] Operands unary(const Node&) const noexcept { return o; }
  [[nodiscard]] Operands binary(const Node&) const noexcept { return o; }
};

// The drivers the dispatch switches call. One-element nodes (scalar graphs are made of them) run
// straight-line code here; everything else goes to the loops above, kept out of line so that the
// switches stay small and cheap to enter for scalar nodes. A one-element result of an element-wise
// op has one-element operands.

template <class Rule, class In>
inline void forward_unary(const Ctx& t, const Node& n, In in) {
  if ((n.flags & kScalar) == 0) return forward_unary_n<Rule>(t, n);
  t.values[n.value] = Rule::forward(t.values[in.unary(n).a], t.consts + n.in1);
}

template <class Rule, class In>
inline void backward_unary(const Ctx& t, const Node& n, In in) {
  if ((n.flags & kScalar) == 0) return backward_unary_n<Rule>(t, n);
  const Operands o = in.unary(n);
  if (o.ga == kNoGrad) return;
  const double y = t.values[n.value];
  t.grads[o.ga] += t.grads[n.grad] * Rule::partial(t.values[o.a], y, t.consts + n.in1);
}

template <class Rule, class In>
inline void forward_binary(const Ctx& t, const Node& n, In in) {
  if ((n.flags & kScalar) == 0) return forward_binary_n<Rule>(t, n);
  const Operands o = in.binary(n);
  t.values[n.value] = Rule::forward(t.values[o.a], t.values[o.b]);
}

template <class Rule, class In>
inline void backward_binary(const Ctx& t, const Node& n, In in) {
  if ((n.flags & kScalar) == 0) return backward_binary_n<Rule>(t, n);
  const Operands o = in.binary(n);
  const double a = t.values[o.a];
  const double b = t.values[o.b];
  const double y = t.values[n.value];
  const double g = t.grads[n.grad];
  if (o.ga != kNoGrad) t.grads[o.ga] += g * Rule::partial_a(a, b, y);
  if (o.gb != kNoGrad) t.grads[o.gb] += g * Rule::partial_b(a, b, y);
}

// One-element nodes with a gradient (kStored) compute their local partial derivatives with their
// value, while recording and in forward(); backward() then only multiplies and adds. A binary
// rule may compute both at once with
//   static double value_and_partials(double a, double b, double* p);   p[0] = dy/da, p[1] = dy/db
// when they share work (log_loss_with_logits: one exp for the loss and sigma(z)).

/// y = Rule::forward(x, k); p[0] = dy/dx.
template <class Rule>
[[gnu::always_inline]] inline double scalar_unary(double x, const double* k, double* p) {
  const double y = Rule::forward(x, k);
  p[0] = Rule::partial(x, y, k);
  return y;
}

/// y = Rule::forward(a, b); p[0] = dy/da, p[1] = dy/db.
template <class Rule>
[[gnu::always_inline]] inline double scalar_binary(double a, double b, double* p) {
  if constexpr (requires { Rule::value_and_partials(a, b, p); }) {
    return Rule::value_and_partials(a, b, p);
  } else {
    const double y = Rule::forward(a, b);
    p[0] = Rule::partial_a(a, b, y);
    p[1] = Rule::partial_b(a, b, y);
    return y;
  }
}

/// Replay of a kStored node: its value, and its partials into its StoredOp s. A linear rule's
/// partials read no value: those computed when the node was recorded stay current, and its replay
/// writes the value alone. (A scalar graph's replay runs at about the speed of the bytes it moves,
/// docs/performance.md: W2's adds and affine nodes, 26 of its 29 nodes per example, then leave
/// their StoredOp's line untouched.)
template <class Rule, class In>
[[gnu::always_inline]] inline void forward_unary_stored(const Ctx& t, const Node& n, In in,
                                                        StoredOp& s) {
  const double x = t.values[in.unary(n).a];
  if constexpr (requires { Rule::linear; }) {
    t.values[n.value] = Rule::forward(x, t.consts + n.in1);
  } else {
    t.values[n.value] = scalar_unary<Rule>(x, t.consts + n.in1, s.partial);
  }
}
template <class Rule, class In>
[[gnu::always_inline]] inline void forward_binary_stored(const Ctx& t, const Node& n, In in,
                                                         StoredOp& s) {
  const Operands o = in.binary(n);
  if constexpr (requires { Rule::linear; }) {
    t.values[n.value] = Rule::forward(t.values[o.a], t.values[o.b]);
  } else {
    t.values[n.value] = scalar_binary<Rule>(t.values[o.a], t.values[o.b], s.partial);
  }
}

}  // namespace tapegrad::detail
