// Trained models: binary and k-class classifiers and regressors.
//
// A Model is plain data: its kind and task, layer sizes, hidden activation, parameters, the names
// of the features, target and classes it was trained on, and the standardisations fitted on its
// training set. The task says what the output means:
//   binary:      one logit z, P(label 1) = σ(z), log-loss        (kinds logreg, mlp)
//   multiclass:  k >= 2 logits, probabilities softmax(z), cross-entropy, labels 0..k-1
//                                                                 (kinds softmax, mlp)
//   regression:  one real output, mean squared error              (kinds linear, mlp)
// logreg, softmax and linear imply their task; an MLP carries it in Model::task.
//
// Every model stores examples as rows (X m x n), so Tape::forward_backward runs its training
// over blocks of rows, with the same layer in every model (b broadcast as a row):
//   logreg:  z = X w + b                           (w n x 1, b 1 x 1)
//   softmax: Z = X W + b                           (W n x k, b 1 x k)
//   linear:  z = X w + b                           (w n x 1, b 1 x 1)
//   mlp:     A0 = X;  Z_l = A_{l-1} W_l + b_l;  A_l = g(Z_l) for hidden layers (g = tanh or relu);
//            the last layer's Z_L is the output     (W_l n_{l-1} x n_l, b_l 1 x n_l)
// except that a binary MLP keeps the lecture's parameters, W_l n_l x n_{l-1} and b_l n_l x 1
// (Z_lᵀ = W_l A_{l-1}ᵀ + b_l, features x examples), in Model::params and in its model files, as
// every file version has stored them: its graph multiplies by W_lᵀ and adds b_lᵀ, transposes
// of the parameters computed once per pass (fixed nodes of forward_backward, a few hundred
// elements), so no file changes and no conversion happens at load or save.
// Regression targets are standardised like features when trained with standardisation: the
// network predicts (y - mean) / scale and prediction maps back, ŷ = z · scale + mean.
//
// Initialisation is seeded and portable (see random.hpp): logreg, softmax and linear start at
// zero; an MLP draws each W_l uniformly from [-r, r] with r = sqrt(6 / (n_in + n_out)) for tanh
// (Xavier/Glorot) or r = sqrt(6 / n_in) for relu (He), layer by layer in row-major order of its
// shape; biases start at zero.
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
enum class ModelKind { logreg, mlp, softmax, linear };
/// What a model predicts.
enum class Task { binary, multiclass, regression };
/// The hidden layers' activation of an MLP.
enum class Activation { tanh, relu };

/// "logreg" / "mlp" / "softmax" / "linear".
std::string_view to_string(ModelKind kind) noexcept;
/// "binary" / "multiclass" / "regression".
std::string_view to_string(Task task) noexcept;
/// "tanh" / "relu".
std::string_view to_string(Activation activation) noexcept;
/// Parses "logreg", "mlp", "softmax" or "linear"; throws Error otherwise.
ModelKind parse_model_kind(std::string_view text);
/// Parses "binary", "multiclass" or "regression"; throws Error otherwise.
Task parse_task(std::string_view text);
/// The task of a model of `kind`: logreg binary, softmax multiclass, linear regression; an MLP
/// takes `mlp_task`.
Task task_of(ModelKind kind, Task mlp_task) noexcept;
/// Parses "tanh" or "relu"; throws Error otherwise.
Activation parse_activation(std::string_view text);

/// Counts of a 0.5-threshold classification; "positive" is label 1.
struct ConfusionMatrix {
  std::size_t true_positive = 0;   ///< label 1, predicted 1
  std::size_t false_positive = 0;  ///< label 0, predicted 1
  std::size_t true_negative = 0;   ///< label 0, predicted 0
  std::size_t false_negative = 0;  ///< label 1, predicted 0
};

