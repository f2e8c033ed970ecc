#include "tapegrad/models/logistic.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "tapegrad/engine/error.hpp"
#include "tapegrad/ops/add.hpp"
#include "tapegrad/ops/log_loss.hpp"
#include "tapegrad/ops/log_loss_with_logits.hpp"
#include "tapegrad/ops/matmul.hpp"
#include "tapegrad/ops/mean.hpp"
#include "tapegrad/ops/mul.hpp"
#include "tapegrad/ops/sigmoid.hpp"
#include "tapegrad/ops/transpose.hpp"

namespace tapegrad {

LectureGraph record_lecture_graph(Tape& tape, std::span<const double> x, std::span<const double> w,
                                  double b, double y) {
  if (x.empty() || x.size() != w.size()) {
    detail::fail("record_lecture_graph", "x, w", "expected equal positive lengths, found {} and {}",
                 x.size(), w.size());
  }
  LectureGraph g;
  for (std::size_t i = 0; i < x.size(); ++i) {
    g.x.push_back(tape.input(x[i], fmt::format("x{}", i + 1)));
  }
  for (std::size_t i = 0; i < w.size(); ++i) {
    g.w.push_back(tape.param(w[i], fmt::format("w{}", i + 1)));
  }
  g.b = tape.param(b, "b");
  g.y = tape.input(y, "y");
  Var z = g.w[0] * g.x[0];  // z = w1 x1 + w2 x2 + ... + b, left to right as written
  for (std::size_t i = 1; i < x.size(); ++i) z = z + g.w[i] * g.x[i];
  g.z = (z + g.b).set_label("z");
  g.a = sigmoid(g.z).set_label("a");
  g.L = log_loss(g.a, g.y).set_label("L");
  return g;
}

LogisticGraph record_logistic_graph(Tape& tape, std::size_t n, std::size_t m, LossForm form) {
  if (n == 0 || m == 0) {
    detail::fail("record_logistic_graph", "n, m", "expected positive sizes, found {} and {}", n, m);
  }
  LogisticGraph g;
  g.X = tape.input(Tensor(n, m), "X");
  g.Y = tape.input(Tensor(1, m), "Y");
  g.w = tape.param(Tensor(n, 1), "w");
  g.b = tape.param(0.0, "b");
  g.Z = (matmul(transpose(g.w), g.X) + g.b).set_label("Z");  // Z = wᵀ X + b
  g.A = sigmoid(g.Z).set_label("A");                         // A = σ(Z)
  const Var L = form == LossForm::logits ? log_loss_with_logits(g.Z, g.Y) : log_loss(g.A, g.Y);
  g.J = mean(L).set_label("J");  // J = (1/m) Σ L
  return g;
}

namespace detail {

double sigmoid_value(double z) noexcept {
  if (z >= 0.0) return 1.0 / (1.0 + std::exp(-z));
  const double e = std::exp(z);
  return e / (1.0 + e);
}

double logit_loss_value(double z, double y) noexcept {
  if (std::isinf(z)) {  // max(z, 0) - z y reads inf - inf: the weight of the infinite term decides
    const double weight = z > 0.0 ? 1.0 - y : y;
    return weight == 0.0 ? 0.0 : weight * std::numeric_limits<double>::infinity();
  }
  return std::max(z, 0.0) - z * y + std::log1p(std::exp(-std::abs(z)));
}

}  // namespace detail

LogisticGradient logistic_gradient(TensorView X, TensorView Y, TensorView w, double b) {
  const std::size_t n = X.rows(), m = X.cols();
  if (m == 0 || Y.shape() != Shape{1, m} || w.shape() != Shape{n, 1}) {
    detail::fail("logistic_gradient", "shapes",
                 "expected X n x m, Y 1 x m, w n x 1 with m > 0, found {}, {} and {}", X.shape(),
                 Y.shape(), w.shape());
  }
  LogisticGradient g;
  g.A = Tensor(1, m);
  g.dw = Tensor(n, 1);
  const double inv_m = 1.0 / static_cast<double>(m);
  for (std::size_t i = 0; i < m; ++i) {
    double z = b;
    for (std::size_t k = 0; k < n; ++k) z += w[k] * X(k, i);
    const double a = detail::sigmoid_value(z);
    const double y = Y[i];
    const double dz = a - y;  // dZ = A - Y
    g.A[i] = a;
    for (std::size_t k = 0; k < n; ++k) g.dw[k] += X(k, i) * dz;  // X dZᵀ
    g.db += dz;
    g.cost += detail::logit_loss_value(z, y);
  }
  for (double& v : g.dw) v *= inv_m;
  g.db *= inv_m;
  g.cost *= inv_m;
  return g;
}

}  // namespace tapegrad
