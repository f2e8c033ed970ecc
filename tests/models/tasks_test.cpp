// Softmax regression, linear regression, k-class MLPs, MLP regressors and L2 regularisation:
// gradients against closed forms and finite differences, training on seeded problems, metrics.
#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include "models/eigen_helpers.hpp"

namespace tg = tapegrad;
using tg::test::rel_error;
using tg::test::to_eigen;

namespace {

/// max |a - b| / max |b|: the worst element relative to the matrix's scale.
double matrix_error(tg::TensorView a, const Eigen::MatrixXd& b) {
  return (to_eigen(a) - b).cwiseAbs().maxCoeff() / b.cwiseAbs().maxCoeff();
}

tg::Tensor uniform(tg::Rng& rng, std::size_t rows, std::size_t cols, double lo, double hi) {
  tg::Tensor t(rows, cols);
  for (double& v : t) v = rng.uniform(lo, hi);
  return t;
}

/// Three blobs in the plane around (0, 3), (-3, -2), (3, -2) with uniform noise in [-1.5, 1.5]²;
/// labels 0, 1, 2 in turn.
tg::Dataset blobs(std::uint64_t seed, std::size_t per_class) {
  const double centres[3][2] = {{0.0, 3.0}, {-3.0, -2.0}, {3.0, -2.0}};
  tg::Rng rng(seed);
  tg::Dataset d{tg::Tensor(3 * per_class, 2), tg::Tensor(3 * per_class, 1), {"x1", "x2"}, "class"};
  for (std::size_t i = 0; i < 3 * per_class; ++i) {
    const std::size_t c = i % 3;
    d.X(i, 0) = centres[c][0] + rng.uniform(-1.5, 1.5);
    d.X(i, 1) = centres[c][1] + rng.uniform(-1.5, 1.5);
    d.y[i] = static_cast<double>(c);
  }
  return d;
}

/// Points uniform in [-3, 3]² labelled by radius: r < 1.2 is 0, r < 2.2 is 1, else 2 (not
/// linearly separable).
tg::Dataset rings(std::uint64_t seed, std::size_t m) {
  tg::Rng rng(seed);
  tg::Dataset d{tg::Tensor(m, 2), tg::Tensor(m, 1), {"x1", "x2"}, "ring"};
  for (std::size_t i = 0; i < m; ++i) {
    d.X(i, 0) = rng.uniform(-3, 3);
    d.X(i, 1) = rng.uniform(-3, 3);
    const double r = std::hypot(d.X(i, 0), d.X(i, 1));
    d.y[i] = r < 1.2 ? 0.0 : (r < 2.2 ? 1.0 : 2.0);
  }
  return d;
}

/// y = 3 sin(x1) + x2² - 2 + small noise, x uniform in [-2, 2]².
tg::Dataset curve(std::uint64_t seed, std::size_t m) {
  tg::Rng rng(seed);
  tg::Dataset d{tg::Tensor(m, 2), tg::Tensor(m, 1), {"x1", "x2"}, "y"};
  for (std::size_t i = 0; i < m; ++i) {
    d.X(i, 0) = rng.uniform(-2, 2);
    d.X(i, 1) = rng.uniform(-2, 2);
    d.y[i] = 3.0 * std::sin(d.X(i, 0)) + d.X(i, 1) * d.X(i, 1) - 2.0 + rng.uniform(-0.1, 0.1);
  }
  return d;
}

/// The cost graph of `model` on m examples with X (m x n) and y (m x 1) set, forward and
/// backward run.
struct CostGraph {
  tg::Tape tape;
  tg::NetworkGraph net;
  tg::Var Y;
  tg::Var J;

  CostGraph(const tg::Model& model, const tg::Tensor& X, const tg::Tensor& y, double lambda) {
    net = tg::record_network(tape, model, X.rows(), true);
    tape.set(net.X, X);
    Y = tape.input(y, "Y");
    J = tg::record_cost(model, net, Y, lambda);
    tape.forward();
    tape.zero_grad();
    tape.backward(J);
  }
};

}  // namespace

