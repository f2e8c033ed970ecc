// L-BFGS, learning-rate schedules and early stopping: closed-form optima, an independent Newton
// solver, closed-form rates and a constructed early-stopping case.
#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <cmath>
#include <vector>

#include "models/eigen_helpers.hpp"

namespace tg = tapegrad;
using tg::test::rel_error;
using tg::test::to_eigen;

namespace {

tg::FitOptions lbfgs_options(double tolerance, std::size_t iterations) {
  tg::FitOptions options;
  options.optimizer.kind = tg::OptimizerKind::lbfgs;
  options.optimizer.tolerance = tolerance;
  options.optimizer.min_decrease = 0.0;  // run on to the gradient test
  options.epochs = iterations;
  return options;
}

}  // namespace

TEST_CASE("lbfgs: a strongly convex quadratic reaches its closed-form minimum") {
  // f(x) = ½ xᵀAx - bᵀx with A = QᵀQ + I (20 x 20, symmetric positive definite).
  const Eigen::Index n = 20;
  tg::Rng rng(3);
  Eigen::MatrixXd Q(n, n);
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index j = 0; j < n; ++j) Q(i, j) = rng.uniform(-1, 1);
  }
  const Eigen::MatrixXd A = Q.transpose() * Q + Eigen::MatrixXd::Identity(n, n);
  Eigen::VectorXd b(n);
  for (Eigen::Index i = 0; i < n; ++i) b(i) = rng.uniform(-5, 5);
  const Eigen::VectorXd exact = A.ldlt().solve(b);
  std::size_t evaluations = 0;
  const tg::Objective f = [&](std::span<const double> x, std::span<double> g) {
    ++evaluations;
    const Eigen::Map<const Eigen::VectorXd> xv(x.data(), n);
    const Eigen::VectorXd grad = A * xv - b;
    for (Eigen::Index i = 0; i < n; ++i) g[static_cast<std::size_t>(i)] = grad(i);
    return 0.5 * xv.dot(A * xv) - b.dot(xv);
  };
  std::vector<double> x(static_cast<std::size_t>(n), 0.0);
  tg::Lbfgs lbfgs(x.size(), 10, 1e-10, 0.0);
  const auto [iterations, status] = lbfgs.minimize(x, f, 1000);
  double worst = 0.0;
  for (Eigen::Index i = 0; i < n; ++i) {
    worst = std::max(worst, std::abs(x[static_cast<std::size_t>(i)] - exact(i)));
  }
  MESSAGE("quadratic: ", iterations, " iterations, ", evaluations, " evaluations, status ",
          tg::to_string(status), ", max |x - x*| = ", worst, " (max |x*| ",
          exact.cwiseAbs().maxCoeff(), ")");
  // Converged, or stopped where f no longer decreases in double precision.
  CHECK(status != tg::LbfgsStatus::line_search_failed);
  CHECK(worst <= 1e-8 * exact.cwiseAbs().maxCoeff());
  CHECK(iterations < 200);  // far fewer than gradient descent would need at this conditioning
}

TEST_CASE("lbfgs: the Rosenbrock function's minimum (1, 1) from (-1.2, 1)") {
  std::size_t evaluations = 0;
  const tg::Objective f = [&](std::span<const double> x, std::span<double> g) {
    ++evaluations;
    const double a = 1.0 - x[0], b = x[1] - x[0] * x[0];
    g[0] = -2.0 * a - 400.0 * x[0] * b;
    g[1] = 200.0 * b;
    return a * a + 100.0 * b * b;
  };
  std::vector<double> x{-1.2, 1.0};
  tg::Lbfgs lbfgs(2, 5, 1e-10, 0.0);
  const auto [iterations, status] = lbfgs.minimize(x, f, 500);
  MESSAGE("Rosenbrock: ", iterations, " iterations, ", evaluations, " evaluations, x = (", x[0],
          ", ", x[1], ")");
  CHECK(status != tg::LbfgsStatus::line_search_failed);
  CHECK(std::abs(x[0] - 1.0) <= 1e-8);
  CHECK(std::abs(x[1] - 1.0) <= 1e-8);
}

