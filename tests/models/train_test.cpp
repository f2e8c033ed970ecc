#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <cmath>
#include <vector>

#include "models/helpers.hpp"

namespace tg = tapegrad;
using tg::test::rel_error;

namespace {

/// The breast cancer data, standardised on itself (for trainers that see raw X).
tg::Tensor standardized_breast_cancer() {
  const tg::Dataset& d = tg::test::breast_cancer();
  return tg::Standardizer::fit(d.X).apply(d.X);
}

}  // namespace

TEST_CASE("train: full-batch gradient descent through the tape matches an Eigen trainer") {
  // Independent trainer: Eigen and the lecture's closed forms, no tape.
  const tg::Tensor X_rows = standardized_breast_cancer();
  const tg::Tensor& y = tg::test::breast_cancer().y;
  const auto m = static_cast<Eigen::Index>(X_rows.rows());
  const auto n = static_cast<Eigen::Index>(X_rows.cols());
  Eigen::MatrixXd X(n, m);  // features x examples
  for (Eigen::Index i = 0; i < m; ++i) {
    for (Eigen::Index j = 0; j < n; ++j) {
      X(j, i) = X_rows(static_cast<std::size_t>(i), static_cast<std::size_t>(j));
    }
  }
  Eigen::RowVectorXd Y(m);
  for (Eigen::Index i = 0; i < m; ++i) Y(i) = y[static_cast<std::size_t>(i)];
  Eigen::VectorXd w = Eigen::VectorXd::Zero(n);
  double b = 0.0;
  const double alpha = 0.5;
  std::vector<double> costs;
  for (int step = 0; step < 100; ++step) {
    const Eigen::RowVectorXd Z = (w.transpose() * X).array() + b;  // Z = wᵀX + b
    const Eigen::RowVectorXd A = Z.unaryExpr([](double z) { return 1.0 / (1.0 + std::exp(-z)); });
    double cost = 0.0;
    for (Eigen::Index i = 0; i < m; ++i) {
      cost += std::max(Z(i), 0.0) - Z(i) * Y(i) + std::log1p(std::exp(-std::abs(Z(i))));
    }
    costs.push_back(cost / static_cast<double>(m));
    const Eigen::RowVectorXd dZ = A - Y;                                     // dZ = A - Y
    const Eigen::VectorXd dw = X * dZ.transpose() / static_cast<double>(m);  // dw = X dZᵀ / m
    const double db = dZ.mean();                                             // db = mean(dZ)
    w -= alpha * dw;                                                         // w := w - α dw
    b -= alpha * db;
  }

  tg::Model model = tg::make_logreg(30);
  tg::FitOptions options;
  options.optimizer.kind = tg::OptimizerKind::gd;  // the lecture's rule
  options.optimizer.learning_rate = alpha;
  options.epochs = 100;
  const std::vector<tg::EpochStats> history = tg::fit(model, X_rows, y, options);
  REQUIRE(history.size() == 100);
  double worst = 0.0;
  for (std::size_t k = 0; k < 100; ++k)
    worst = std::max(worst, rel_error(history[k].loss, costs[k]));
  for (Eigen::Index j = 0; j < n; ++j) {
    worst = std::max(worst, rel_error(model.params[0][static_cast<std::size_t>(j)], w(j)));
  }
  worst = std::max(worst, rel_error(model.params[1][0], b));
  MESSAGE("tape vs Eigen after 100 steps: worst relative difference ", worst);
  CHECK(worst <= 1e-10);
  CHECK(costs.back() < 0.1);  // the run really trained
}

TEST_CASE("train: with a small learning rate the full-batch loss never increases") {
  const tg::Tensor X = standardized_breast_cancer();
  const tg::Tensor& y = tg::test::breast_cancer().y;
  tg::Model logreg = tg::make_logreg(30);
  tg::Model mlp = tg::make_mlp({30, 8, 1}, tg::Activation::tanh, 5);
  for (tg::Model* model : {&logreg, &mlp}) {
    tg::FitOptions options;
    options.optimizer.kind = tg::OptimizerKind::gd;  // the lecture's rule
    options.optimizer.learning_rate = 0.05;
    options.epochs = 150;
    const auto history = tg::fit(*model, X, y, options);
    for (std::size_t k = 1; k < history.size(); ++k) {
      CAPTURE(k);
      REQUIRE(history[k].loss <= history[k - 1].loss);
    }
    CHECK(history.back().loss < 0.5 * history.front().loss);
  }
}