TEST_CASE("softmax regression: dW = Xᵀ(P − Y)/m + λW and db = mean(P − Y) (tape vs closed form)") {
  const std::size_t m = 9, n = 4, k = 3;
  tg::Rng rng(31);
  tg::Model model = tg::make_softmax(n, k);
  model.params = {uniform(rng, n, k, -1, 1), uniform(rng, 1, k, -1, 1)};
  const tg::Tensor X = uniform(rng, m, n, -2, 2);
  tg::Tensor labels(m, 1);
  for (double& v : labels) v = static_cast<double>(rng.below(k));

  for (double lambda : {0.0, 0.3}) {
    CAPTURE(lambda);
    CostGraph g(model, X, labels, lambda);
    // The lecture's forward pass by hand: Z = X W + b, P = softmax(Z) row by row.
    const Eigen::MatrixXd Xe = to_eigen(X), We = to_eigen(model.params[0]);
    Eigen::MatrixXd Z = (Xe * We).rowwise() + to_eigen(model.params[1]).row(0);
    Eigen::MatrixXd P(m, k), Y = Eigen::MatrixXd::Zero(m, k);
    double cost = 0.0;
    for (Eigen::Index i = 0; i < static_cast<Eigen::Index>(m); ++i) {
      const double top = Z.row(i).maxCoeff();
      const double lse = top + std::log((Z.row(i).array() - top).exp().sum());
      P.row(i) = (Z.row(i).array() - lse).exp();
      const auto label = static_cast<Eigen::Index>(labels[static_cast<std::size_t>(i)]);
      Y(i, label) = 1.0;
      cost += (lse - Z(i, label)) / static_cast<double>(m);
    }
    cost += lambda / 2.0 * We.squaredNorm();
    const Eigen::MatrixXd dW = Xe.transpose() * (P - Y) / static_cast<double>(m) + lambda * We;
    const Eigen::MatrixXd db = (P - Y).colwise().mean();
    CHECK(rel_error(g.J.item(), cost) < 1e-14);
    CHECK(matrix_error(g.net.params[0].grad(), dW) < 1e-13);
    CHECK(matrix_error(g.net.params[1].grad(), db) < 1e-13);
    const tg::GradCheckResult r = tg::grad_check(g.J, g.net.params);
    CAPTURE(r.summary());
    CHECK(r.ok);
    CHECK(r.checked == n * k + k);
  }
}

TEST_CASE("linear regression: dw = 2 Xᵀ(Xw + b − y)/m + λw, db = 2 mean(Xw + b − y)") {
  const std::size_t m = 11, n = 3;
  tg::Rng rng(5);
  tg::Model model = tg::make_linear(n);
  model.params = {uniform(rng, n, 1, -1, 1), uniform(rng, 1, 1, -1, 1)};
  const tg::Tensor X = uniform(rng, m, n, -2, 2);
  const tg::Tensor y = uniform(rng, m, 1, -3, 3);
  for (double lambda : {0.0, 0.7}) {
    CAPTURE(lambda);
    CostGraph g(model, X, y, lambda);
    const Eigen::MatrixXd Xe = to_eigen(X), w = to_eigen(model.params[0]);
    const Eigen::VectorXd r = (Xe * w).array() + model.params[1][0] - to_eigen(y).array();
    const double md = static_cast<double>(m);
    CHECK(rel_error(g.J.item(), r.squaredNorm() / md + lambda / 2.0 * w.squaredNorm()) < 1e-14);
    CHECK(matrix_error(g.net.params[0].grad(), 2.0 * Xe.transpose() * r / md + lambda * w) < 1e-13);
    CHECK(rel_error(g.net.params[1].grad()[0], 2.0 * r.mean()) < 1e-13);  // no decay on b
    const tg::GradCheckResult check = tg::grad_check(g.J, g.net.params);
    CAPTURE(check.summary());
    CHECK(check.ok);
    // Examples as rows with an element-wise loss: forward_backward runs it over blocks of rows,
    // with the penalty too (a fixed term added to the mean).
    CHECK(g.tape.blockable(g.J));
  }
}