TEST_CASE(
    "lbfgs: fit() reaches the normal equations of linear least squares, with and without "
    "ridge") {
  tg::Rng rng(77);
  const std::size_t m = 50, n = 4;
  tg::Tensor X(m, n), y(m, 1);
  for (std::size_t i = 0; i < m; ++i) {
    for (std::size_t j = 0; j < n; ++j) X(i, j) = rng.uniform(-3, 3) + static_cast<double>(j);
    y[i] = 1.5 * X(i, 0) - 2.0 * X(i, 1) + 0.5 * X(i, 2) + 0.1 * X(i, 3) + 4.0 +
           rng.uniform(-0.5, 0.5);
  }
  for (double lambda : {0.0, 0.2}) {
    CAPTURE(lambda);
    const Eigen::VectorXd theta = tg::test::ridge_solution(X, y, lambda);  // normal equations

    tg::Model model = tg::make_linear(n);
    tg::FitOptions options = lbfgs_options(1e-12, 500);
    options.weight_decay = lambda;
    const auto history = tg::fit(model, X, y, options);
    double worst = 0.0;
    for (std::size_t j = 0; j < n; ++j) {
      worst = std::max(worst, rel_error(model.params[0][j], theta(static_cast<Eigen::Index>(j))));
    }
    worst = std::max(worst, rel_error(model.params[1][0], theta(n)));
    MESSAGE("least squares, λ = ", lambda, ": ", history.size(),
            " L-BFGS iterations, worst relative difference from the normal equations ", worst);
    CHECK(worst <= 1e-9);
    CHECK(history.size() < 100);
    for (std::size_t e = 1; e < history.size(); ++e) {  // every accepted step decreases J
      CHECK(history[e].loss < history[e - 1].loss);
    }
  }
}

TEST_CASE("lbfgs: logistic regression with weight decay equals Newton's method (Eigen)") {
  const tg::Dataset& d = tg::test::breast_cancer();
  const tg::Tensor Xs = tg::Standardizer::fit(d.X).apply(d.X);
  const auto m = static_cast<Eigen::Index>(Xs.rows());
  const auto n = static_cast<Eigen::Index>(Xs.cols());
  const double lambda = 1.0 / static_cast<double>(m);  // scikit-learn's C = 1
  // Newton on θ = (w, b) for J = (1/m) Σ log(1 + e^z) - y z + (λ/2)||w||², z = [x 1]ᵀθ.
  Eigen::MatrixXd A(m, n + 1);
  A << to_eigen(Xs), Eigen::VectorXd::Ones(m);
  const Eigen::VectorXd ye = to_eigen(d.y);
  Eigen::VectorXd ridge = Eigen::VectorXd::Constant(n + 1, lambda);
  ridge(n) = 0.0;  // no penalty on the bias
  Eigen::VectorXd theta = Eigen::VectorXd::Zero(n + 1);
  for (int k = 0; k < 50; ++k) {
    const Eigen::VectorXd z = A * theta;
    const Eigen::VectorXd p = z.unaryExpr([](double v) { return 1.0 / (1.0 + std::exp(-v)); });
    const Eigen::VectorXd grad =
        A.transpose() * (p - ye) / static_cast<double>(m) + ridge.cwiseProduct(theta);
    const Eigen::VectorXd weights = p.cwiseProduct(Eigen::VectorXd::Ones(m) - p);
    Eigen::MatrixXd hessian = A.transpose() * weights.asDiagonal() * A / static_cast<double>(m);
    hessian.diagonal() += ridge;
    theta -= hessian.ldlt().solve(grad);
  }
  double newton_cost = 0.0;
  {
    const Eigen::VectorXd z = A * theta;
    for (Eigen::Index i = 0; i < m; ++i) {
      newton_cost += std::max(z(i), 0.0) - z(i) * ye(i) + std::log1p(std::exp(-std::abs(z(i))));
    }
    newton_cost = newton_cost / static_cast<double>(m) + 0.5 * lambda * theta.head(n).squaredNorm();
  }

  tg::Model model = tg::make_logreg(static_cast<std::size_t>(n));
  tg::FitOptions options = lbfgs_options(1e-10, 1000);
  options.weight_decay = lambda;
  const auto history = tg::fit(model, Xs, d.y, options);
  double worst = 0.0;
  for (Eigen::Index j = 0; j < n; ++j) {
    worst = std::max(worst, std::abs(model.params[0][static_cast<std::size_t>(j)] - theta(j)));
  }
  worst = std::max(worst, std::abs(model.params[1][0] - theta(n)));
  MESSAGE("logistic regression, λ = 1/m: ", history.size(),
          " L-BFGS iterations; max |θ - θ_Newton| ", worst, " (max |θ| ",
          theta.cwiseAbs().maxCoeff(), "), last cost ", history.back().loss, " vs Newton ",
          newton_cost);
  CHECK(worst <= 1e-6);
  CHECK(history.back().loss >= newton_cost * (1.0 - 1e-14));
  CHECK(rel_error(history.back().loss, newton_cost) <= 1e-12);
  // Far fewer passes than gradient descent: the same cost to 1e-12 within 200 iterations.
  CHECK(history.size() <= 200);
}

