#include "tapegrad/models/train.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>

#include "tapegrad/engine/error.hpp"
#include "tapegrad/engine/tape.hpp"
#include "tapegrad/models/random.hpp"

namespace tapegrad {
namespace {

/// The cost of one batch size, recorded once and replayed.
struct BatchGraph {
  std::unique_ptr<Tape> tape = std::make_unique<Tape>();
  Task task;
  NetworkGraph net;
  Var Y;
  Var J;
  std::vector<MutableTensorView> params;
  std::vector<TensorView> grads;

  BatchGraph(const Model& model, std::size_t m, double weight_decay) : task(model.task) {
    net = record_network(*tape, model, m, /*trainable=*/true);
    Y = tape->input(model.rows_layout() ? Tensor(m, 1) : Tensor(1, m), "Y");
    J = record_cost(model, net, Y, weight_decay);
    for (const Var& p : net.params) {
      params.push_back(tape->mutable_value(p));
      grads.push_back(p.grad());
    }
  }

  /// Loads examples order[first, first + m) of X (n x M in the lecture's layout, M x n with
  /// examples as rows) and y into the leaves.
  void load(const Tensor& X, TensorView y, std::span<const std::size_t> order) {
    const MutableTensorView Xv = tape->mutable_value(net.X);
    const MutableTensorView Yv = tape->mutable_value(Y);
    const bool rows = task != Task::binary;
    for (std::size_t k = 0; k < order.size(); ++k) {
      if (rows) {
        std::copy_n(X.begin() + static_cast<std::ptrdiff_t>(order[k] * X.cols()), X.cols(),
                    Xv.begin() + static_cast<std::ptrdiff_t>(k * X.cols()));
      } else {
        for (std::size_t j = 0; j < Xv.rows(); ++j) Xv(j, k) = X(j, order[k]);
      }
      Yv[k] = y[order[k]];
    }
  }