TEST_CASE("weight decay: binary models' gradients gain λ·w (logistic regression's closed form)") {
  const std::size_t m = 8, n = 3;
  tg::Rng rng(44);
  tg::Model model = tg::make_logreg(n);
  model.params = {uniform(rng, n, 1, -1, 1), tg::Tensor(0.2)};
  const tg::Tensor Xt = uniform(rng, n, m, -2, 2);  // the lecture's layout for binary models
  tg::Tensor Y(1, m);
  for (double& v : Y) v = static_cast<double>(rng.below(2));
  const double lambda = 0.25;
  tg::Tensor X(m, n), y(m, 1);  // the model takes examples as rows
  for (std::size_t i = 0; i < m; ++i) {
    for (std::size_t j = 0; j < n; ++j) X(i, j) = Xt(j, i);
    y[i] = Y[i];
  }
  CostGraph g(model, X, y, lambda);
  CHECK(g.tape.blockable(g.J));
  const tg::LogisticGradient hand = tg::logistic_gradient(Xt, Y, model.params[0], 0.2);
  double w2 = 0.0;
  for (std::size_t j = 0; j < n; ++j) {
    CHECK(rel_error(g.net.params[0].grad()[j], hand.dw[j] + lambda * model.params[0][j]) < 1e-14);
    w2 += model.params[0][j] * model.params[0][j];
  }
  CHECK(rel_error(g.net.params[1].grad()[0], hand.db) < 1e-14);  // b is not decayed
  CHECK(rel_error(g.J.item(), hand.cost + lambda / 2.0 * w2) < 1e-14);
}

TEST_CASE("k-class MLP and MLP regressor: gradients with weight decay pass finite differences") {
  tg::Rng rng(12);
  const tg::Tensor X = uniform(rng, 6, 3, -2, 2);
  tg::Tensor labels(6, 1);
  for (double& v : labels) v = static_cast<double>(rng.below(4));
  const tg::Tensor targets = uniform(rng, 6, 1, -2, 2);
  for (tg::Activation act : {tg::Activation::tanh, tg::Activation::relu}) {
    const tg::Model classifier = tg::make_mlp({3, 5, 4}, act, 2, tg::Task::multiclass);
    CHECK(classifier.params[0].shape() == tg::Shape{3, 5});  // examples as rows: W1 n0 x n1
    CHECK(classifier.params[1].shape() == tg::Shape{1, 5});
    CHECK(classifier.params[2].shape() == tg::Shape{5, 4});
    const tg::Model regressor = tg::make_mlp({3, 4, 2, 1}, act, 3, tg::Task::regression);
    for (const tg::Model* model : {&classifier, &regressor}) {
      CostGraph g(*model, X, model == &classifier ? labels : targets, 0.1);
      const tg::GradCheckResult r = tg::grad_check(g.J, g.net.params);
      CAPTURE(r.summary());
      CHECK(r.ok);
    }
  }
}

TEST_CASE("linear regression: gradient descent reaches the normal-equation solution") {
  // 40 examples, 3 features, noisy linear targets.
  tg::Rng rng(77);
  const std::size_t m = 40, n = 3;
  const tg::Tensor X = uniform(rng, m, n, -1, 1);
  tg::Tensor y(m, 1);
  for (std::size_t i = 0; i < m; ++i) {
    y[i] = 1.5 * X(i, 0) - 2.0 * X(i, 1) + 0.5 * X(i, 2) + 0.3 + rng.uniform(-0.2, 0.2);
  }
  // Independent solution: [X 1]ᵀ[X 1] θ = [X 1]ᵀ y (+ the ridge term (λ m / 2) on w only).
  for (double lambda : {0.0, 0.1}) {
    CAPTURE(lambda);
    const Eigen::VectorXd theta = tg::test::ridge_solution(X, y, lambda);

    tg::Model model = tg::make_linear(n);
    tg::FitOptions options;
    options.optimizer.kind = tg::OptimizerKind::gd;  // the lecture's rule
    options.optimizer.learning_rate = 0.5;
    options.epochs = 1000;
    options.weight_decay = lambda;
    const auto history = tg::fit(model, X, y, options);
    double worst = 0.0;
    for (std::size_t j = 0; j < n; ++j) {
      worst = std::max(worst, rel_error(model.params[0][j], theta(static_cast<Eigen::Index>(j))));
    }
    worst = std::max(worst, rel_error(model.params[1][0], theta(n)));
    MESSAGE("linear regression, λ = ", lambda, ": worst relative difference from the normal ",
            "equations after 1000 gd steps: ", worst, "; final cost ", history.back().loss);
    CHECK(worst < 1e-6);
    for (std::size_t e = 1; e < history.size(); ++e) {  // down to rounding at the minimum
      REQUIRE(history[e].loss <= history[e - 1].loss * (1.0 + 1e-14));
    }
  }
}

