#include "tapegrad/models/model.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <unordered_map>

#include "tapegrad/engine/error.hpp"
#include "tapegrad/models/logistic.hpp"
#include "tapegrad/models/random.hpp"
#include "tapegrad/ops/add.hpp"
#include "tapegrad/ops/affine.hpp"
#include "tapegrad/ops/cross_entropy.hpp"
#include "tapegrad/ops/dense.hpp"
#include "tapegrad/ops/log_loss_with_logits.hpp"
#include "tapegrad/ops/mean.hpp"
#include "tapegrad/ops/mul.hpp"
#include "tapegrad/ops/pow.hpp"
#include "tapegrad/ops/relu.hpp"
#include "tapegrad/ops/sub.hpp"
#include "tapegrad/ops/sum.hpp"
#include "tapegrad/ops/tanh.hpp"
#include "tapegrad/ops/transpose.hpp"

namespace tapegrad {

std::string_view to_string(ModelKind kind) noexcept {
  switch (kind) {
    case ModelKind::logreg:
      return "logreg";
    case ModelKind::mlp:
      return "mlp";
    case ModelKind::softmax:
      return "softmax";
    case ModelKind::linear:
      return "linear";
  }
  return "?";
}

std::string_view to_string(Task task) noexcept {
  switch (task) {
    case Task::binary:
      return "binary";
    case Task::multiclass:
      return "multiclass";
    case Task::regression:
      return "regression";
  }
  return "?";
}

Task task_of(ModelKind kind, Task mlp_task) noexcept {
  switch (kind) {
    case ModelKind::logreg:
      return Task::binary;
    case ModelKind::softmax:
      return Task::multiclass;
    case ModelKind::linear:
      return Task::regression;
    case ModelKind::mlp:
      break;
  }
  return mlp_task;
}

std::string_view to_string(Activation activation) noexcept {
  switch (activation) {
    case Activation::tanh:
      return "tanh";
    case Activation::relu:
      return "relu";
  }
  return "?";
}

ModelKind parse_model_kind(std::string_view text) {
  if (text == "logreg") return ModelKind::logreg;
  if (text == "mlp") return ModelKind::mlp;
  if (text == "softmax") return ModelKind::softmax;
  if (text == "linear") return ModelKind::linear;
  detail::fail("model kind", "kind", "expected 'logreg', 'mlp', 'softmax' or 'linear', found '{}'",
               text);
}

Task parse_task(std::string_view text) {
  if (text == "binary") return Task::binary;
  if (text == "multiclass") return Task::multiclass;
  if (text == "regression") return Task::regression;
  detail::fail("task", "task", "expected 'binary', 'multiclass' or 'regression', found '{}'", text);
}

Activation parse_activation(std::string_view text) {
  if (text == "tanh") return Activation::tanh;
  if (text == "relu") return Activation::relu;
  detail::fail("activation", "activation", "expected 'tanh' or 'relu', found '{}'", text);
}

std::vector<std::string> param_names(ModelKind kind, std::span<const std::size_t> sizes) {
  if (kind == ModelKind::logreg || kind == ModelKind::linear) return {"w", "b"};
  if (kind == ModelKind::softmax) return {"W", "b"};
  std::vector<std::string> names;
  for (std::size_t l = 1; l < sizes.size(); ++l) {
    names.push_back(fmt::format("W{}", l));
    names.push_back(fmt::format("b{}", l));
  }
  return names;
}

std::vector<Shape> param_shapes(ModelKind kind, std::span<const std::size_t> sizes, Task mlp_task) {
  const Task task = task_of(kind, mlp_task);
  const std::string list = fmt::format("{{{}}}", fmt::join(sizes, ", "));
  const bool zero = std::find(sizes.begin(), sizes.end(), std::size_t{0}) != sizes.end();
  if (task == Task::multiclass) {
    if (sizes.size() < 2 || zero || sizes.back() < 2) {
      detail::fail("model", "sizes",
                   "expected positive layer sizes ending in k >= 2 classes, found {}", list);
    }
  } else if (sizes.size() < 2 || sizes.back() != 1 || zero) {
    detail::fail("model", "sizes", "expected positive layer sizes ending in 1, found {}", list);
  }
  if (kind != ModelKind::mlp) {
    if (sizes.size() != 2) {
      detail::fail("model", "sizes", "expected {{n, {}}} for {}, found {}",
                   kind == ModelKind::softmax ? "k" : "1", to_string(kind), list);
    }
    if (kind == ModelKind::logreg) return {Shape{sizes[0], 1}, Shape{1, 1}};
  }
  std::vector<Shape> shapes;
  for (std::size_t l = 1; l < sizes.size(); ++l) {
    if (task == Task::binary) {  // the lecture's W_l n_l x n_{l-1}, b_l n_l x 1 (model.hpp)
      shapes.push_back({sizes[l], sizes[l - 1]});
      shapes.push_back({sizes[l], 1});
    } else {  // examples as rows: Z_l = A_{l-1} W_l + b_l
      shapes.push_back({sizes[l - 1], sizes[l]});
      shapes.push_back({1, sizes[l]});
    }
  }
  return shapes;
}

namespace {

/// A model of `kind` with zero parameters of the shapes its sizes and task call for.
Model zero_model(ModelKind kind, std::vector<std::size_t> sizes, Task task) {
  Model model;
  model.kind = kind;
  model.task = task_of(kind, task);
  model.sizes = std::move(sizes);
  for (Shape s : param_shapes(model.kind, model.sizes, model.task)) {
    model.params.emplace_back(s.rows, s.cols);
  }
  return model;
}

/// One layer with examples as rows: Z = A W + b, b (1 x out) added to each row, in one node
/// (dense: no node for A W, whose m x out values a batch would otherwise keep). Shared by every
/// model.
Var row_layer(const Var& A, const Var& W, const Var& b) { return dense(A, W, b); }

}  // namespace

Model make_logreg(std::size_t n) { return zero_model(ModelKind::logreg, {n, 1}, Task::binary); }

Model make_softmax(std::size_t n, std::size_t k) {
  return zero_model(ModelKind::softmax, {n, k}, Task::multiclass);
}

Model make_linear(std::size_t n) { return zero_model(ModelKind::linear, {n, 1}, Task::regression); }

Model make_mlp(std::vector<std::size_t> sizes, Activation activation, std::uint64_t seed,
               Task task) {
  Model model = zero_model(ModelKind::mlp, std::move(sizes), task);
  model.activation = activation;
  Rng rng(seed);
  for (std::size_t l = 1; l < model.sizes.size(); ++l) {
    const auto fan_in = static_cast<double>(model.sizes[l - 1]);
    const auto fan_out = static_cast<double>(model.sizes[l]);
    // Xavier/Glorot uniform for tanh, He uniform for relu
    const double r = activation == Activation::tanh ? std::sqrt(6.0 / (fan_in + fan_out))
                                                    : std::sqrt(6.0 / fan_in);
    for (double& v : model.params[2 * (l - 1)]) v = rng.uniform(-r, r);
  }
  return model;
}

std::size_t Model::class_count() const noexcept {
  switch (task) {
    case Task::binary:
      return 2;
    case Task::multiclass:
      return outputs();
    case Task::regression:
      break;
  }
  return 0;
}

NetworkGraph record_network(Tape& tape, const Model& model, std::size_t m, bool trainable,
                            TensorView X_rows) {
  if (model.task != task_of(model.kind, model.task)) {
    detail::fail("model", "task", "expected {} for {}, found {}",
                 to_string(task_of(model.kind, model.task)), to_string(model.kind),
                 to_string(model.task));
  }
  const std::vector<Shape> shapes = param_shapes(model.kind, model.sizes, model.task);
  if (model.params.size() != shapes.size()) {
    detail::fail("model", "params", "expected {} tensors, found {}", shapes.size(),
                 model.params.size());
  }
  const std::vector<std::string> names = param_names(model.kind, model.sizes);
  NetworkGraph g;
  if (X_rows.data() != nullptr &&
      (X_rows.shape() != Shape{m, model.inputs()} || X_rows.size() < 2)) {
    detail::fail("record_network", "X_rows",
                 "expected {} rows of {} features (at least two numbers), found {}", m,
                 model.inputs(), X_rows.shape());
  }
  // Zero-filled in the tape itself (no temporary of the batch's size), or the caller's rows.
  g.X = X_rows.data() != nullptr ? tape.input_view(X_rows, "X")
                                 : tape.input(Shape{m, model.inputs()}, "X");
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    if (model.params[i].shape() != shapes[i]) {
      detail::fail("model", names[i], "expected shape {}, found {}", shapes[i],
                   model.params[i].shape());
    }
    g.params.push_back(trainable ? tape.param(model.params[i], names[i])
                                 : tape.input(model.params[i], names[i]));
  }
  Var A = g.X;  // A0 = X
  const std::size_t layers = model.sizes.size() - 1;
  // A binary MLP keeps the lecture's W_l (n_l x n_{l-1}) and b_l (n_l x 1): its layers use their
  // transposes, fixed nodes computed once per pass.
  const bool lecture = model.kind == ModelKind::mlp && model.task == Task::binary;
  for (std::size_t l = 1; l <= layers; ++l) {
    const Var& W = g.params[2 * l - 2];
    const Var& b = g.params[2 * l - 1];
    // Z_l = A_{l-1} W_l + b_l (softmax, linear and logistic regression are this one layer)
    const Var Z = lecture ? row_layer(A, transpose(W), transpose(b)) : row_layer(A, W, b);
    if (l == layers) {
      g.Z = Z;
      break;
    }
    A = model.activation == Activation::tanh ? tanh(Z) : relu(Z);  // A_l = g(Z_l)
  }
  g.Z.set_label("Z");
  return g;
}

