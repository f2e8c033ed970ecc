// Training through Tape::forward_backward: every model's cost (with and without weight decay and
// anomaly detection) runs over blocks of rows and gives the gradients of forward() + backward();
// fit() is bit for bit the same for a given thread count and agrees across counts.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "models/helpers.hpp"

namespace tg = tapegrad;

namespace {

/// One model of each kind and task, with seeded non-zero parameters, and its data.
struct Case {
  std::string name;
  tg::Model model;
};

std::vector<Case> models(std::size_t n) {
  std::vector<Case> cases = {
      {"logreg", tg::make_logreg(n)},
      {"softmax", tg::make_softmax(n, 3)},
      {"linear", tg::make_linear(n)},
      {"binary mlp", tg::make_mlp({n, 6, 4, 1}, tg::Activation::tanh, 3, tg::Task::binary)},
      {"multiclass mlp", tg::make_mlp({n, 5, 3}, tg::Activation::relu, 4, tg::Task::multiclass)},
      {"regression mlp", tg::make_mlp({n, 5, 1}, tg::Activation::tanh, 5, tg::Task::regression)},
  };
  tg::Rng rng(17);
  for (Case& c : cases) {
    for (tg::Tensor& p : c.model.params) {
      for (double& v : p) v = rng.uniform(-0.8, 0.8);
    }
  }
  return cases;
}

/// m rows of features in [-2, 2] and targets for the model's task.
std::pair<tg::Tensor, tg::Tensor> data_for(const tg::Model& model, std::size_t m,
                                           std::uint64_t seed) {
  tg::Rng rng(seed);
  tg::Tensor X(m, model.inputs()), y(m, 1);
  for (double& v : X) v = rng.uniform(-2, 2);
  for (std::size_t i = 0; i < m; ++i) {
    switch (model.task) {
      case tg::Task::binary:
        y[i] = X(i, 0) + 0.5 * X(i, 1) > 0.3 ? 1.0 : 0.0;
        break;
      case tg::Task::multiclass:
        y[i] = static_cast<double>(rng.below(model.outputs()));
        break;
      case tg::Task::regression:
        y[i] = std::sin(X(i, 0)) + X(i, 1) * X(i, 1);
        break;
    }
  }
  return {std::move(X), std::move(y)};
}

/// The training cost on a tape, as fit() records it.
struct Cost {
  tg::Tape tape;
  tg::NetworkGraph net;
  tg::Var J;
  Cost(const tg::Model& model, const tg::Tensor& X, const tg::Tensor& y, double lambda) {
    net = tg::record_network(tape, model, X.rows(), /*trainable=*/true);
    tape.set(net.X, X);
    J = tg::record_cost(model, net, tape.input(y, "Y"), lambda);
  }
};

/// max |a - b| over max |b| (1 at least).
double scaled_error(tg::TensorView a, tg::TensorView b) {
  double scale = 1.0, worst = 0.0;
  for (std::size_t i = 0; i < b.size(); ++i) {
    scale = std::max(scale, std::abs(b[i]));
    worst = std::max(worst, std::abs(a[i] - b[i]));
  }
  return worst / scale;
}

}  // namespace