TEST_CASE("lbfgs: softmax regression with weight decay reaches a stationary point") {
  // Three classes from the breast-cancer features (label by two thresholds of the first
  // standardised feature); the optimum has a gradient of zero, checked on a fresh tape.
  const tg::Dataset& d = tg::test::breast_cancer();
  const tg::Tensor Xs = tg::Standardizer::fit(d.X).apply(d.X);
  tg::Tensor y(Xs.rows(), 1);
  for (std::size_t i = 0; i < Xs.rows(); ++i) {
    y[i] = Xs(i, 0) < -0.5 ? 0.0 : (Xs(i, 0) < 0.5 ? 1.0 : 2.0);
  }
  tg::Model model = tg::make_softmax(Xs.cols(), 3);
  tg::FitOptions options = lbfgs_options(1e-9, 2000);
  options.weight_decay = 0.01;
  const auto history = tg::fit(model, Xs, y, options);
  tg::Tape tape;
  const tg::NetworkGraph g = tg::record_network(tape, model, Xs.rows(), /*trainable=*/true);
  const tg::Var Y = tape.input(y, "Y");
  const tg::Var J = tg::record_cost(model, g, Y, 0.01);
  tape.set(g.X, Xs);
  tape.forward();
  tape.backward(J);
  double largest = 0.0;
  for (const tg::Var& p : g.params) {
    for (double v : p.grad()) largest = std::max(largest, std::abs(v));
  }
  MESSAGE("softmax: ", history.size(), " iterations, largest gradient component ", largest);
  CHECK(largest <= 1e-8);
  CHECK(history.size() < 2000);
}