Tensor select_features(const Dataset& data, std::span<const std::string> names) {
  std::unordered_map<std::string_view, std::size_t> column;  // linear time for wide data
  column.reserve(data.feature_names.size());
  for (std::size_t j = 0; j < data.feature_names.size(); ++j) {
    column.emplace(data.feature_names[j], j);
  }
  std::vector<std::size_t> cols;
  cols.reserve(names.size());
  for (const std::string& name : names) {
    const auto it = column.find(name);
    if (it == column.end()) {
      detail::fail("select_features", "data", "expected a feature column named '{}', found none",
                   detail::shown(name));
    }
    cols.push_back(it->second);
  }
  Tensor out(data.size(), cols.size());
  for (std::size_t i = 0; i < data.size(); ++i) {
    for (std::size_t j = 0; j < cols.size(); ++j) out(i, j) = data.X(i, cols[j]);
  }
  return out;
}

std::size_t detail::arg_max_row(TensorView Z, std::size_t i) noexcept {
  std::size_t best = 0;
  for (std::size_t j = 1; j < Z.cols(); ++j) {
    if (Z(i, j) > Z(i, best)) best = j;
  }
  return best;
}

Tensor Model::predict_logits(TensorView X_rows) const {
  if (X_rows.cols() != inputs()) {
    detail::fail("predict", "X", "expected {} feature columns, found {}", inputs(), X_rows.cols());
  }
  const std::size_t m = X_rows.rows();
  if (m == 0) return Tensor(0, outputs());
  const Tensor X = standardizer.empty() ? Tensor(X_rows) : standardizer.apply(X_rows);
  // Finite data can lie so far from the training data that its z-score is not finite, and
  // infinite terms of opposite signs in a layer give nan: refused, naming the row and column,
  // rather than a probability nan (rows count from 1, as in predict's output).
  const auto column = [&](std::size_t j) {
    return j < feature_names.size() ? fmt::format("'{}'", detail::shown(feature_names[j]))
                                    : fmt::format("{}", j + 1);
  };
  for (std::size_t i = 0; i < m && !standardizer.empty(); ++i) {
    for (std::size_t j = 0; j < X.cols(); ++j) {
      if (!std::isfinite(X(i, j)) && std::isfinite(X_rows(i, j))) {
        detail::fail("predict", fmt::format("row {}, feature {}", i + 1, column(j)),
                     "{:g} is too far from the training data to standardise (mean {:g}, "
                     "standard deviation {:g})",
                     X_rows(i, j), standardizer.mean[j], standardizer.scale[j]);
      }
    }
  }
  const auto fail_not_a_number = [&](TensorView Xs, std::size_t i) {
    std::size_t at = 0;
    for (std::size_t j = 1; j < Xs.cols(); ++j) {
      if (std::abs(Xs(i, j)) > std::abs(Xs(i, at))) at = j;
    }
    detail::fail("predict", fmt::format("row {}", i + 1),
                 "the model's output is not a number: infinite terms of opposite signs meet in "
                 "it (the row's largest feature is {} = {:g})",
                 column(at), X_rows(i, at));
  };
  Tape tape;
  const NetworkGraph g = record_network(tape, *this, m, /*trainable=*/false);
  MutableTensorView Xg = tape.mutable_value(g.X);
  std::copy(X.begin(), X.end(), Xg.begin());
  tape.forward();
  Tensor Z(Shape{m, outputs()}, {g.Z.value().begin(), g.Z.value().end()});
  // (Parameters that are not finite, from training run on past a divergence, give nan anyway.)
  const bool finite_params = std::all_of(params.begin(), params.end(), [](const Tensor& p) {
    return std::all_of(p.begin(), p.end(), [](double v) { return std::isfinite(v); });
  });
  for (std::size_t i = 0; i < m && finite_params; ++i) {
    for (std::size_t j = 0; j < Z.cols(); ++j) {
      if (std::isnan(Z(i, j))) fail_not_a_number(X, i);
    }
  }
  return Z;
}

