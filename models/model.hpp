// Trained binary classifiers: logistic regression and multi-layer perceptrons.
//
// A Model is plain data: its kind, layer sizes, hidden activation, parameters, the names of the
// features and target it was trained on, and the standardisation fitted on its training set.
// Prediction applies the standardisation, then runs the network's forward graph on a tape:
//   logreg:  Z = wᵀ X + b                          (w n x 1, b 1 x 1)
//   mlp:     A0 = X;  Z_l = W_l A_{l-1} + b_l;  A_l = g(Z_l) for hidden layers (g = tanh or relu);
//            the last layer's Z_L is the logit      (W_l n_l x n_{l-1}, b_l n_l x 1)
// and the probability of class 1 is σ(Z). X here is the lecture's layout, features x examples;
// the public functions take examples in rows (m x n) and transpose.
//
// Initialisation is seeded and portable (see random.hpp): logreg starts at zero; an MLP draws
// each W_l uniformly from [-r, r] with r = sqrt(6 / (n_in + n_out)) for tanh (Xavier/Glorot) or
// r = sqrt(6 / n_in) for relu (He), layer by layer in row-major order; biases start at zero.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tapegrad/engine/tape.hpp"
#include "tapegrad/engine/tensor.hpp"
#include "tapegrad/models/dataset.hpp"

namespace tapegrad {

/// The model family.
enum class ModelKind { logreg, mlp };
/// The hidden layers' activation of an MLP.
enum class Activation { tanh, relu };

/// "logreg" / "mlp".
std::string_view to_string(ModelKind kind) noexcept;
/// "tanh" / "relu".
std::string_view to_string(Activation activation) noexcept;
/// Parses "logreg" or "mlp"; throws Error otherwise.
ModelKind parse_model_kind(std::string_view text);
/// Parses "tanh" or "relu"; throws Error otherwise.
Activation parse_activation(std::string_view text);

/// Counts of a 0.5-threshold classification; "positive" is label 1.
struct ConfusionMatrix {
  std::size_t true_positive = 0;   ///< label 1, predicted 1
  std::size_t false_positive = 0;  ///< label 0, predicted 1
  std::size_t true_negative = 0;   ///< label 0, predicted 0
  std::size_t false_negative = 0;  ///< label 1, predicted 0
};

/// Quality of predictions on labelled examples.
struct Metrics {
  double loss = 0.0;      ///< mean log-loss, computed from the logits (finite)
  double accuracy = 0.0;  ///< fraction classified right: label 1 predicted when z >= 0 (p >= 0.5)
  ConfusionMatrix confusion;  ///< counts at the 0.5 threshold
  std::size_t count = 0;      ///< number of examples
};

/// A binary classifier: architecture, parameters and the data conventions it was trained with.
struct Model {
  ModelKind kind = ModelKind::logreg;  ///< logistic regression or MLP
  /// Layer widths from input to output: {n, 1} for logreg, e.g. {30, 16, 8, 1} for an MLP.
  std::vector<std::size_t> sizes;
  Activation activation = Activation::tanh;  ///< hidden activation (MLP only)
  /// logreg: {w (n x 1), b (1 x 1)}; mlp: {W1, b1, W2, b2, ...} with W_l n_l x n_{l-1}, b_l
  /// n_l x 1.
  std::vector<Tensor> params;
  std::vector<std::string> feature_names;  ///< n names, in input order
  std::string target_name;                 ///< the label's name
  Standardizer standardizer;               ///< empty when trained without standardisation

  /// Number of input features n.
  [[nodiscard]] std::size_t inputs() const noexcept { return sizes.empty() ? 0 : sizes.front(); }

  /// P(label = 1) for each row of X (m x n, raw features): an m x 1 tensor.
  [[nodiscard]] Tensor predict_proba(TensorView X_rows) const;
  /// As above for a dataset whose columns are matched to feature_names by name (any order, extra
  /// columns ignored); throws Error naming a missing feature.
  [[nodiscard]] Tensor predict_proba(const Dataset& data) const;
  /// The logits Z (m x 1) for rows of raw features.
  [[nodiscard]] Tensor predict_logits(TensorView X_rows) const;
  /// Loss, accuracy and confusion matrix on rows X (m x n raw features) and labels y (m x 1).
  [[nodiscard]] Metrics evaluate(TensorView X_rows, TensorView y) const;
  /// As above for a labelled dataset, columns matched by name.
  [[nodiscard]] Metrics evaluate(const Dataset& data) const;
};

/// Names of the parameters in Model::params order: {"w", "b"} or {"W1", "b1", "W2", ...}.
std::vector<std::string> param_names(ModelKind kind, std::span<const std::size_t> sizes);
/// The shapes of the parameters in Model::params order; throws Error for invalid sizes (fewer
/// than two, a zero, an output other than 1, or logreg with hidden layers).
std::vector<Shape> param_shapes(ModelKind kind, std::span<const std::size_t> sizes);

/// A logistic regression over n features with w = 0, b = 0.
Model make_logreg(std::size_t n);
/// An MLP with layer sizes `sizes` (input first, output 1), seeded Xavier (tanh) or He (relu)
/// uniform weights and zero biases.
Model make_mlp(std::vector<std::size_t> sizes, Activation activation, std::uint64_t seed);

/// The forward graph of `model` on a tape.
struct NetworkGraph {
  Var X;                    ///< input, n x m (features x examples)
  std::vector<Var> params;  ///< leaves holding Model::params, same order
  Var Z;                    ///< logits, 1 x m
};

/// Records the forward graph for m examples, the leaves initialised from model.params. With
/// `trainable` the parameters are tape params (gradients flow), otherwise inputs.
NetworkGraph record_network(Tape& tape, const Model& model, std::size_t m, bool trainable);

/// Rows of `data.X` reordered to `names`; throws Error naming a feature the data lacks.
Tensor select_features(const Dataset& data, std::span<const std::string> names);

}  // namespace tapegrad