/// Quality of predictions on labelled examples. Classification fills loss, accuracy and the
/// per-class fields (binary also `confusion`); regression fills loss (= mse) and mse .. r2.
struct Metrics {
  Task task = Task::binary;  ///< which fields are meaningful
  /// Classification: mean log-loss (binary) or cross-entropy (multiclass), from the logits
  /// (finite). Regression: the mean squared error in the target's units.
  double loss = 0.0;
  /// Fraction classified right: binary predicts 1 when z >= 0 (p >= 0.5), multiclass the first
  /// largest logit. 0 for regression.
  double accuracy = 0.0;
  ConfusionMatrix confusion;  ///< binary only: counts at the 0.5 threshold
  std::size_t count = 0;      ///< number of examples
  /// Classification: k x k counts, classes[true][predicted] (binary: k = 2).
  std::vector<std::vector<std::size_t>> class_confusion;
  /// Per class c: right predictions of c / predictions of c (0 when c is never predicted).
  std::vector<double> precision;
  /// Per class c: right predictions of c / examples of c (0 when c never occurs).
  std::vector<double> recall;
  double mse = 0.0;   ///< regression: (1/m) Σ (ŷ - y)²
  double rmse = 0.0;  ///< regression: √mse
  double mae = 0.0;   ///< regression: (1/m) Σ |ŷ - y|
  /// Regression: 1 - Σ (ŷ - y)² / Σ (y - ȳ)²; for constant y, 1 if every prediction is exact,
  /// else 0.
  double r2 = 0.0;
};

/// A trained model: architecture, parameters and the data conventions it was trained with.
struct Model {
  ModelKind kind = ModelKind::logreg;  ///< logreg, softmax, linear or MLP
  /// binary for logreg, multiclass for softmax, regression for linear; an MLP's own task.
  Task task = Task::binary;
  /// Layer widths from input to output: {n, 1} for logreg and linear, {n, k} for softmax, e.g.
  /// {30, 16, 8, 1} for an MLP (its last width is k for multiclass, 1 otherwise).
  std::vector<std::size_t> sizes;
  Activation activation = Activation::tanh;  ///< hidden activation (MLP only)
  /// logreg and linear: {w (n x 1), b (1 x 1)}; softmax: {W (n x k), b (1 x k)}; binary mlp:
  /// {W1, b1, W2, b2, ...} with W_l n_l x n_{l-1}, b_l n_l x 1; other mlp: W_l n_{l-1} x n_l,
  /// b_l 1 x n_l. Weights are the even entries, biases the odd ones.
  std::vector<Tensor> params;
  std::vector<std::string> feature_names;  ///< n names, in input order
  std::string target_name;                 ///< the label's name
  /// Classification: the classes' names in label order (label c is classes[c]); empty means the
  /// labels themselves, 0..k-1.
  std::vector<std::string> classes;
  /// Text columns one-hot encoded into the features named "name=category" (see dataset.hpp).
  std::vector<CategoricalColumn> categorical;
  Standardizer standardizer;  ///< features; empty when trained without standardisation
  /// Regression: the target's mean and scale (one column); empty when not standardised.
  Standardizer target_standardizer;

  /// Number of input features n.
  [[nodiscard]] std::size_t inputs() const noexcept { return sizes.empty() ? 0 : sizes.front(); }
  /// Number of network outputs: 1, or k for multiclass.
  [[nodiscard]] std::size_t outputs() const noexcept { return sizes.empty() ? 0 : sizes.back(); }
  /// Number of classes: 2 for binary, k for multiclass, 0 for regression.
  [[nodiscard]] std::size_t class_count() const noexcept;

  /// Binary: P(label = 1) for each row of X (m x n, raw features), m x 1. Multiclass: the
  /// softmax probabilities, m x k. Throws Error for regression.
  [[nodiscard]] Tensor predict_proba(TensorView X_rows) const;
  /// As above for a dataset whose columns are matched to feature_names by name (any order, extra
  /// columns ignored); throws Error naming a missing feature.
  [[nodiscard]] Tensor predict_proba(const Dataset& data) const;
  /// The network's outputs for rows of raw features: logits Z (m x 1 binary, m x k multiclass)
  /// or, for regression, the standardised prediction (m x 1).
  [[nodiscard]] Tensor predict_logits(TensorView X_rows) const;
  /// m x 1 predictions: the class label (binary: 1 when z >= 0; multiclass: the first largest
  /// logit) or the regression value in the target's units (unstandardised).
  [[nodiscard]] Tensor predict(TensorView X_rows) const;
  /// As above, columns matched by name.
  [[nodiscard]] Tensor predict(const Dataset& data) const;
  /// Metrics (see Metrics) on rows X (m x n raw features) and labels or targets y (m x 1).
  [[nodiscard]] Metrics evaluate(TensorView X_rows, TensorView y) const;
  /// As above for a labelled dataset, columns matched by name.
  [[nodiscard]] Metrics evaluate(const Dataset& data) const;
};

