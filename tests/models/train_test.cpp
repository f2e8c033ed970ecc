#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstring>
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

namespace {

/// train() as the composition of its documented steps, on copies (train_test_split,
/// Standardizer::fit, fit(), Model::evaluate): what train() computed before it worked in place.
tg::TrainResult train_step_by_step(const tg::Dataset& data, const tg::TrainConfig& config) {
  auto [part, test] = tg::train_test_split(data, config.test_fraction, config.seed);
  const tg::Task task = tg::task_of(config.kind, config.task);
  const std::size_t n = data.features();
  std::size_t outputs = 1;
  if (task == tg::Task::multiclass) {
    outputs = static_cast<std::size_t>(*std::max_element(data.y.begin(), data.y.end())) + 1;
  }
  tg::TrainResult r;
  if (config.kind == tg::ModelKind::logreg) r.model = tg::make_logreg(n);
  if (config.kind == tg::ModelKind::softmax) r.model = tg::make_softmax(n, outputs);
  if (config.kind == tg::ModelKind::linear) r.model = tg::make_linear(n);
  if (config.kind == tg::ModelKind::mlp) {
    std::vector<std::size_t> sizes{n};
    sizes.insert(sizes.end(), config.hidden.begin(), config.hidden.end());
    sizes.push_back(outputs);
    r.model = tg::make_mlp(sizes, config.activation, config.seed + 1, task);
  }
  r.model.feature_names = data.feature_names;
  r.model.target_name = data.target_name;
  if (config.standardize) {
    r.model.standardizer = tg::Standardizer::fit(part.X);
    if (task == tg::Task::regression) r.model.target_standardizer = tg::Standardizer::fit(part.y);
  }
  tg::FitOptions options;
  options.optimizer = config.optimizer;
  options.epochs = config.epochs;
  options.batch_size = config.batch_size;
  options.seed = config.seed + 2;
  options.detect_anomalies = config.detect_anomalies;
  const bool penalised =
      config.kind == tg::ModelKind::logreg || config.kind == tg::ModelKind::softmax;
  options.weight_decay =
      config.weight_decay.value_or(penalised ? 1.0 / static_cast<double>(part.size()) : 0.0);
  options.early_stopping = config.early_stopping;
  options.validation_fraction = config.validation_fraction;
  options.patience = config.patience;
  r.history = tg::fit(r.model, part.X, part.y, options);
  r.train = r.model.evaluate(part.X, part.y);
  if (test.size() > 0) r.test = r.model.evaluate(test.X, test.y);
  return r;
}

bool same_bits(tg::TensorView a, tg::TensorView b) {
  return a.shape() == b.shape() &&
         (a.size() == 0 || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

void check_same_metrics(const tg::Metrics& a, const tg::Metrics& b) {
  CHECK(a.count == b.count);
  CHECK(a.loss == b.loss);
  CHECK(a.accuracy == b.accuracy);
  CHECK(a.mse == b.mse);
  CHECK(a.rmse == b.rmse);
  CHECK(a.mae == b.mae);
  CHECK(a.r2 == b.r2);
  CHECK(a.class_confusion == b.class_confusion);
  CHECK(a.precision == b.precision);
  CHECK(a.recall == b.recall);
  CHECK(a.confusion.true_positive == b.confusion.true_positive);
  CHECK(a.confusion.false_negative == b.confusion.false_negative);
}

void check_same_result(const tg::TrainResult& a, const tg::TrainResult& b) {
  REQUIRE(a.model.params.size() == b.model.params.size());
  for (std::size_t i = 0; i < a.model.params.size(); ++i) {
    CHECK(same_bits(a.model.params[i], b.model.params[i]));
  }
  CHECK(a.model.standardizer.mean == b.model.standardizer.mean);
  CHECK(a.model.standardizer.scale == b.model.standardizer.scale);
  CHECK(a.model.target_standardizer.mean == b.model.target_standardizer.mean);
  CHECK(a.model.target_standardizer.scale == b.model.target_standardizer.scale);
  REQUIRE(a.history.size() == b.history.size());
  for (std::size_t e = 0; e < a.history.size(); ++e) {
    CHECK(a.history[e].loss == b.history[e].loss);
    CHECK(a.history[e].accuracy == b.history[e].accuracy);
    CHECK(a.history[e].validation_loss == b.history[e].validation_loss);
    CHECK(a.history[e].learning_rate == b.history[e].learning_rate);
  }
  check_same_metrics(a.train, b.train);
  check_same_metrics(a.test, b.test);
}

}  // namespace

TEST_CASE("train: in place (Dataset&&) gives the step-by-step results on copies bit for bit") {
  const tg::Dataset& cancer = tg::test::breast_cancer();
  tg::Dataset classes = cancer;  // three classes from two features
  for (std::size_t i = 0; i < classes.size(); ++i) {
    classes.y[i] = classes.X(i, 0) > 15.0 ? 2.0 : (classes.X(i, 1) > 19.0 ? 1.0 : 0.0);
  }
  tg::Dataset numbers = cancer;  // a numeric target
  for (std::size_t i = 0; i < numbers.size(); ++i) {
    numbers.y[i] = 0.3 * numbers.X(i, 0) - numbers.X(i, 1) + 0.01 * numbers.X(i, 3);
  }
  struct Case {
    const char* name;
    const tg::Dataset* data;
    tg::TrainConfig config;
  };
  std::vector<Case> cases;
  const auto add = [&](const char* name, const tg::Dataset& data, tg::ModelKind kind,
                       auto&& adjust) {
    tg::TrainConfig c;
    c.kind = kind;
    c.epochs = 12;
    c.seed = 5;
    adjust(c);
    cases.push_back({name, &data, c});
  };
  const auto as_is = [](tg::TrainConfig&) {};
  add("logreg, lbfgs", cancer, tg::ModelKind::logreg, as_is);
  add("softmax, lbfgs", classes, tg::ModelKind::softmax, as_is);
  add("linear, lbfgs", numbers, tg::ModelKind::linear, as_is);
  add("linear, gd, no test part", numbers, tg::ModelKind::linear, [](tg::TrainConfig& c) {
    c.optimizer.kind = tg::OptimizerKind::gd;
    c.test_fraction = 0.0;
  });
  add("softmax, not standardised", classes, tg::ModelKind::softmax,
      [](tg::TrainConfig& c) { c.standardize = false; });
  add("mlp binary, adam mini-batches with a short last one", cancer, tg::ModelKind::mlp,
      [](tg::TrainConfig& c) { c.batch_size = 50; });
  add("mlp multiclass, full batch", classes, tg::ModelKind::mlp, [](tg::TrainConfig& c) {
    c.task = tg::Task::multiclass;
    c.hidden = {6};
  });
  add("mlp regression, early stopping", numbers, tg::ModelKind::mlp, [](tg::TrainConfig& c) {
    c.task = tg::Task::regression;
    c.early_stopping = true;
    c.patience = 2;
  });
  // Early stopping in place moves the validation rows first and puts them back after training.
  add("logreg, lbfgs, early stopping", cancer, tg::ModelKind::logreg, [](tg::TrainConfig& c) {
    c.early_stopping = true;
    c.validation_fraction = 0.3;
    c.patience = 1;
  });
  add("softmax, adam mini-batches, early stopping", classes, tg::ModelKind::softmax,
      [](tg::TrainConfig& c) {
        c.batch_size = 64;
        c.early_stopping = true;
      });
  for (const Case& c : cases) {
    INFO(c.name);
    const tg::TrainResult expected = train_step_by_step(*c.data, c.config);
    tg::Dataset moved = *c.data;
    const tg::TrainResult in_place = tg::train(std::move(moved), c.config);
    check_same_result(expected, in_place);
    check_same_result(expected, tg::train(*c.data, c.config));  // the copying overload
    CHECK(!expected.history.empty());
  }
}

TEST_CASE("train: in place, the test part's evaluation errors are evaluate()'s on all its rows") {
  // Row 3 of the split's test part is far beyond the training data: its z-score overflows.
  tg::Dataset data = tg::test::breast_cancer();
  // The row of data that became the test part's third: the permutation's third entry.
  const std::size_t row = tg::Rng(0).permutation(data.size())[2];
  data.X(row, 4) = 1e308;
  tg::TrainConfig config;
  config.epochs = 2;
  CHECK_THROWS_WITH_AS((void)tg::train(std::move(data), config),
                       doctest::Contains("predict: row 3, feature 'mean_smoothness': 1e+308 is "
                                         "too far from the training data to standardise"),
                       tg::Error);
}

TEST_CASE("record_network: borrowed rows must have the batch's shape") {
  tg::Tape tape;
  const tg::Tensor X(4, 3, 0.5);
  const tg::NetworkGraph g = tg::record_network(tape, tg::make_linear(3), 4, true, X);
  CHECK(g.X.value().data() == X.data());
  const tg::NetworkGraph binary = tg::record_network(tape, tg::make_logreg(3), 4, true, X);
  CHECK(binary.X.value().data() == X.data());
  tg::Tape other;
  CHECK_THROWS_WITH_AS((void)tg::record_network(other, tg::make_linear(3), 5, true, X),
                       "record_network: X_rows: expected 5 rows of 3 features (at least two "
                       "numbers), found 4x3",
                       tg::Error);
  CHECK_THROWS_WITH_AS((void)tg::record_network(other, tg::make_logreg(2), 4, true, X),
                       "record_network: X_rows: expected 4 rows of 2 features (at least two "
                       "numbers), found 4x3",
                       tg::Error);
}