namespace {

/// log Σ_j e^{z_ij} for row i, max-subtracted.
double log_sum_exp_row(const Tensor& Z, std::size_t i) {
  const double top = Z(i, detail::arg_max_row(Z, i));
  double s = 0.0;
  for (std::size_t j = 0; j < Z.cols(); ++j) s += std::exp(Z(i, j) - top);
  return top + std::log(s);
}

/// Accuracy, precision and recall of m.class_confusion (k x k counts) into m.
void classification_rates(Metrics& m) {
  const std::size_t k = m.class_confusion.size();
  std::size_t right = 0;
  for (std::size_t c = 0; c < k; ++c) right += m.class_confusion[c][c];
  m.precision.assign(k, 0.0);
  m.recall.assign(k, 0.0);
  for (std::size_t c = 0; c < k; ++c) {
    std::size_t as_c = 0, of_c = 0;
    for (std::size_t j = 0; j < k; ++j) {
      as_c += m.class_confusion[j][c];
      of_c += m.class_confusion[c][j];
    }
    const auto hit = static_cast<double>(m.class_confusion[c][c]);
    if (as_c > 0) m.precision[c] = hit / static_cast<double>(as_c);
    if (of_c > 0) m.recall[c] = hit / static_cast<double>(of_c);
  }
  if (m.count > 0) m.accuracy = static_cast<double>(right) / static_cast<double>(m.count);
}

}  // namespace