TEST_CASE(
    "linear regression via train(): standardised X and y give the least-squares predictions") {
  tg::Rng rng(8);
  tg::Dataset d{tg::Tensor(60, 2), tg::Tensor(60, 1), {"a", "b"}, "price"};
  for (std::size_t i = 0; i < 60; ++i) {
    d.X(i, 0) = rng.uniform(0, 100);
    d.X(i, 1) = rng.uniform(-5, 5);
    d.y[i] = 1000.0 + 20.0 * d.X(i, 0) - 300.0 * d.X(i, 1) + rng.uniform(-50, 50);
  }
  tg::TrainConfig config;
  config.optimizer.kind = tg::OptimizerKind::gd;  // the lecture's rule
  config.kind = tg::ModelKind::linear;
  config.test_fraction = 0.0;
  config.optimizer.learning_rate = 0.3;
  config.epochs = 500;
  const tg::TrainResult r = tg::train(d, config);
  CHECK(r.model.task == tg::Task::regression);
  REQUIRE_FALSE(r.model.target_standardizer.empty());
  // Least squares is unchanged by affine rescaling of X and y: compare predictions in y's units.
  Eigen::MatrixXd A(60, 3);
  A << to_eigen(d.X), Eigen::VectorXd::Ones(60);
  const Eigen::VectorXd fitted = A * A.colPivHouseholderQr().solve(to_eigen(d.y));
  const tg::Tensor p = r.model.predict(d.X);
  CHECK(matrix_error(p, fitted) < 1e-9);
  double sse = 0.0, sst = 0.0, mean = to_eigen(d.y).mean();
  for (std::size_t i = 0; i < 60; ++i) {
    sse += (fitted(static_cast<Eigen::Index>(i)) - d.y[i]) *
           (fitted(static_cast<Eigen::Index>(i)) - d.y[i]);
    sst += (d.y[i] - mean) * (d.y[i] - mean);
  }
  MESSAGE("linear regression via train(): r2 ", r.train.r2, ", rmse ", r.train.rmse);
  CHECK(rel_error(r.train.mse, sse / 60.0) < 1e-8);
  CHECK(rel_error(r.train.r2, 1.0 - sse / sst) < 1e-8);
  CHECK(r.train.loss == r.train.mse);
  CHECK(r.history.back().accuracy == 0.0);
}

TEST_CASE("softmax regression separates three seeded blobs, its loss decreases") {
  tg::TrainConfig config;
  config.optimizer.kind = tg::OptimizerKind::gd;  // the lecture's rule
  config.kind = tg::ModelKind::softmax;
  config.optimizer.learning_rate = 0.5;
  config.epochs = 100;
  config.seed = 3;
  const tg::Dataset data = blobs(19, 60);
  const tg::TrainResult r = tg::train(data, config);
  MESSAGE("softmax regression on blobs: train accuracy ", r.train.accuracy, ", test accuracy ",
          r.test.accuracy, ", loss ", r.history.front().loss, " -> ", r.history.back().loss,
          ", test loss ", r.test.loss);
  CHECK(r.model.sizes == std::vector<std::size_t>{2, 3});
  CHECK(r.model.task == tg::Task::multiclass);
  CHECK(r.test.count == 36);
  CHECK(r.test.accuracy >= 0.97);
  CHECK(r.train.accuracy >= 0.97);
  for (std::size_t e = 1; e < r.history.size(); ++e) {
    REQUIRE(r.history[e].loss <= r.history[e - 1].loss);
  }
  CHECK(r.history.back().loss < 0.2 * r.history.front().loss);
  CHECK(r.history.front().loss == doctest::Approx(std::log(3.0)));  // W = 0: uniform softmax
  // The metrics are consistent: rows of the confusion matrix count each class's examples.
  std::size_t total = 0;
  for (std::size_t c = 0; c < 3; ++c) {
    for (std::size_t p = 0; p < 3; ++p) total += r.test.class_confusion[c][p];
    CHECK(r.test.precision[c] >= 0.9);
    CHECK(r.test.recall[c] >= 0.9);
  }
  CHECK(total == 36);
  const tg::Tensor proba = r.model.predict_proba(data.X);
  REQUIRE(proba.shape() == tg::Shape{180, 3});
  for (std::size_t i = 0; i < 180; ++i) {
    CHECK(std::abs(proba(i, 0) + proba(i, 1) + proba(i, 2) - 1.0) < 1e-15);
  }
}

