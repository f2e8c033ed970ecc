#include "tapegrad/models/train.hpp"

#include <algorithm>
#include <memory>
#include <numeric>

#include "tapegrad/engine/error.hpp"
#include "tapegrad/engine/tape.hpp"
#include "tapegrad/models/random.hpp"
#include "tapegrad/ops/log_loss_with_logits.hpp"
#include "tapegrad/ops/mean.hpp"

namespace tapegrad {
namespace {

/// The cost of one batch size, recorded once and replayed.
struct BatchGraph {
  std::unique_ptr<Tape> tape = std::make_unique<Tape>();
  NetworkGraph net;
  Var Y;
  Var J;
  std::vector<MutableTensorView> params;
  std::vector<TensorView> grads;

  BatchGraph(const Model& model, std::size_t m) {
    net = record_network(*tape, model, m, /*trainable=*/true);
    Y = tape->input(Tensor(1, m), "Y");
    J = mean(log_loss_with_logits(net.Z, Y)).set_label("J");  // J = (1/m) Σ L(z_i, y_i)
    for (const Var& p : net.params) {
      params.push_back(tape->mutable_value(p));
      grads.push_back(p.grad());
    }
  }

  /// Loads examples order[first, first + m) of Xt (n x M) and y into the leaves.
  void load(const Tensor& Xt, TensorView y, std::span<const std::size_t> order) {
    const MutableTensorView X = tape->mutable_value(net.X);
    const MutableTensorView Yv = tape->mutable_value(Y);
    for (std::size_t k = 0; k < order.size(); ++k) {
      for (std::size_t j = 0; j < X.rows(); ++j) X(j, k) = Xt(j, order[k]);
      Yv[k] = y[order[k]];
    }
  }

  /// forward, zero_grad, backward; returns J and adds the number of correct predictions.
  double run(std::size_t& correct) {
    tape->forward();
    tape->zero_grad();
    tape->backward(J);
    const TensorView Z = net.Z.value();
    const TensorView Yv = Y.value();
    for (std::size_t k = 0; k < Z.size(); ++k) correct += (Z[k] >= 0.0) == (Yv[k] == 1.0);
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
  for (double label : y) {
    if (label != 0.0 && label != 1.0)
      detail::fail("fit", "y", "expected labels 0 or 1, found {}", label);
  }

  // The lecture's layout: one example per column.
  const Tensor Xs = model.standardizer.empty() ? Tensor(X_rows) : model.standardizer.apply(X_rows);
  Tensor Xt(Xs.cols(), m);
  for (std::size_t i = 0; i < m; ++i) {
    for (std::size_t j = 0; j < Xs.cols(); ++j) Xt(j, i) = Xs(i, j);
  }

  const std::size_t batch = options.batch_size == 0 ? m : std::min(options.batch_size, m);
  const std::size_t remainder = m % batch;
  BatchGraph main(model, batch);
  std::unique_ptr<BatchGraph> tail;
  if (remainder > 0) tail = std::make_unique<BatchGraph>(model, remainder);
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
      g.load(Xt, y, std::span<const std::size_t>(order).subspan(first, count));
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
  if (config.kind == ModelKind::logreg) {
    result.model = make_logreg(n);
  } else {
    std::vector<std::size_t> sizes{n};
    sizes.insert(sizes.end(), config.hidden.begin(), config.hidden.end());
    sizes.push_back(1);
    result.model = make_mlp(std::move(sizes), config.activation, config.seed + 1);
  }
  result.model.feature_names = data.feature_names;
  result.model.target_name = data.target_name;
  if (config.standardize)
    result.model.standardizer = Standardizer::fit(train_part.X, data.feature_names);

  const FitOptions options{config.optimizer, config.epochs, config.batch_size, config.seed + 2,
                           config.detect_anomalies};
  result.history = fit(result.model, train_part.X, train_part.y, options, on_epoch);
  result.train = result.model.evaluate(train_part.X, train_part.y);
  if (test_part.size() > 0) result.test = result.model.evaluate(test_part.X, test_part.y);
  return result;
}

}  // namespace tapegrad