Tensor Model::predict(TensorView X_rows) const {
  Tensor Z = predict_logits(X_rows);
  Tensor out(Z.rows(), 1);
  for (std::size_t i = 0; i < Z.rows(); ++i) {
    switch (task) {
      case Task::binary:
        out[i] = Z[i] >= 0.0 ? 1.0 : 0.0;
        break;
      case Task::multiclass:
        out[i] = static_cast<double>(detail::arg_max_row(Z, i));
        break;
      case Task::regression:  // ŷ = z · scale + mean
        out[i] = target_standardizer.empty()
                     ? Z[i]
                     : Z[i] * target_standardizer.scale[0] + target_standardizer.mean[0];
        break;
    }
  }
  return out;
}

Tensor Model::predict(const Dataset& data) const {
  return predict(select_features(data, feature_names));
}

Tensor Model::predict_proba(TensorView X_rows) const {
  if (task == Task::regression) {
    detail::fail("predict_proba", "model", "expected a classifier, found a regression model");
  }
  Tensor p = predict_logits(X_rows);
  if (task == Task::binary) {
    for (double& v : p) v = detail::sigmoid_value(v);
    return p;
  }
  for (std::size_t i = 0; i < p.rows(); ++i) {  // softmax(z_i) = e^{z_ij - lse(z_i)}
    const double lse = log_sum_exp_row(p, i);
    for (std::size_t j = 0; j < p.cols(); ++j) p(i, j) = std::exp(p(i, j) - lse);
  }
  return p;
}