TEST_CASE("train: mini-batches with a short last batch equal hand-rolled mini-batch descent") {
  // 10 examples, batches of 4: two full batches and one of 2 (a second recorded graph) per epoch.
  tg::Rng rng(3);
  tg::Tensor X(10, 3), y(10, 1);
  for (double& v : X) v = rng.uniform(-2, 2);
  for (double& v : y) v = static_cast<double>(rng.below(2));
  tg::Model model = tg::make_logreg(3);
  tg::FitOptions options;
  options.optimizer.kind = tg::OptimizerKind::gd;  // the lecture's rule
  options.optimizer.learning_rate = 0.3;
  options.epochs = 7;
  options.batch_size = 4;
  options.seed = 12;
  const auto history = tg::fit(model, X, y, options);

  tg::Tensor w(3, 1);
  double b = 0.0;
  std::vector<std::size_t> order{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  tg::Rng shuffler(12);
  for (int epoch = 0; epoch < 7; ++epoch) {
    shuffler.shuffle(std::span<std::size_t>(order));
    double loss = 0.0;
    for (std::size_t first = 0; first < 10; first += 4) {
      const std::size_t count = std::min<std::size_t>(4, 10 - first);
      tg::Tensor Xb(3, count), Yb(1, count);
      for (std::size_t k = 0; k < count; ++k) {
        for (std::size_t j = 0; j < 3; ++j) Xb(j, k) = X(order[first + k], j);
        Yb[k] = y[order[first + k]];
      }
      const tg::LogisticGradient g = tg::logistic_gradient(Xb, Yb, w, b);
      loss += g.cost * static_cast<double>(count) / 10.0;
      for (std::size_t j = 0; j < 3; ++j) w[j] -= 0.3 * g.dw[j];
      b -= 0.3 * g.db;
    }
    CHECK(rel_error(history[static_cast<std::size_t>(epoch)].loss, loss) <= 1e-12);
  }
  for (std::size_t j = 0; j < 3; ++j) CHECK(rel_error(model.params[0][j], w[j]) <= 1e-12);
  CHECK(rel_error(model.params[1][0], b) <= 1e-12);
}

TEST_CASE("optimizer: one momentum and one Adam step by hand") {
  tg::Tensor p = tg::Tensor::row({1.0, -2.0});
  const tg::Tensor g = tg::Tensor::row({0.5, -0.25});
  std::vector<tg::Shape> shapes{{1, 2}};
  std::vector<tg::MutableTensorView> params{p.mutable_view()};
  std::vector<tg::TensorView> grads{g.view()};

  tg::Optimizer momentum({tg::OptimizerKind::momentum, 0.1, 0.9}, shapes);
  momentum.step(params, grads);  // v = 0.1 g
  CHECK(p[0] == 1.0 - 0.1 * (0.1 * 0.5));
  momentum.step(params, grads);  // v = 0.9 (0.1 g) + 0.1 g
  CHECK(rel_error(p[0], 1.0 - 0.1 * (0.1 * 0.5) - 0.1 * (0.9 * 0.05 + 0.05)) < 1e-15);

  p = tg::Tensor::row({1.0, -2.0});
  params = {p.mutable_view()};
  tg::Optimizer adam({tg::OptimizerKind::adam, 0.01, 0.9, 0.999, 1e-8}, shapes);
  adam.step(params, grads);  // bias-corrected m = g, s = g^2: a step of lr * g / (|g| + eps)
  CHECK(rel_error(p[0], 1.0 - 0.01 * 0.5 / (0.5 + 1e-8)) < 1e-15);
  CHECK(rel_error(p[1], -2.0 + 0.01 * 0.25 / (0.25 + 1e-8)) < 1e-15);
  CHECK(adam.steps() == 1);
  CHECK_THROWS_WITH_AS(tg::Optimizer({tg::OptimizerKind::gd, 0.0}, shapes),
                       "optimizer: learning_rate: expected a positive number, found 0", tg::Error);
  CHECK(tg::parse_optimizer_kind("adam") == tg::OptimizerKind::adam);
}

TEST_CASE("train: breast cancer, seeded 80/20 split: logistic regression >= 0.95 test accuracy") {
  tg::TrainConfig config;
  config.optimizer.kind = tg::OptimizerKind::gd;  // the lecture's rule
  config.kind = tg::ModelKind::logreg;
  config.optimizer.learning_rate = 0.1;
  config.epochs = 200;
  config.seed = 42;
  std::vector<tg::EpochStats> seen;
  const tg::TrainResult r = tg::train(tg::test::breast_cancer(), config,
                                      [&](const tg::EpochStats& s) { seen.push_back(s); });
  MESSAGE("logreg: train accuracy ", r.train.accuracy, ", test accuracy ", r.test.accuracy,
          ", test loss ", r.test.loss);
  CHECK(r.test.count == 114);
  CHECK(r.train.count == 455);
  CHECK(r.test.accuracy >= 0.95);
  CHECK(r.train.accuracy >= 0.97);
  CHECK(r.test.confusion.true_positive + r.test.confusion.false_negative > 30);  // both classes
  REQUIRE(seen.size() == 200);
  CHECK(seen.back().epoch == 200);
  CHECK(seen.back().loss == r.history.back().loss);
  CHECK(r.model.feature_names == tg::test::breast_cancer().feature_names);
  CHECK(r.model.target_name == "malignant");
  CHECK(r.model.standardizer.mean.size() == 30);
}

TEST_CASE("train: breast cancer, seeded 80/20 split: MLP {30, 16, 1} >= 0.96 test accuracy") {
  tg::TrainConfig config;
  config.optimizer.kind = tg::OptimizerKind::gd;  // the lecture's rule
  config.kind = tg::ModelKind::mlp;
  config.hidden = {16};
  config.activation = tg::Activation::tanh;
  config.optimizer.learning_rate = 0.1;
  config.epochs = 200;
  config.seed = 42;
  const tg::TrainResult r = tg::train(tg::test::breast_cancer(), config);
  MESSAGE("mlp: train accuracy ", r.train.accuracy, ", test accuracy ", r.test.accuracy,
          ", test loss ", r.test.loss);
  CHECK(r.model.sizes == std::vector<std::size_t>{30, 16, 1});
  CHECK(r.test.accuracy >= 0.96);
  // Training is reproducible: the same config gives the same bits.
  CHECK(tg::train(tg::test::breast_cancer(), config).model.params[0] == r.model.params[0]);
}

TEST_CASE("train: relu MLP with Adam mini-batches and momentum also learn the data") {
  tg::TrainConfig config;
  config.optimizer.kind = tg::OptimizerKind::gd;  // the lecture's rule
  config.kind = tg::ModelKind::mlp;
  config.hidden = {16, 8};
  config.activation = tg::Activation::relu;
  config.optimizer = {tg::OptimizerKind::adam, 0.005};
  config.epochs = 40;
  config.batch_size = 64;
  config.seed = 42;
  const tg::TrainResult adam = tg::train(tg::test::breast_cancer(), config);
  CHECK(adam.history.back().loss < 0.25 * adam.history.front().loss);
  CHECK(adam.test.accuracy >= 0.95);

  config.kind = tg::ModelKind::logreg;
  config.optimizer = {tg::OptimizerKind::momentum, 0.1, 0.9};
  config.batch_size = 0;
  config.epochs = 100;
  const tg::TrainResult momentum = tg::train(tg::test::breast_cancer(), config);
  CHECK(momentum.test.accuracy >= 0.95);
}

TEST_CASE("train: invalid inputs are rejected") {
  tg::Model model = tg::make_logreg(2);
  tg::FitOptions options;
  options.optimizer.kind = tg::OptimizerKind::gd;  // the lecture's rule
  CHECK_THROWS_WITH_AS(
      (void)tg::fit(model, tg::Tensor(3, 2), tg::Tensor::column({0, 1, 2}), options),
      "fit: y: expected labels 0 or 1, found 2", tg::Error);
  CHECK_THROWS_WITH_AS((void)tg::fit(model, tg::Tensor(3, 3), tg::Tensor(3, 1), options),
                       "fit: X: expected 2 feature columns, found 3", tg::Error);
  CHECK_THROWS_WITH_AS((void)tg::fit(model, tg::Tensor(3, 2), tg::Tensor(2, 1), options),
                       "fit: y: expected shape 3x1, found 2x1", tg::Error);
  const tg::Dataset unlabelled = tg::parse_csv("a,b\n1,2\n", "u.csv", "");
  CHECK_THROWS_WITH_AS((void)tg::train(unlabelled, {}),
                       "train: data: expected labelled examples, found 1 rows and labels 0x0",
                       tg::Error);
  tg::Dataset nameless{tg::Tensor(4, 2), tg::Tensor::column({0, 1, 0, 1}), {}, "y"};
  CHECK_THROWS_WITH_AS((void)tg::train(nameless, {}),
                       "train: data: expected 2 feature names, found 0", tg::Error);
  // 5 examples, test fraction 0.2: 4 for training, so a batch of 5 cannot be filled.
  const tg::Dataset five = tg::parse_csv("a,y\n1,0\n2,1\n3,0\n4,1\n5,0\n", "five.csv", "y");
  tg::TrainConfig config;
  config.optimizer.kind = tg::OptimizerKind::gd;  // the lecture's rule
  config.batch_size = 5;
  CHECK_THROWS_WITH_AS((void)tg::train(five, config),
                       "train: batch_size: 5 is larger than the training set (4 examples)",
                       tg::Error);
  config.batch_size = 4;
  CHECK(tg::train(five, config).train.count == 4);
  config.batch_size = 2;
  CHECK_THROWS_WITH_AS((void)tg::train(tg::parse_csv("a,y\n1,0\n", "one.csv", "y"), config),
                       "train: batch_size: 2 is larger than the training set (1 example)",
                       tg::Error);
}

TEST_CASE("train: breast cancer accuracy holds across split seeds, not just one") {
  // Mean test accuracy over ten seeded splits (and MLP initialisations).
  for (tg::ModelKind kind : {tg::ModelKind::logreg, tg::ModelKind::mlp}) {
    tg::TrainConfig config;
    config.optimizer.kind = tg::OptimizerKind::gd;  // the lecture's rule
    config.kind = kind;
    config.hidden = {16};
    config.epochs = 200;
    double sum = 0.0;
    for (std::uint64_t seed = 1; seed <= 10; ++seed) {
      config.seed = seed;
      sum += tg::train(tg::test::breast_cancer(), config).test.accuracy;
    }
    MESSAGE(tg::to_string(kind), ": mean test accuracy over seeds 1-10: ", sum / 10.0);
    CHECK(sum / 10.0 >= 0.96);
  }
}

TEST_CASE("train: anomaly detection stops a diverging run at the first non-finite parameter") {
  const tg::Dataset& data = tg::test::breast_cancer();
  tg::TrainConfig config;
  config.optimizer.kind = tg::OptimizerKind::gd;  // the lecture's rule
  config.standardize = false;
  config.optimizer.learning_rate = 1e308;  // the first step sends w to +-inf
  config.epochs = 5;
  CHECK_THROWS_WITH_AS((void)tg::train(data, config),
                       doctest::Contains("fit: epoch 2: forward: node 1 (param 'w'): value["),
                       tg::AnomalyError);
  config.detect_anomalies = false;  // without it, training runs on into non-finite numbers
  const tg::TrainResult r = tg::train(data, config);
  bool finite = true;
  for (double v : r.model.params[0]) finite = finite && std::isfinite(v);
  CHECK_FALSE(finite);
}
