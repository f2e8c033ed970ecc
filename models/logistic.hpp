// Logistic regression as the lecture draws it, recorded on a caller's tape.
//
// One example (the scalar graph, for teaching):
//   z = w1 x1 + w2 x2 + ... + wn xn + b,   a = σ(z),   L(a, y) = -(y log a + (1 - y) log(1 - a))
// with every node labelled as on the slide (x1..xn, w1..wn, b, y, z, a, L).
//
// A batch (the vectorized graph): X is n x m (one example per column), Y is 1 x m, w is n x 1,
// b a scalar:
//   Z = wᵀ X + b,   A = σ(Z),   J = (1/m) Σ_i L(a_i, y_i)
// Training uses the stable form J = mean(log_loss_with_logits(Z, Y)), which never forms log(A);
// the lecture form J = mean(log_loss(σ(Z), Y)) is available and has the same gradients wherever it
// is finite. Record once, then replay for each batch: set X and Y, forward(), zero_grad(),
// backward(J).
//
// The closed forms the lecture derives by hand, used to check the tape:
//   dZ = A - Y,   dw = (1/m) X dZᵀ,   db = (1/m) Σ_i dz_i.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "tapegrad/engine/tape.hpp"
#include "tapegrad/engine/tensor.hpp"

namespace tapegrad {

/// The named nodes of the lecture's one-example graph.
struct LectureGraph {
  std::vector<Var> x;  ///< inputs x1..xn
  std::vector<Var> w;  ///< params w1..wn
  Var b;               ///< param b
  Var y;               ///< input label y
  Var z;               ///< z = w1 x1 + ... + wn xn + b
  Var a;               ///< a = σ(z)
  Var L;               ///< L = log_loss(a, y)
};

/// Records the one-example graph on `tape` (x and w of equal, positive length n).
LectureGraph record_lecture_graph(Tape& tape, std::span<const double> x, std::span<const double> w,
                                  double b, double y);

/// Which loss node the vectorized graph ends in.
enum class LossForm {
  logits,   ///< J = mean(log_loss_with_logits(Z, Y)): stable, used for training
  lecture,  ///< J = mean(log_loss(σ(Z), Y)): the lecture's drawing
};

/// The nodes of the vectorized graph.
struct LogisticGraph {
  Var X;  ///< input, n x m
  Var Y;  ///< input, 1 x m
  Var w;  ///< param, n x 1
  Var b;  ///< param, 1 x 1
  Var Z;  ///< wᵀ X + b, 1 x m
  Var A;  ///< σ(Z), 1 x m
  Var J;  ///< mean loss, 1 x 1
};

/// Records the vectorized graph for n features and m examples; X, Y, w and b start at zero (set
/// them, then forward()).
LogisticGraph record_logistic_graph(Tape& tape, std::size_t n, std::size_t m,
                                    LossForm form = LossForm::logits);

/// The lecture's hand-derived quantities for one batch.
struct LogisticGradient {
  Tensor A;           ///< σ(wᵀ X + b), 1 x m
  Tensor dw;          ///< (1/m) X (A - Y)ᵀ, n x 1
  double db = 0.0;    ///< (1/m) Σ (a_i - y_i)
  double cost = 0.0;  ///< (1/m) Σ L(a_i, y_i), computed from the logits (stable)
};

namespace detail {
/// σ(z) for a double, without overflow (the sigmoid op's formula).
double sigmoid_value(double z) noexcept;
/// L(σ(z), y) = max(z, 0) - z y + log(1 + e^-|z|), finite for finite z; for z = ±inf it is 0
/// or +inf as the infinite term's weight (1 - y or y) is 0 or not, never nan.
double logit_loss_value(double z, double y) noexcept;
}  // namespace detail

/// The closed-form gradient of the mean log-loss, without a tape: X n x m, Y 1 x m, w n x 1.
LogisticGradient logistic_gradient(TensorView X, TensorView Y, TensorView w, double b);

}  // namespace tapegrad