TEST_CASE("k-class MLP learns rings that softmax regression cannot") {
  const tg::Dataset data = rings(4, 400);
  tg::TrainConfig config;
  config.optimizer.kind = tg::OptimizerKind::gd;  // the lecture's rule
  config.kind = tg::ModelKind::mlp;
  config.task = tg::Task::multiclass;
  config.hidden = {16};
  config.activation = tg::Activation::tanh;
  config.optimizer = {tg::OptimizerKind::adam, 0.02};
  config.epochs = 300;
  config.batch_size = 32;
  config.seed = 1;
  const tg::TrainResult mlp = tg::train(data, config);
  config.kind = tg::ModelKind::softmax;
  const tg::TrainResult linear = tg::train(data, config);
  MESSAGE("rings: MLP {2, 16, 3} train accuracy ", mlp.train.accuracy, ", test accuracy ",
          mlp.test.accuracy, "; softmax regression test accuracy ", linear.test.accuracy);
  CHECK(mlp.model.sizes == std::vector<std::size_t>{2, 16, 3});
  CHECK(mlp.test.accuracy >= 0.9);
  CHECK(mlp.history.back().loss < 0.3 * mlp.history.front().loss);
  CHECK(linear.test.accuracy <= 0.7);
}

TEST_CASE("MLP regressor fits a non-linear function that linear regression cannot") {
  const tg::Dataset data = curve(6, 300);
  tg::TrainConfig config;
  config.optimizer.kind = tg::OptimizerKind::gd;  // the lecture's rule
  config.kind = tg::ModelKind::mlp;
  config.task = tg::Task::regression;
  config.hidden = {16};
  config.activation = tg::Activation::tanh;
  config.optimizer = {tg::OptimizerKind::adam, 0.01};
  config.epochs = 400;
  config.batch_size = 32;
  config.seed = 2;
  const tg::TrainResult mlp = tg::train(data, config);
  config.kind = tg::ModelKind::linear;
  const tg::TrainResult linear = tg::train(data, config);
  MESSAGE("curve: MLP regressor test r2 ", mlp.test.r2, ", rmse ", mlp.test.rmse, ", mae ",
          mlp.test.mae, "; linear regression test r2 ", linear.test.r2);
  CHECK(mlp.test.r2 >= 0.97);
  CHECK(mlp.test.rmse < 0.4);
  CHECK(linear.test.r2 < 0.8);
}

TEST_CASE("weight decay shrinks the weights, not the biases, for every model") {
  const tg::Dataset data = blobs(2, 30);
  for (tg::ModelKind kind : {tg::ModelKind::softmax, tg::ModelKind::mlp}) {
    tg::TrainConfig config;
    config.optimizer.kind = tg::OptimizerKind::gd;  // the lecture's rule
    config.kind = kind;
    config.task = tg::Task::multiclass;
    config.hidden = {8};
    config.epochs = 200;
    config.test_fraction = 0.0;
    config.weight_decay = 0.0;
    const tg::Model plain = tg::train(data, config).model;
    config.weight_decay = 0.1;
    const tg::Model decayed = tg::train(data, config).model;
    const auto norm = [](const tg::Model& m) {
      double s = 0.0;
      for (std::size_t i = 0; i < m.params.size(); i += 2) {
        for (double v : m.params[i]) s += v * v;
      }
      return std::sqrt(s);
    };
    MESSAGE(tg::to_string(kind), ": ||W|| without decay ", norm(plain), ", with λ = 0.1 ",
            norm(decayed));
    CHECK(norm(decayed) < 0.6 * norm(plain));
  }
  // Binary models too; and λ = 0 leaves the binary results as they were, bit for bit.
  tg::TrainConfig config;
  config.optimizer.kind = tg::OptimizerKind::gd;  // the lecture's rule
  config.epochs = 50;
  config.weight_decay = 0.0;
  const tg::TrainResult plain = tg::train(tg::test::breast_cancer(), config);
  // Unset, λ is 1 / m_train for logistic regression (scikit-learn's C = 1), bit for bit.
  config.weight_decay.reset();
  const tg::TrainResult by_default = tg::train(tg::test::breast_cancer(), config);
  CHECK(by_default.weight_decay == 1.0 / 455.0);
  config.weight_decay = 1.0 / 455.0;
  CHECK(tg::train(tg::test::breast_cancer(), config).model.params[0] == by_default.model.params[0]);
  CHECK(by_default.model.params[0] != plain.model.params[0]);
  config.weight_decay = 0.5;
  const tg::TrainResult decayed = tg::train(tg::test::breast_cancer(), config);
  double a = 0.0, b = 0.0;
  for (double v : plain.model.params[0]) a += v * v;
  for (double v : decayed.model.params[0]) b += v * v;
  CHECK(b < 0.5 * a);
  config.weight_decay = -1.0;
  CHECK_THROWS_WITH_AS((void)tg::train(tg::test::breast_cancer(), config),
                       "fit: weight_decay: expected a finite number >= 0, found -1", tg::Error);
}