Tensor Model::predict_proba(const Dataset& data) const {
  return predict_proba(select_features(data, feature_names));
}

void check_targets(std::string_view op, const Model& model, TensorView y) {
  for (double label : y) {
    if (model.task == Task::binary && label != 0.0 && label != 1.0) {
      detail::fail(op, "y", "expected labels 0 or 1, found {}", label);
    }
    if (model.task == Task::multiclass &&
        !(label >= 0.0 && label < static_cast<double>(model.outputs()) &&
          label == std::floor(label))) {
      detail::fail(op, "y", "expected class labels 0..{}, found {}", model.outputs() - 1, label);
    }
    if (model.task == Task::regression && !std::isfinite(label)) {
      detail::fail(op, "y", "expected finite targets, found {}", label);
    }
  }
}

MetricsSum::MetricsSum(const Model& model) : model_(&model) {
  sum_.task = model.task;
  if (model.task != Task::regression) {
    const std::size_t k = model.task == Task::binary ? 2 : model.outputs();
    sum_.class_confusion.assign(k, std::vector<std::size_t>(k, 0));
  }
}

void MetricsSum::add(TensorView X_rows, TensorView y) {
  const Model& model = *model_;
  if (y.shape() != Shape{X_rows.rows(), 1}) {
    detail::fail("evaluate", "y", "expected shape {}x1, found {}", X_rows.rows(), y.shape());
  }
  if (model.task != Task::binary) check_targets("evaluate", model, y);
  Metrics& m = sum_;
  const std::size_t rows = X_rows.rows();
  m.count += rows;
  if (model.task == Task::regression) {
    const Tensor p = model.predict(X_rows);
    for (std::size_t i = 0; i < rows; ++i) {
      const double e = p[i] - y[i];
      m.mse += e * e;
      m.mae += std::abs(e);
      targets_.push_back(y[i]);
    }
    return;
  }
  const Tensor Z = model.predict_logits(X_rows);
  for (std::size_t i = 0; i < rows; ++i) {
    const double label = y[i];
    if (model.task == Task::multiclass) {
      ++m.class_confusion[static_cast<std::size_t>(label)][detail::arg_max_row(Z, i)];
      // -log softmax(z_i)_label = lse(z_i) - z_i,label
      m.loss += log_sum_exp_row(Z, i) - Z(i, static_cast<std::size_t>(label));
      continue;
    }
    const double z = Z[i];
    m.loss += detail::logit_loss_value(z, label);
    const bool yes = z >= 0.0;  // σ(z) >= 0.5
    const bool actual = label == 1.0;
    if (yes && actual) ++m.confusion.true_positive;
    if (yes && !actual) ++m.confusion.false_positive;
    if (!yes && !actual) ++m.confusion.true_negative;
    if (!yes && actual) ++m.confusion.false_negative;
    // Per-class counts only for valid labels (binary evaluate has never rejected others).
    valid_ = valid_ && (label == 0.0 || label == 1.0);
    if (valid_) ++m.class_confusion[actual ? 1 : 0][yes ? 1 : 0];
  }
}

void MetricsSum::add(const Dataset& data) {
  add(select_features(data, model_->feature_names), data.y);
}

Metrics MetricsSum::result() const { return result({}); }