TEST_CASE("optimizer: automatic resolves to lbfgs for full-batch linear models, adam otherwise") {
  const tg::OptimizerConfig automatic;
  CHECK(automatic.kind == tg::OptimizerKind::automatic);
  const tg::Model logreg = tg::make_logreg(2), softmax = tg::make_softmax(2, 3),
                  linear = tg::make_linear(2),
                  mlp = tg::make_mlp({2, 4, 1}, tg::Activation::tanh, 1);
  for (const tg::Model* model : {&logreg, &softmax, &linear}) {
    CHECK(tg::resolve_optimizer(automatic, *model, true).kind == tg::OptimizerKind::lbfgs);
    const tg::OptimizerConfig mini = tg::resolve_optimizer(automatic, *model, false);
    CHECK(mini.kind == tg::OptimizerKind::adam);
    CHECK(mini.learning_rate == 0.01);
  }
  CHECK(tg::resolve_optimizer(automatic, mlp, true).kind == tg::OptimizerKind::adam);
  // Tolerance 0: scikit-learn's 1e-4 for classifiers, 1e-10 (to rounding) for least squares.
  CHECK(tg::resolve_optimizer(automatic, logreg, true).tolerance == 1e-4);
  CHECK(tg::resolve_optimizer(automatic, softmax, true).tolerance == 1e-4);
  CHECK(tg::resolve_optimizer(automatic, linear, true).tolerance == 1e-10);
  tg::OptimizerConfig given;
  given.tolerance = 1e-6;
  CHECK(tg::resolve_optimizer(given, linear, true).tolerance == 1e-6);
  CHECK(tg::resolve_optimizer({tg::OptimizerKind::gd}, mlp, true).learning_rate == 0.1);
  CHECK(tg::resolve_optimizer({tg::OptimizerKind::gd, 0.3}, mlp, true).learning_rate == 0.3);
  CHECK(tg::parse_optimizer_kind("lbfgs") == tg::OptimizerKind::lbfgs);
  CHECK(tg::parse_optimizer_kind("auto") == tg::OptimizerKind::automatic);
  CHECK_THROWS_WITH_AS(
      (void)tg::parse_optimizer_kind("sgd"),
      "optimizer: kind: expected 'gd', 'momentum', 'adam', 'lbfgs' or 'auto', found 'sgd'",
      tg::Error);
}

TEST_CASE("schedules: the closed-form learning rates") {
  tg::Schedule step{tg::ScheduleKind::step, 0.5, 3};
  const std::vector<double> expected{0.2, 0.2, 0.2, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025};
  for (std::size_t t = 0; t < expected.size(); ++t) {
    CHECK(tg::scheduled_learning_rate(step, 0.2, t) == expected[t]);
  }
  const tg::Schedule exponential{tg::ScheduleKind::exponential, 0.9, 1};
  const tg::Schedule inverse{tg::ScheduleKind::inverse_time, 0.5, 1};
  for (std::size_t t = 0; t < 50; ++t) {
    const double td = static_cast<double>(t);
    CHECK(rel_error(tg::scheduled_learning_rate(exponential, 0.2, t), 0.2 * std::pow(0.9, td)) <=
          1e-13);
    CHECK(tg::scheduled_learning_rate(inverse, 0.2, t) == 0.2 / (1.0 + 0.5 * td));
    CHECK(tg::scheduled_learning_rate({}, 0.2, t) == 0.2);
  }
  CHECK(tg::parse_schedule_kind("inverse_time") == tg::ScheduleKind::inverse_time);
  CHECK_THROWS_WITH_AS((void)tg::parse_schedule_kind("cosine"),
                       "schedule: kind: expected 'constant', 'step', 'exponential' or "
                       "'inverse_time', found 'cosine'",
                       tg::Error);
  CHECK_THROWS_WITH_AS(tg::check_schedule({tg::ScheduleKind::exponential, 1.5, 1}),
                       "schedule: decay: expected a factor in (0, 1] for exponential decay, "
                       "found 1.5",
                       tg::Error);
  CHECK_THROWS_WITH_AS(tg::check_schedule({tg::ScheduleKind::step, 0.5, 0}),
                       "schedule: step_size: expected at least 1 epoch, found 0", tg::Error);
  CHECK_THROWS_WITH_AS(tg::check_schedule({tg::ScheduleKind::inverse_time, -1.0, 1}),
                       "schedule: decay: expected a finite rate >= 0 for inverse_time decay, "
                       "found -1",
                       tg::Error);
}

TEST_CASE("schedules: fit() steps with each epoch's rate (step decay, by hand)") {
  // y = 3x on x = ±1: J = (1/m) Σ (w x + b - y)², dJ/dw = 2 (w - 3), dJ/db = 2 b = 0.
  tg::Tensor X = tg::Tensor::column({1, -1, 1, -1}), y = tg::Tensor::column({3, -3, 3, -3});
  tg::Model model = tg::make_linear(1);
  tg::FitOptions options;
  options.optimizer = {tg::OptimizerKind::gd, 0.2};
  options.optimizer.schedule = {tg::ScheduleKind::step, 0.5, 2};
  options.epochs = 7;
  const auto history = tg::fit(model, X, y, options);
  double w = 0.0, rate = 0.2;
  REQUIRE(history.size() == 7);
  for (std::size_t t = 0; t < 7; ++t) {
    if (t > 0 && t % 2 == 0) rate *= 0.5;
    CHECK(history[t].learning_rate == rate);
    CHECK(rel_error(history[t].loss, (w - 3.0) * (w - 3.0)) <= 1e-14);
    w -= rate * 2.0 * (w - 3.0);
  }
  CHECK(rel_error(model.params[0][0], w) <= 1e-14);
  CHECK(model.params[1][0] == 0.0);
}