TEST_CASE("metrics: k-class confusion matrix, precision and recall by hand") {
  tg::Model model = tg::make_softmax(3, 3);  // Z = X: predicts the largest feature
  model.params = {tg::Tensor::from_rows({{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}), tg::Tensor(1, 3)};
  const tg::Tensor X = tg::Tensor::from_rows(
      {{3, 0, 0}, {0, 2, 1}, {0, 1, 2}, {1, 0, 0}, {0, 0, 5}, {2, 1, 1}, {0, 3, 0}});
  const tg::Tensor y = tg::Tensor::column({0, 1, 1, 2, 2, 0, 1});
  // predicted:                             0  1  2  0  2  0  1
  const tg::Metrics m = model.evaluate(X, y);
  CHECK(m.task == tg::Task::multiclass);
  CHECK(m.count == 7);
  CHECK(m.accuracy == 5.0 / 7.0);
  using Row = std::vector<std::size_t>;
  CHECK(m.class_confusion == std::vector<Row>{{2, 0, 0}, {0, 2, 1}, {1, 0, 1}});
  CHECK(m.precision == std::vector<double>{2.0 / 3.0, 1.0, 0.5});
  CHECK(m.recall == std::vector<double>{1.0, 2.0 / 3.0, 0.5});
  double loss = 0.0;
  for (std::size_t i = 0; i < 7; ++i) {
    double s = 0.0;
    for (std::size_t j = 0; j < 3; ++j) s += std::exp(X(i, j));
    loss += (std::log(s) - X(i, static_cast<std::size_t>(y[i]))) / 7.0;
  }
  CHECK(rel_error(m.loss, loss) < 1e-14);
  CHECK(model.predict(X) == tg::Tensor::column({0, 1, 2, 0, 2, 0, 1}));
  CHECK_THROWS_WITH_AS((void)model.evaluate(X, tg::Tensor::column({0, 1, 1, 3, 2, 0, 1})),
                       "evaluate: y: expected class labels 0..2, found 3", tg::Error);

  // Binary models fill the per-class fields as well (class 1 is the positive one).
  tg::Model binary = tg::make_logreg(1);
  binary.params = {tg::Tensor::column({1.0}), tg::Tensor(0.0)};
  const tg::Metrics b = binary.evaluate(tg::Tensor::column({2, -1, 0.5, -3, 1, -0.5}),
                                        tg::Tensor::column({1, 0, 0, 1, 1, 0}));
  CHECK(b.class_confusion == std::vector<Row>{{2, 1}, {1, 2}});
  CHECK(b.confusion.true_positive == 2);
  CHECK(b.precision[1] == 2.0 / 3.0);
  CHECK(b.recall[0] == 2.0 / 3.0);
}

TEST_CASE("metrics: regression mse, rmse, mae and r2 by hand, predictions unstandardised") {
  tg::Model model = tg::make_linear(1);
  model.params = {tg::Tensor::column({2.0}), tg::Tensor(1.0)};  // z = 2x + 1
  model.target_standardizer = {{10.0}, {4.0}};                  // ŷ = 4 z + 10
  const tg::Tensor X = tg::Tensor::column({0, 1, -1, 0.5});
  const tg::Tensor p = model.predict(X);
  CHECK(p == tg::Tensor::column({14, 22, 6, 18}));
  const tg::Tensor y = tg::Tensor::column({15, 20, 6, 21});  // errors -1, 2, 0, -3
  const tg::Metrics m = model.evaluate(X, y);
  CHECK(m.task == tg::Task::regression);
  CHECK(m.mse == 14.0 / 4.0);
  CHECK(m.rmse == std::sqrt(3.5));
  CHECK(m.mae == 6.0 / 4.0);
  CHECK(m.loss == m.mse);
  const double mean = 62.0 / 4.0;
  const double sst = (15 - mean) * (15 - mean) + (20 - mean) * (20 - mean) +
                     (6 - mean) * (6 - mean) + (21 - mean) * (21 - mean);
  CHECK(rel_error(m.r2, 1.0 - 14.0 / sst) < 1e-15);
  CHECK(m.class_confusion.empty());
  CHECK(model.evaluate(X, p).r2 == 1.0);
  CHECK(model.evaluate(X.view(), tg::Tensor::column({1, 1, 1, 1})).r2 == 0.0);  // constant y
  CHECK_THROWS_WITH_AS((void)model.predict_proba(X),
                       "predict_proba: model: expected a classifier, found a regression model",
                       tg::Error);
}

TEST_CASE("models: sizes and tasks are validated for the new kinds") {
  CHECK_THROWS_WITH_AS((void)tg::make_softmax(3, 1),
                       "model: sizes: expected positive layer sizes ending in k >= 2 classes, "
                       "found {3, 1}",
                       tg::Error);
  CHECK_THROWS_WITH_AS((void)tg::make_mlp({3, 4, 1}, tg::Activation::tanh, 1, tg::Task::multiclass),
                       "model: sizes: expected positive layer sizes ending in k >= 2 classes, "
                       "found {3, 4, 1}",
                       tg::Error);
  CHECK_THROWS_WITH_AS((void)tg::make_mlp({3, 4, 2}, tg::Activation::tanh, 1, tg::Task::regression),
                       "model: sizes: expected positive layer sizes ending in 1, found {3, 4, 2}",
                       tg::Error);
  CHECK_THROWS_WITH_AS(
      (void)tg::param_shapes(tg::ModelKind::softmax, std::vector<std::size_t>{3, 4, 2}),
      "model: sizes: expected {n, k} for softmax, found {3, 4, 2}", tg::Error);
  CHECK(tg::param_shapes(tg::ModelKind::softmax, std::vector<std::size_t>{3, 4}) ==
        std::vector<tg::Shape>{{3, 4}, {1, 4}});
  CHECK(tg::param_shapes(tg::ModelKind::linear, std::vector<std::size_t>{3, 1}) ==
        std::vector<tg::Shape>{{3, 1}, {1, 1}});
  CHECK(tg::param_names(tg::ModelKind::softmax, std::vector<std::size_t>{3, 4}) ==
        std::vector<std::string>{"W", "b"});
  CHECK(tg::task_of(tg::ModelKind::linear, tg::Task::binary) == tg::Task::regression);
  CHECK(tg::task_of(tg::ModelKind::mlp, tg::Task::multiclass) == tg::Task::multiclass);
  CHECK(tg::parse_task("regression") == tg::Task::regression);
  CHECK(tg::parse_model_kind("softmax") == tg::ModelKind::softmax);
  CHECK_THROWS_WITH_AS((void)tg::parse_task("ranking"),
                       "task: task: expected 'binary', 'multiclass' or 'regression', found "
                       "'ranking'",
                       tg::Error);

  tg::Model wrong = tg::make_softmax(2, 3);
  wrong.task = tg::Task::binary;
  CHECK_THROWS_WITH_AS((void)wrong.predict(tg::Tensor(1, 2)),
                       "model: task: expected multiclass for softmax, found binary", tg::Error);
  tg::Model softmax = tg::make_softmax(2, 3);
  tg::FitOptions options;
  options.optimizer.kind = tg::OptimizerKind::gd;  // the lecture's rule
  CHECK_THROWS_WITH_AS(
      (void)tg::fit(softmax, tg::Tensor(2, 2), tg::Tensor::column({0, 2.5}), options),
      "fit: y: expected class labels 0..2, found 2.5", tg::Error);
  tg::Model linear = tg::make_linear(2);
  CHECK_THROWS_WITH_AS(
      (void)tg::fit(linear, tg::Tensor(2, 2),
                    tg::Tensor::column({0, std::numeric_limits<double>::infinity()}), options),
      "fit: y: expected finite targets, found inf", tg::Error);
  tg::Dataset negative{tg::Tensor(3, 1), tg::Tensor::column({0, -1, 1}), {"x"}, "c"};
  tg::TrainConfig config;
  config.optimizer.kind = tg::OptimizerKind::gd;  // the lecture's rule
  config.kind = tg::ModelKind::softmax;
  CHECK_THROWS_WITH_AS((void)tg::train(negative, config),
                       "train: data: expected class labels 0, 1, 2, ..., found -1", tg::Error);
}

TEST_CASE("softmax regression: mini-batches with a short last batch equal hand-rolled descent") {
  // 20 examples, batches of 7 (7, 7, 6: a second recorded graph), weight decay on W only.
  tg::Rng rng(9);
  const tg::Tensor X = uniform(rng, 20, 2, -2, 2);
  tg::Tensor labels(20, 1);
  for (double& v : labels) v = static_cast<double>(rng.below(3));
  tg::Model model = tg::make_softmax(2, 3);
  tg::FitOptions options;
  options.optimizer.kind = tg::OptimizerKind::gd;  // the lecture's rule
  options.optimizer.learning_rate = 0.3;
  options.epochs = 4;
  options.batch_size = 7;
  options.seed = 5;
  options.weight_decay = 0.05;
  const auto history = tg::fit(model, X, labels, options);

  Eigen::MatrixXd W = Eigen::MatrixXd::Zero(2, 3);
  Eigen::RowVectorXd b = Eigen::RowVectorXd::Zero(3);
  std::vector<std::size_t> order(20);
  for (std::size_t i = 0; i < 20; ++i) order[i] = i;
  tg::Rng shuffler(5);
  for (std::size_t epoch = 0; epoch < 4; ++epoch) {
    shuffler.shuffle(std::span<std::size_t>(order));
    double loss = 0.0;
    for (std::size_t first = 0; first < 20; first += 7) {
      const std::size_t count = std::min<std::size_t>(7, 20 - first);
      const auto c = static_cast<Eigen::Index>(count);
      Eigen::MatrixXd Xb(c, 2), Y = Eigen::MatrixXd::Zero(c, 3);
      for (Eigen::Index r = 0; r < c; ++r) {
        const std::size_t i = order[first + static_cast<std::size_t>(r)];
        Xb(r, 0) = X(i, 0);
        Xb(r, 1) = X(i, 1);
        Y(r, static_cast<Eigen::Index>(labels[i])) = 1.0;
      }
      const Eigen::MatrixXd Z = (Xb * W).rowwise() + b;
      Eigen::MatrixXd P(c, 3);
      double cost = 0.0;
      for (Eigen::Index r = 0; r < c; ++r) {
        const double top = Z.row(r).maxCoeff();
        const double lse = top + std::log((Z.row(r).array() - top).exp().sum());
        P.row(r) = (Z.row(r).array() - lse).exp();
        cost += (lse - (Z.row(r).array() * Y.row(r).array()).sum()) / static_cast<double>(c);
      }
      cost += 0.05 / 2.0 * W.squaredNorm();
      loss += cost * static_cast<double>(count) / 20.0;
      const Eigen::MatrixXd dW = Xb.transpose() * (P - Y) / static_cast<double>(c) + 0.05 * W;
      const Eigen::RowVectorXd db = (P - Y).colwise().mean();
      W -= 0.3 * dW;
      b -= 0.3 * db;
    }
    CHECK(rel_error(history[epoch].loss, loss) < 1e-12);
  }
  CHECK(matrix_error(model.params[0], W) < 1e-12);
  CHECK(matrix_error(model.params[1], b) < 1e-12);
}