Metrics MetricsSum::result(const Reducer& sum) const {
  Metrics m = sum_;
  bool valid = valid_;
  if (sum) {  // the counts and sums of every process
    std::vector<double> v{static_cast<double>(m.count),
                          m.loss,
                          m.mse,
                          m.mae,
                          valid_ ? 0.0 : 1.0,
                          static_cast<double>(m.confusion.true_positive),
                          static_cast<double>(m.confusion.false_positive),
                          static_cast<double>(m.confusion.true_negative),
                          static_cast<double>(m.confusion.false_negative)};
    for (const auto& row : m.class_confusion) {
      for (const std::size_t n : row) v.push_back(static_cast<double>(n));
    }
    sum(v);
    const auto count = [](double x) { return static_cast<std::size_t>(x); };
    m.count = count(v[0]);
    m.loss = v[1];
    m.mse = v[2];
    m.mae = v[3];
    valid = v[4] == 0.0;
    m.confusion = {count(v[5]), count(v[6]), count(v[7]), count(v[8])};
    std::size_t k = 9;
    for (auto& row : m.class_confusion) {
      for (std::size_t& n : row) n = count(v[k++]);
    }
  }
  if (m.task == Task::regression) {
    std::array<double, 1> total_y{0.0};
    for (const double v : targets_) total_y[0] += v;
    if (sum) sum(total_y);
    double mean_y = total_y[0];
    if (m.count > 0) mean_y /= static_cast<double>(m.count);
    std::array<double, 1> squares{0.0};
    for (const double v : targets_) squares[0] += (v - mean_y) * (v - mean_y);
    if (sum) sum(squares);
    const double total = squares[0];
    const double residual = m.mse;
    if (m.count > 0) {
      m.mse /= static_cast<double>(m.count);
      m.mae /= static_cast<double>(m.count);
    }
    m.rmse = std::sqrt(m.mse);
    m.loss = m.mse;
    m.r2 = total > 0.0 ? 1.0 - residual / total : (residual == 0.0 ? 1.0 : 0.0);
    return m;
  }
  if (m.count > 0) m.loss /= static_cast<double>(m.count);
  if (m.task == Task::binary) {
    if (valid) {
      classification_rates(m);
    } else {
      m.class_confusion.clear();
    }
    m.accuracy = 0.0;
    if (m.count > 0) {
      m.accuracy = static_cast<double>(m.confusion.true_positive + m.confusion.true_negative) /
                   static_cast<double>(m.count);
    }
    return m;
  }
  classification_rates(m);
  return m;
}

Metrics Model::evaluate(TensorView X_rows, TensorView y) const {
  MetricsSum sum(*this);
  sum.add(X_rows, y);
  return sum.result();
}

Metrics Model::evaluate(const Dataset& data) const {
  return evaluate(select_features(data, feature_names), data.y);
}

Var weight_penalty(std::span<const Var> params, double weight_decay) {
  if (params.empty()) detail::fail("weight_penalty", "params", "expected at least one weight");
  Var squares = sum(params[0] * params[0]);  // ||W_1||²
  for (std::size_t i = 2; i < params.size(); i += 2) squares = squares + sum(params[i] * params[i]);
  return (0.5 * weight_decay * squares).set_label("penalty");  // (λ/2) Σ ||W_l||²
}

Var record_cost(const Model& model, const NetworkGraph& g, const Var& Y, double weight_decay) {
  Var J;
  switch (model.task) {
    case Task::binary:  // J = (1/m) Σ L(z_i, y_i)
      J = mean(log_loss_with_logits(g.Z, Y));
      break;
    case Task::multiclass:  // J = (1/m) Σ -log softmax(z_i)_{y_i}, per row so it runs in blocks
      J = mean(cross_entropy(g.Z, Y, Reduction::None));
      break;
    case Task::regression:  // J = (1/m) Σ (z_i - y_i)², element-wise so it runs in row blocks
      J = mean(pow(g.Z - Y, 2.0));
      break;
  }
  if (weight_decay > 0.0) J = J + weight_penalty(g.params, weight_decay);
  return J.set_label("J");
}

}  // namespace tapegrad