TEST_CASE("early stopping: stops after `patience` worse epochs and restores the best epoch") {
  // Training rows: y = 2x with x = ±1 (so b stays 0 and w_t = 2 - 2 (1 - 2α)^t under gd);
  // validation rows: y = x at x = 1, so the validation loss (w - 1)² is smallest at the epoch
  // where w_t is closest to 1: with α = 0.05, 0.9^7 = 0.478 gives |w - 1| = 0.043 (epoch 7),
  // against 0.063 at epoch 6 and 0.139 at epoch 8.
  const std::size_t m = 20;
  const std::uint64_t seed = 11;
  const double fraction = 0.2;  // 4 validation rows
  const std::vector<std::size_t> perm = tg::Rng(seed + 1).permutation(m);
  tg::Tensor X(m, 1), y(m, 1);
  for (std::size_t k = 0; k < m; ++k) {
    const std::size_t i = perm[k];
    if (k < 4) {
      X[i] = 1.0, y[i] = 1.0;
    } else {
      X[i] = k % 2 == 0 ? 1.0 : -1.0;
      y[i] = 2.0 * X[i];
    }
  }
  tg::Model model = tg::make_linear(1);
  tg::FitOptions options;
  options.optimizer = {tg::OptimizerKind::gd, 0.05};
  options.epochs = 100;
  options.seed = seed;
  options.early_stopping = true;
  options.validation_fraction = fraction;
  options.patience = 3;
  std::vector<double> validation;
  const auto history = tg::fit(model, X, y, options, [&](const tg::EpochStats& s) {
    validation.push_back(s.validation_loss);
  });
  REQUIRE(history.size() == 10);  // best at 7, then 8, 9, 10 without improvement
  double w = 0.0;
  std::vector<double> ws;
  for (int t = 0; t < 10; ++t) {
    w -= 0.05 * 2.0 * (w - 2.0);
    ws.push_back(w);
    CHECK(rel_error(validation[static_cast<std::size_t>(t)], (w - 1.0) * (w - 1.0)) <= 1e-12);
  }
  CHECK(rel_error(model.params[0][0], ws[6]) <= 1e-14);  // epoch 7's parameters
  CHECK(rel_error(ws[6], 2.0 - 2.0 * std::pow(0.9, 7)) <= 1e-14);
  CHECK(std::abs(model.params[1][0]) <= 1e-15);

  // Without a validation loss that rises, training runs all its epochs.
  for (std::size_t i = 0; i < m; ++i) y[i] = 2.0 * X[i];
  tg::Model again = tg::make_linear(1);
  options.epochs = 30;
  CHECK(tg::fit(again, X, y, options).size() == 30);
}

TEST_CASE("train(): early stopping reports the best epoch, defaults match scikit-learn's") {
  tg::TrainConfig config;  // logreg, automatic optimizer (lbfgs), λ = 1/m
  config.seed = 5;
  const tg::TrainResult r = tg::train(tg::test::breast_cancer(), config);
  CHECK(r.optimizer.kind == tg::OptimizerKind::lbfgs);
  CHECK(r.weight_decay == 1.0 / 455.0);
  CHECK(r.history.size() < 100);  // converged (max |g| <= 1e-4) before the iteration limit
  CHECK(r.best_epoch == 0);
  config.kind = tg::ModelKind::mlp;
  config.early_stopping = true;
  config.patience = 5;
  config.epochs = 300;
  const tg::TrainResult mlp = tg::train(tg::test::breast_cancer(), config);
  CHECK(mlp.optimizer.kind == tg::OptimizerKind::adam);
  CHECK(mlp.weight_decay == 0.0);
  REQUIRE(mlp.best_epoch >= 1);
  double best = mlp.history[mlp.best_epoch - 1].validation_loss;
  for (const tg::EpochStats& e : mlp.history) CHECK(e.validation_loss >= best);
  CHECK(mlp.history.size() == std::min<std::size_t>(300, mlp.best_epoch + 5));
}

