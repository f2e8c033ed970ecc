#include "tapegrad/models/model.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "tapegrad/engine/error.hpp"
#include "tapegrad/models/logistic.hpp"
#include "tapegrad/models/random.hpp"
#include "tapegrad/ops/add.hpp"
#include "tapegrad/ops/matmul.hpp"
#include "tapegrad/ops/relu.hpp"
#include "tapegrad/ops/tanh.hpp"
#include "tapegrad/ops/transpose.hpp"

namespace tapegrad {

std::string_view to_string(ModelKind kind) noexcept {
  switch (kind) {
    case ModelKind::logreg:
      return "logreg";
    case ModelKind::mlp:
      return "mlp";
  }
  return "?";
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
  detail::fail("model kind", "kind", "expected 'logreg' or 'mlp', found '{}'", text);
}

Activation parse_activation(std::string_view text) {
  if (text == "tanh") return Activation::tanh;
  if (text == "relu") return Activation::relu;
  detail::fail("activation", "activation", "expected 'tanh' or 'relu', found '{}'", text);
}

std::vector<std::string> param_names(ModelKind kind, std::span<const std::size_t> sizes) {
  if (kind == ModelKind::logreg) return {"w", "b"};
  std::vector<std::string> names;
  for (std::size_t l = 1; l < sizes.size(); ++l) {
    names.push_back(fmt::format("W{}", l));
    names.push_back(fmt::format("b{}", l));
  }
  return names;
}

std::vector<Shape> param_shapes(ModelKind kind, std::span<const std::size_t> sizes) {
  const std::string list = fmt::format("{{{}}}", fmt::join(sizes, ", "));
  if (sizes.size() < 2 || sizes.back() != 1 ||
      std::find(sizes.begin(), sizes.end(), std::size_t{0}) != sizes.end()) {
    detail::fail("model", "sizes", "expected positive layer sizes ending in 1, found {}", list);
  }
  if (kind == ModelKind::logreg) {
    if (sizes.size() != 2) {
      detail::fail("model", "sizes", "expected {{n, 1}} for logreg, found {}", list);
    }
    return {Shape{sizes[0], 1}, Shape{1, 1}};
  }
  std::vector<Shape> shapes;
  for (std::size_t l = 1; l < sizes.size(); ++l) {
    shapes.push_back({sizes[l], sizes[l - 1]});
    shapes.push_back({sizes[l], 1});
  }
  return shapes;
}

Model make_logreg(std::size_t n) {
  Model model;
  model.kind = ModelKind::logreg;
  model.sizes = {n, 1};
  for (Shape s : param_shapes(model.kind, model.sizes)) model.params.emplace_back(s.rows, s.cols);
  return model;
}

Model make_mlp(std::vector<std::size_t> sizes, Activation activation, std::uint64_t seed) {
  Model model;
  model.kind = ModelKind::mlp;
  model.sizes = std::move(sizes);
  model.activation = activation;
  Rng rng(seed);
  for (Shape s : param_shapes(model.kind, model.sizes)) model.params.emplace_back(s.rows, s.cols);
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

NetworkGraph record_network(Tape& tape, const Model& model, std::size_t m, bool trainable) {
  const std::vector<Shape> shapes = param_shapes(model.kind, model.sizes);
  if (model.params.size() != shapes.size()) {
    detail::fail("model", "params", "expected {} tensors, found {}", shapes.size(),
                 model.params.size());
  }
  const std::vector<std::string> names = param_names(model.kind, model.sizes);
  NetworkGraph g;
  g.X = tape.input(Tensor(model.inputs(), m), "X");
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    if (model.params[i].shape() != shapes[i]) {
      detail::fail("model", names[i], "expected shape {}, found {}", shapes[i],
                   model.params[i].shape());
    }
    g.params.push_back(trainable ? tape.param(model.params[i], names[i])
                                 : tape.input(model.params[i], names[i]));
  }
  if (model.kind == ModelKind::logreg) {
    g.Z = (matmul(transpose(g.params[0]), g.X) + g.params[1]).set_label("Z");  // Z = wᵀ X + b
    return g;
  }
  Var A = g.X;  // A0 = X
  const std::size_t layers = model.sizes.size() - 1;
  for (std::size_t l = 1; l <= layers; ++l) {
    const Var Z = matmul(g.params[2 * l - 2], A) + g.params[2 * l - 1];  // Z_l = W_l A_{l-1} + b_l
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

Tensor Model::predict_logits(TensorView X_rows) const {
  if (X_rows.cols() != inputs()) {
    detail::fail("predict", "X", "expected {} feature columns, found {}", inputs(), X_rows.cols());
  }
  const std::size_t m = X_rows.rows();
  if (m == 0) return Tensor(0, 1);
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
  MutableTensorView Xt = tape.mutable_value(g.X);  // the lecture's layout: features x examples
  for (std::size_t i = 0; i < m; ++i) {
    for (std::size_t j = 0; j < X.cols(); ++j) Xt(j, i) = X(i, j);
  }
  tape.forward();
  Tensor Z(Shape{m, 1}, {g.Z.value().begin(), g.Z.value().end()});
  // (Parameters that are not finite, from training run on past a divergence, give nan anyway.)
  const bool finite_params = std::all_of(params.begin(), params.end(), [](const Tensor& p) {
    return std::all_of(p.begin(), p.end(), [](double v) { return std::isfinite(v); });
  });
  for (std::size_t i = 0; i < m && finite_params; ++i) {
    if (std::isnan(Z[i])) fail_not_a_number(X, i);
  }
  return Z;
}

Tensor Model::predict_proba(TensorView X_rows) const {
  Tensor p = predict_logits(X_rows);
  for (double& v : p) v = detail::sigmoid_value(v);
  return p;
}

Tensor Model::predict_proba(const Dataset& data) const {
  return predict_proba(select_features(data, feature_names));
}

Metrics Model::evaluate(TensorView X_rows, TensorView y) const {
  if (y.shape() != Shape{X_rows.rows(), 1}) {
    detail::fail("evaluate", "y", "expected shape {}x1, found {}", X_rows.rows(), y.shape());
  }
  const Tensor Z = predict_logits(X_rows);
  Metrics m;
  m.count = Z.size();
  for (std::size_t i = 0; i < Z.size(); ++i) {
    const double z = Z[i], label = y[i];
    m.loss += detail::logit_loss_value(z, label);
    const bool predicted = z >= 0.0;  // σ(z) >= 0.5
    const bool actual = label == 1.0;
    if (predicted && actual) ++m.confusion.true_positive;
    if (predicted && !actual) ++m.confusion.false_positive;
    if (!predicted && !actual) ++m.confusion.true_negative;
    if (!predicted && actual) ++m.confusion.false_negative;
  }
  if (m.count > 0) {
    m.loss /= static_cast<double>(m.count);
    m.accuracy = static_cast<double>(m.confusion.true_positive + m.confusion.true_negative) /
                 static_cast<double>(m.count);
  }
  return m;
}

Metrics Model::evaluate(const Dataset& data) const {
  return evaluate(select_features(data, feature_names), data.y);
}

}  // namespace tapegrad