  /// forward, zero_grad, backward; returns J and adds the number of correct predictions.
  double run(std::size_t& correct) {
    if (task == Task::binary) {
      tape->forward();
      tape->zero_grad();
      tape->backward(J);
    } else {
      tape->zero_grad();
      tape->forward_backward(J);
    }
    const TensorView Z = net.Z.value();
    const TensorView Yv = Y.value();
    if (task == Task::binary) {
      for (std::size_t k = 0; k < Z.size(); ++k) correct += (Z[k] >= 0.0) == (Yv[k] == 1.0);
    } else if (task == Task::multiclass) {
      for (std::size_t i = 0; i < Z.rows(); ++i) {
        correct += static_cast<double>(detail::arg_max_row(Z, i)) == Yv[i];
      }
    }
    return J.item();
  }
};

}  // namespace

std::vector<EpochStats> fit(Model& model, TensorView X_rows, TensorView y,
                            const FitOptions& options, const EpochCallback& on_epoch) {
  const std::size_t m = X_rows.rows();
  if (m == 0) detail::fail("fit", "X", "expected at least one example");
  if (X_rows.cols() != model.inputs()) {
    detail::fail("fit", "X", "expected {} feature columns, found {}", model.inputs(),
                 X_rows.cols());
  }
  if (y.shape() != Shape{m, 1}) {
    detail::fail("fit", "y", "expected shape {}x1, found {}", m, y.shape());
  }
  check_targets("fit", model, y);
  if (!(options.weight_decay >= 0.0 && std::isfinite(options.weight_decay))) {
    detail::fail("fit", "weight_decay", "expected a finite number >= 0, found {}",
                 options.weight_decay);
  }

  Tensor Xs = model.standardizer.empty() ? Tensor(X_rows) : model.standardizer.apply(X_rows);
  if (!model.rows_layout()) {  // the lecture's layout: one example per column
    Tensor Xt(Xs.cols(), m);
    for (std::size_t i = 0; i < m; ++i) {
      for (std::size_t j = 0; j < Xs.cols(); ++j) Xt(j, i) = Xs(i, j);
    }
    Xs = std::move(Xt);
  }
  // Regression fits the standardised target (y - mean) / scale.
  const bool scaled = model.task == Task::regression && !model.target_standardizer.empty();
  const Tensor ys = scaled ? model.target_standardizer.apply(y) : Tensor(y);

  const std::size_t batch = options.batch_size == 0 ? m : std::min(options.batch_size, m);
  const std::size_t remainder = m % batch;
  BatchGraph main(model, batch, options.weight_decay);
  std::unique_ptr<BatchGraph> tail;
  if (remainder > 0) tail = std::make_unique<BatchGraph>(model, remainder, options.weight_decay);
  main.tape->set_detect_anomalies(options.detect_anomalies);
  if (tail) tail->tape->set_detect_anomalies(options.detect_anomalies);

  std::vector<Shape> shapes;
  for (const Tensor& p : model.params) shapes.push_back(p.shape());
  Optimizer optimizer(options.optimizer, shapes);

  std::vector<std::size_t> order(m);
  std::iota(order.begin(), order.end(), std::size_t{0});
  Rng rng(options.seed);
  std::vector<EpochStats> history;
  history.reserve(options.epochs);

  for (std::size_t epoch = 1; epoch <= options.epochs; ++epoch) {
    if (batch < m) rng.shuffle(std::span<std::size_t>(order));
    double loss_sum = 0.0;
    std::size_t correct = 0;
    for (std::size_t first = 0; first < m; first += batch) {
      const std::size_t count = std::min(batch, m - first);
      BatchGraph& g = count == batch ? main : *tail;
      if (&g != &main) {  // share the parameters: copy them into the tail graph
        for (std::size_t i = 0; i < g.params.size(); ++i) {
          std::copy(main.params[i].begin(), main.params[i].end(), g.params[i].begin());
        }
      }
      g.load(Xs, ys, std::span<const std::size_t>(order).subspan(first, count));
      try {
        loss_sum += g.run(correct) * static_cast<double>(count);
      } catch (const AnomalyError& e) {
        throw AnomalyError(fmt::format("fit: epoch {}: {}", epoch, e.what()), e.node());
      }
      optimizer.step(main.params, g.grads);  // p := p - α dp (or momentum / Adam)
    }
    const EpochStats stats{epoch, loss_sum / static_cast<double>(m),
                           static_cast<double>(correct) / static_cast<double>(m)};
    history.push_back(stats);
    if (on_epoch) on_epoch(stats);
  }
  for (std::size_t i = 0; i < model.params.size(); ++i) {
    std::copy(main.params[i].begin(), main.params[i].end(), model.params[i].begin());
  }
  return history;
}

TrainResult train(const Dataset& data, const TrainConfig& config, const EpochCallback& on_epoch) {
  if (data.y.shape() != Shape{data.size(), 1} || data.size() == 0) {
    detail::fail("train", "data", "expected labelled examples, found {} rows and labels {}",
                 data.size(), data.y.shape());
  }
  if (data.feature_names.size() != data.features()) {
    detail::fail("train", "data", "expected {} feature names, found {}", data.features(),
                 data.feature_names.size());
  }
  auto [train_part, test_part] = train_test_split(data, config.test_fraction, config.seed);
  if (train_part.size() == 0) detail::fail("train", "test_fraction", "leaves no training data");
  if (config.batch_size > train_part.size()) {
    detail::fail("train", "batch_size", "{} is larger than the training set ({})",
                 config.batch_size, detail::plural(train_part.size(), "example"));
  }

  TrainResult result;
  const std::size_t n = data.features();
  const Task task = task_of(config.kind, config.task);
  std::size_t outputs = 1;
  if (task == Task::multiclass) {  // k = largest label + 1, over the whole data set
    double top = 1.0;
    for (double label : data.y) {
      if (!(label >= 0.0 && label == std::floor(label) && label < 1e9)) {
        detail::fail("train", "data", "expected class labels 0, 1, 2, ..., found {}", label);
      }
      top = std::max(top, label);
    }
    outputs = static_cast<std::size_t>(top) + 1;
  }
  if (config.kind == ModelKind::logreg) {
    result.model = make_logreg(n);
  } else if (config.kind == ModelKind::softmax) {
    result.model = make_softmax(n, outputs);
  } else if (config.kind == ModelKind::linear) {
    result.model = make_linear(n);
  } else {
    std::vector<std::size_t> sizes{n};
    sizes.insert(sizes.end(), config.hidden.begin(), config.hidden.end());
    sizes.push_back(outputs);
    result.model = make_mlp(std::move(sizes), config.activation, config.seed + 1, task);
  }
  result.model.feature_names = data.feature_names;
  result.model.target_name = data.target_name;
  if (config.standardize) {
    result.model.standardizer = Standardizer::fit(train_part.X, data.feature_names);
    if (task == Task::regression) {
      const std::string target[] = {data.target_name};
      result.model.target_standardizer = Standardizer::fit(train_part.y, target);
    }
  }

  FitOptions options{config.optimizer, config.epochs, config.batch_size, config.seed + 2,
                     config.detect_anomalies};
  options.weight_decay = config.weight_decay;
  result.history = fit(result.model, train_part.X, train_part.y, options, on_epoch);
  result.train = result.model.evaluate(train_part.X, train_part.y);
  if (test_part.size() > 0) result.test = result.model.evaluate(test_part.X, test_part.y);
  return result;
}

}  // namespace tapegrad