TEST_CASE("every model's training cost runs over row blocks and matches forward + backward") {
  // m = 4 and 6: a weight matrix with as many rows as the batch (w, W, or the binary MLP's W1).
  for (const std::size_t m : {53, 4, 6}) {
    for (const Case& c : models(4)) {
      const auto [X, y] = data_for(c.model, m, 9);
      for (const double lambda : {0.0, 0.1}) {
        for (const bool anomalies : {false, true}) {
          for (const std::size_t threads : {1, 2, 3}) {
            INFO(c.name, ", m ", m, ", weight decay ", lambda, ", anomaly detection ", anomalies,
                 ", threads ", threads);
            Cost plain(c.model, X, y, lambda), blocked(c.model, X, y, lambda);
            plain.tape.set_detect_anomalies(anomalies);
            blocked.tape.set_detect_anomalies(anomalies);
            REQUIRE(blocked.tape.blockable(blocked.J));
            plain.tape.forward();
            plain.tape.backward(plain.J);
            blocked.tape.forward_backward(blocked.J,
                                          {.block_rows = m > 10 ? 7u : 2u, .threads = threads});
            CHECK(std::abs(blocked.J.item() - plain.J.item()) <= 1e-14 * std::abs(plain.J.item()));
            for (std::size_t i = 0; i < plain.net.params.size(); ++i) {
              INFO("param ", i);
              CHECK(scaled_error(blocked.net.params[i].grad(), plain.net.params[i].grad()) <=
                    1e-14);
            }
            CHECK(scaled_error(blocked.net.Z.value(), plain.net.Z.value()) <= 1e-14);
          }
        }
      }
    }
  }
}

TEST_CASE("fit: bit for bit the same for a given thread count, counts agree to rounding") {
  // Enough rows and features for several blocks of about 256 KiB (a full batch of 5 to 10, a
  // mini-batch of 2 to 4), so that 2 and 3 threads share the work.
  const std::size_t m = 3000;
  for (const Case& c : models(40)) {
    const auto [X, y] = data_for(c.model, m, 10);
    for (const std::size_t batch : {std::size_t{0}, std::size_t{1100}}) {
      tg::FitOptions options;
      options.epochs = 8;
      options.batch_size = batch;
      options.optimizer.kind = batch == 0 && c.model.kind != tg::ModelKind::mlp
                                   ? tg::OptimizerKind::lbfgs
                                   : tg::OptimizerKind::adam;
      options.weight_decay = 0.01;
      options.detect_anomalies = true;
      std::vector<tg::Model> by_count;
      for (const std::size_t threads : {1, 2, 3}) {
        INFO(c.name, ", batch ", batch, ", threads ", threads);
        options.threads = threads;
        tg::Model first = c.model, second = c.model;
        const std::vector<tg::EpochStats> h1 = tg::fit(first, X, y, options);
        const std::vector<tg::EpochStats> h2 = tg::fit(second, X, y, options);
        REQUIRE(h1.size() == h2.size());
        for (std::size_t e = 0; e < h1.size(); ++e) CHECK(h1[e].loss == h2[e].loss);
        for (std::size_t i = 0; i < first.params.size(); ++i) {
          CHECK(std::equal(first.params[i].begin(), first.params[i].end(), second.params[i].begin(),
                           second.params[i].end()));
        }
        by_count.push_back(first);
      }
      for (std::size_t k = 1; k < by_count.size(); ++k) {
        INFO(c.name, ", batch ", batch, ": 1 thread against ", k + 1);
        for (std::size_t i = 0; i < c.model.params.size(); ++i) {
          CHECK(scaled_error(by_count[k].params[i], by_count[0].params[i]) <= 1e-12);
        }
      }
    }
  }
}

TEST_CASE("train: TrainConfig::threads reaches fit, 0 means all cores") {
  CHECK(tg::resolve_threads(3) == 3);
  CHECK(tg::resolve_threads(0) >= 1);
  CHECK(tg::resolve_threads(0) ==
        std::max<std::size_t>(std::thread::hardware_concurrency(), std::size_t{1}));
  const tg::Dataset& data = tg::test::breast_cancer();
  tg::TrainConfig config;
  config.kind = tg::ModelKind::mlp;
  config.hidden = {8};
  config.epochs = 5;
  std::vector<tg::Tensor> params[2];
  for (const std::size_t threads : {1, 2}) {
    config.threads = threads;
    const tg::TrainResult r = tg::train(data, config);
    params[threads - 1] = r.model.params;
    CHECK(r.train.accuracy > 0.8);
  }
  for (std::size_t i = 0; i < params[0].size(); ++i) {
    CHECK(scaled_error(params[1][i], params[0][i]) <= 1e-12);
  }
}