TEST_CASE("fit: invalid optimizer, schedule and early-stopping options are refused") {
  tg::Model model = tg::make_logreg(1);
  const tg::Tensor X = tg::Tensor::column({1, 2, 3, 4}), y = tg::Tensor::column({0, 1, 0, 1});
  tg::FitOptions options;
  options.optimizer.kind = tg::OptimizerKind::lbfgs;
  options.batch_size = 2;
  CHECK_THROWS_WITH_AS((void)tg::fit(model, X, y, options),
                       "fit: optimizer: lbfgs trains on the full batch; found batch_size 2 (use "
                       "0, or gd, momentum or adam)",
                       tg::Error);
  options.batch_size = 0;
  options.optimizer.schedule.kind = tg::ScheduleKind::exponential;
  CHECK_THROWS_WITH_AS((void)tg::fit(model, X, y, options),
                       "fit: schedule: applies to gd, momentum and adam, not lbfgs", tg::Error);
  options.optimizer.schedule.kind = tg::ScheduleKind::constant;
  options.early_stopping = true;
  options.patience = 0;
  CHECK_THROWS_WITH_AS((void)tg::fit(model, X, y, options),
                       "fit: patience: expected at least 1 epoch, found 0", tg::Error);
  options.patience = 2;
  options.validation_fraction = 1.0;
  CHECK_THROWS_WITH_AS((void)tg::fit(model, X, y, options),
                       "fit: validation_fraction: expected a number in (0, 1), found 1", tg::Error);
  options.validation_fraction = 0.1;  // round(0.4) = 0 of 4
  CHECK_THROWS_WITH_AS((void)tg::fit(model, X, y, options),
                       "fit: validation_fraction: 0.1 of 4 examples leaves no example for "
                       "validation",
                       tg::Error);
  options.optimizer.learning_rate = -1.0;
  CHECK_THROWS_WITH_AS((void)tg::fit(model, X, y, options),
                       "fit: learning_rate: expected a positive number (or 0 for the default), "
                       "found -1",
                       tg::Error);
  CHECK_THROWS_WITH_AS(tg::Lbfgs(3, 0, 1e-5), "lbfgs: history: expected at least 1 pair, found 0",
                       tg::Error);
  CHECK_THROWS_WITH_AS(tg::Lbfgs(3, 5, 0.0),
                       "lbfgs: tolerance: expected a positive number, found 0", tg::Error);
  CHECK_THROWS_WITH_AS(tg::Optimizer({tg::OptimizerKind::lbfgs, 0.1}, {}),
                       "optimizer: kind: expected 'gd', 'momentum' or 'adam' for step updates, "
                       "found 'lbfgs'",
                       tg::Error);
}

TEST_CASE("lbfgs: a start that is already optimal takes no step and reports one epoch") {
  // dJ/dw = mean((σ(0) - y) x) = 0 and dJ/db = mean(σ(0) - y) = 0 at w = b = 0.
  tg::Model model = tg::make_logreg(1);
  const tg::Tensor X = tg::Tensor::column({1, -1, 1, -1}), y = tg::Tensor::column({1, 1, 0, 0});
  const auto history = tg::fit(model, X, y, lbfgs_options(1e-10, 50));
  REQUIRE(history.size() == 1);
  CHECK(rel_error(history[0].loss, std::log(2.0)) <= 1e-15);
  CHECK(model.params[0][0] == 0.0);
  CHECK(model.params[1][0] == 0.0);
}
