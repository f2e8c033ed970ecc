// Graphs several engine tests record: the lecture's logistic-regression step on one example, and
// a small tensor network that exercises matmul, broadcasting of rows, columns and scalars, both
// reduction axes and most element-wise ops. Header-only and free of doctest, so the allocation
// test executable can use it too.
//
// Each graph has a values struct V and a graph struct G with record(tape, v), G::leaves(),
// V::leaves() (in the same order) and G::root(), so replay(tape, g, v) works on either.
#pragma once

#include <array>
#include <cstddef>

#include <tapegrad/tapegrad.hpp>

#include "support/random.hpp"

namespace tapegrad::test {

/// The lecture's one example: inputs x1, x2, label y; params w1, w2, b.
struct LogisticPoint {
  double x1, x2, y, w1, w2, b;

  [[nodiscard]] std::array<double, 6> leaves() const { return {x1, x2, y, w1, w2, b}; }
  /// x1, x2, w1, w2 and b uniform on [-2, 2], y 0 or 1.
  static LogisticPoint random(Rng& rng) {
    const Range r{-2.0, 2.0};
    return {r.draw(rng), r.draw(rng), rng.bit(), r.draw(rng), r.draw(rng), r.draw(rng)};
  }
};

/// z = w1*x1 + w2*x2 + b, a = sigmoid(z), L = log_loss(a, y).
struct LogisticGraph {
  Var x1, x2, y, w1, w2, b, z, a, L;

  [[nodiscard]] std::array<Var, 6> leaves() const { return {x1, x2, y, w1, w2, b}; }
  [[nodiscard]] Var root() const { return L; }
};

inline LogisticGraph record(Tape& tape, const LogisticPoint& p) {
  LogisticGraph g;
  g.x1 = tape.input(p.x1, "x1");
  g.x2 = tape.input(p.x2, "x2");
  g.y = tape.input(p.y, "y");
  g.w1 = tape.param(p.w1, "w1");
  g.w2 = tape.param(p.w2, "w2");
  g.b = tape.param(p.b, "b");
  g.z = (g.w1 * g.x1 + g.w2 * g.x2 + g.b).set_label("z");
  g.a = sigmoid(g.z).set_label("a");
  g.L = log_loss(g.a, g.y).set_label("L");
  return g;
}

/// Leaf values of the tensor network: X features x examples, labels Y, row weights R; params
/// W1 (hidden x features), b1 (hidden x 1), w2 (hidden x 1), b2 (1 x 1).
struct NetValues {
  Tensor X, Y, R, W1, b1, w2, b2;

  [[nodiscard]] std::array<TensorView, 7> leaves() const { return {X, Y, R, W1, b1, w2, b2}; }
  /// 3 features, 4 hidden units, `examples` examples; values uniform on [-1.5, 1.5], labels in
  /// {0, 1}.
  static NetValues random(Rng& rng, std::size_t examples = 5) {
    const Range r{-1.5, 1.5};
    NetValues v{r.draw(rng, {3, examples}), Tensor(1, examples), r.draw(rng, {1, examples}),
                r.draw(rng, {4, 3}),        r.draw(rng, {4, 1}), r.draw(rng, {4, 1}),
                r.draw(rng, {1, 1})};
    for (double& y : v.Y) y = rng.bit();
    return v;
  }
};

struct NetGraph {
  Var X, Y, R, W1, b1, w2, b2, J;

  [[nodiscard]] std::array<Var, 7> leaves() const { return {X, Y, R, W1, b1, w2, b2}; }
  [[nodiscard]] Var root() const { return J; }
};

/// H = tanh(W1 X + b1)                      column broadcast, matmul
/// Z = w2^T H + b2, A = sigmoid(Z)          scalar broadcast, transpose
/// J = mean(log_loss(A, Y)) + mean(log_loss_with_logits(Z, Y))
///   + 0.01 * sum(pow(W1, 2)) + 0.1 * mean(sum(relu(H) * R, 0))       row broadcast, axis 0
///   + 0.1 * sum(mean(exp(H - 1) / (H * H + 1), 1))                   axis 1, div, affine
///   + mse(A, 0.5 * detach(A) + 0.25) - 0.05 * sum(1 / (2 + H * H))   detach, rdiv, sub
inline NetGraph record(Tape& tape, const NetValues& v) {
  NetGraph g;
  g.X = tape.input(v.X, "X");
  g.Y = tape.input(v.Y, "Y");
  g.R = tape.input(v.R, "R");
  g.W1 = tape.param(v.W1, "W1");
  g.b1 = tape.param(v.b1, "b1");
  g.w2 = tape.param(v.w2, "w2");
  g.b2 = tape.param(v.b2, "b2");
  const Var H = tanh(matmul(g.W1, g.X) + g.b1);
  const Var Z = matmul(transpose(g.w2), H) + g.b2;
  const Var A = sigmoid(Z);
  const Var HH = H * H;
  g.J = mean(log_loss(A, g.Y)) + mean(log_loss_with_logits(Z, g.Y)) + 0.01 * sum(pow(g.W1, 2.0)) +
        0.1 * mean(sum(relu(H) * g.R, 0)) + 0.1 * sum(mean(exp(H - 1.0) / (HH + 1.0), 1)) +
        mse(A, 0.5 * detach(A) + 0.25) - 0.05 * sum(1.0 / (2.0 + HH));
  return g;
}

/// One warm training-loop step on a recorded graph: set every leaf to `v`, forward(),
/// zero_grad(), backward(root).
template <class G, class V>
void replay(Tape& tape, const G& g, const V& v) {
  const auto vars = g.leaves();
  const auto values = v.leaves();
  for (std::size_t i = 0; i < vars.size(); ++i) tape.set(vars[i], values[i]);
  tape.forward();
  tape.zero_grad();
  tape.backward(g.root());
}

}  // namespace tapegrad::test