/// Metrics accumulated over blocks of rows taken in order: result() gives bit for bit what
/// Model::evaluate gives on all the rows at once (the sums run in the same order; regression
/// keeps the targets, one double a row, for R²'s two passes).
class MetricsSum {
 public:
  /// Sums for `model`, which must outlive this object.
  explicit MetricsSum(const Model& model);
  /// Adds rows X (raw features) with labels or targets y (rows x 1); throws as evaluate does.
  void add(TensorView X_rows, TensorView y);
  /// As above for a labelled dataset, columns matched by name.
  void add(const Dataset& data);
  /// The metrics of every row added so far.
  [[nodiscard]] Metrics result() const;
  /// The metrics of every row added so far on every process of a data-parallel job: `sum` adds
  /// vectors over the processes (Reducer); every process must call it. Without `sum`, result().
  [[nodiscard]] Metrics result(const Reducer& sum) const;

 private:
  const Model* model_;
  Metrics sum_;                  // running sums and counts
  std::vector<double> targets_;  // regression: every target, for R²
  bool valid_ = true;            // binary: every label 0 or 1
};

/// Names of the parameters in Model::params order: {"w", "b"}, {"W", "b"} (softmax) or
/// {"W1", "b1", "W2", ...}.
std::vector<std::string> param_names(ModelKind kind, std::span<const std::size_t> sizes);
/// The shapes of the parameters in Model::params order for a model of `kind` with an MLP task
/// `mlp_task` (see task_of); throws Error for invalid sizes (fewer than two, a zero, an output
/// other than 1 for binary and regression or below 2 for multiclass, hidden layers outside an
/// MLP).
std::vector<Shape> param_shapes(ModelKind kind, std::span<const std::size_t> sizes,
                                Task mlp_task = Task::binary);

/// A logistic regression over n features with w = 0, b = 0.
Model make_logreg(std::size_t n);
/// A softmax (multinomial logistic) regression over n features and k >= 2 classes, W = 0, b = 0.
Model make_softmax(std::size_t n, std::size_t k);
/// A linear regression over n features with w = 0, b = 0.
Model make_linear(std::size_t n);
/// An MLP with layer sizes `sizes` (input first; output 1, or k classes for multiclass), seeded
/// Xavier (tanh) or He (relu) uniform weights and zero biases.
Model make_mlp(std::vector<std::size_t> sizes, Activation activation, std::uint64_t seed,
               Task task = Task::binary);

/// The forward graph of `model` on a tape.
struct NetworkGraph {
  Var X;                    ///< input: m x n, one example per row
  std::vector<Var> params;  ///< leaves holding Model::params, same order
  Var Z;                    ///< outputs: m x outputs()
};

/// Records the forward graph for m examples, the leaves initialised from model.params. With
/// `trainable` the parameters are tape params (gradients flow), otherwise inputs. The X leaf is
/// zero-filled, to be written through Tape::mutable_value; or, when `X_rows` is given (m x n,
/// at least two elements), a borrowed leaf (Tape::input_view) that
/// reads the caller's rows where they lie, for as long as the tape lives.
NetworkGraph record_network(Tape& tape, const Model& model, std::size_t m, bool trainable,
                            TensorView X_rows = {});

/// The weight penalty (λ/2) Σ ||W||² over the model's weights (Model::params' even entries, not
/// the biases) among `params` (leaves in Model::params order), as a 1x1 Var; its gradient is
/// λ W. Call only with λ > 0.
Var weight_penalty(std::span<const Var> params, double weight_decay);

/// The training cost of a batch of the network `g` of `model` against labels or targets
/// `Y` (m x 1), plus the weight penalty when weight_decay > 0:
///   binary: mean(log_loss_with_logits(Z, Y));  multiclass: mean(cross_entropy(Z, Y, None));
///   regression: mean((Z - Y)²).
/// Each is the mean of a per-row loss, plus a penalty of the params only, so that
/// Tape::forward_backward runs it over blocks of rows.
Var record_cost(const Model& model, const NetworkGraph& g, const Var& Y, double weight_decay);

/// Checks labels or targets y for `model`'s task (binary 0 or 1, multiclass integers 0..k-1,
/// regression finite); throws Error "op: y: ..." otherwise.
void check_targets(std::string_view op, const Model& model, TensorView y);

namespace detail {
/// The column of the first largest element of row i of Z (the predicted class).
std::size_t arg_max_row(TensorView Z, std::size_t i) noexcept;
}  // namespace detail

/// Rows of `data.X` reordered to `names`; throws Error naming a feature the data lacks.
Tensor select_features(const Dataset& data, std::span<const std::string> names);

}  // namespace tapegrad
