#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <vector>

#include "models/helpers.hpp"

namespace tg = tapegrad;
using tg::test::rel_error;

TEST_CASE("rng: raw words are std::mt19937_64's, numbers follow the documented formulas") {
  tg::Rng rng(5489);
  for (int i = 1; i < 10000; ++i) (void)rng.next();
  CHECK(rng.next() == 9981545732273789042ull);  // the standard's required 10000th output

  tg::Rng a(7);
  std::mt19937_64 raw(7);
  for (int i = 0; i < 100; ++i) {
    const double u = a.uniform01();
    CHECK(u == static_cast<double>(raw() >> 11) / 9007199254740992.0);  // 2^53
    CHECK(u >= 0.0);
    CHECK(u < 1.0);
  }
  CHECK(a.uniform(-3.0, 5.0) == -3.0 + 8.0 * (static_cast<double>(raw() >> 11) / 0x1.0p53));
}

TEST_CASE("rng: below is unbiased and in range, shuffle is Fisher-Yates on those draws") {
  tg::Rng rng(11);
  std::vector<int> counts(3);
  for (int i = 0; i < 30000; ++i) ++counts[rng.below(3)];
  for (int c : counts) CHECK(std::abs(c - 10000) < 400);
  for (int i = 0; i < 100; ++i) CHECK(rng.below((1ull << 63) + 1) <= (1ull << 63));
  CHECK_THROWS_AS((void)rng.below(0), tg::Error);

  std::vector<int> items{0, 1, 2, 3, 4, 5, 6, 7};
  std::vector<int> expected = items;
  tg::Rng draws(99);
  for (std::size_t i = expected.size(); i > 1; --i)
    std::swap(expected[i - 1], expected[draws.below(i)]);
  tg::Rng(99).shuffle(std::span<int>(items));
  CHECK(items == expected);
  std::vector<int> sorted = items;
  std::sort(sorted.begin(), sorted.end());
  CHECK(sorted == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7});
  CHECK(tg::Rng(5).permutation(50) == tg::Rng(5).permutation(50));
  CHECK(tg::Rng(5).permutation(50) != tg::Rng(6).permutation(50));
}

TEST_CASE("mlp: seeded Xavier (tanh) and He (relu) uniform initialisation, zero biases") {
  const tg::Model tanh_net = tg::make_mlp({30, 16, 8, 1}, tg::Activation::tanh, 3);
  REQUIRE(tanh_net.params.size() == 6);
  CHECK(tanh_net.params[0].shape() == tg::Shape{16, 30});
  CHECK(tanh_net.params[1].shape() == tg::Shape{16, 1});
  CHECK(tanh_net.params[2].shape() == tg::Shape{8, 16});
  CHECK(tanh_net.params[4].shape() == tg::Shape{1, 8});
  // The first weights are the documented formula applied to the raw words, layer by layer.
  std::mt19937_64 raw(3);
  const double r1 = std::sqrt(6.0 / (30.0 + 16.0));
  for (std::size_t k = 0; k < tanh_net.params[0].size(); ++k) {
    const double u = static_cast<double>(raw() >> 11) * 0x1.0p-53;
    REQUIRE(tanh_net.params[0][k] == -r1 + (2 * r1) * u);
  }
  const double r2 = std::sqrt(6.0 / (16.0 + 8.0));
  CHECK(tanh_net.params[2][0] == -r2 + (2 * r2) * (static_cast<double>(raw() >> 11) * 0x1.0p-53));
  for (std::size_t i : {1, 3, 5}) {
    for (double b : tanh_net.params[i]) CHECK(b == 0.0);
  }
  // Same seed, same numbers; spread close to the uniform's std r / sqrt(3).
  CHECK(tg::make_mlp({30, 16, 8, 1}, tg::Activation::tanh, 3).params[2] == tanh_net.params[2]);
  CHECK(tg::make_mlp({30, 16, 8, 1}, tg::Activation::tanh, 4).params[0] != tanh_net.params[0]);
  const tg::Model relu_net = tg::make_mlp({200, 100, 1}, tg::Activation::relu, 3);
  const double he = std::sqrt(6.0 / 200.0);
  double sq = 0.0, max = 0.0;
  for (double v : relu_net.params[0]) {
    sq += v * v;
    max = std::max(max, std::abs(v));
  }
  CHECK(max <= he);
  CHECK(std::sqrt(sq / 20000.0) == doctest::Approx(he / std::sqrt(3.0)).epsilon(0.02));
}

TEST_CASE("model: layer sizes are validated") {
  CHECK_THROWS_WITH_AS((void)tg::make_mlp({30, 16, 2}, tg::Activation::tanh, 1),
                       "model: sizes: expected positive layer sizes ending in 1, found {30, 16, 2}",
                       tg::Error);
  CHECK_THROWS_WITH_AS((void)tg::make_mlp({30}, tg::Activation::tanh, 1),
                       "model: sizes: expected positive layer sizes ending in 1, found {30}",
                       tg::Error);
  CHECK_THROWS_WITH_AS((void)tg::make_mlp({30, 0, 1}, tg::Activation::relu, 1),
                       "model: sizes: expected positive layer sizes ending in 1, found {30, 0, 1}",
                       tg::Error);
  CHECK_THROWS_WITH_AS(
      (void)tg::param_shapes(tg::ModelKind::logreg, std::vector<std::size_t>{3, 2, 1}),
      "model: sizes: expected {n, 1} for logreg, found {3, 2, 1}", tg::Error);
  CHECK(tg::param_names(tg::ModelKind::mlp, std::vector<std::size_t>{3, 2, 1}) ==
        std::vector<std::string>{"W1", "b1", "W2", "b2"});
  CHECK(tg::parse_model_kind("mlp") == tg::ModelKind::mlp);
  CHECK(tg::parse_activation("relu") == tg::Activation::relu);
  CHECK_THROWS_WITH_AS((void)tg::parse_activation("gelu"),
                       "activation: activation: expected 'tanh' or 'relu', found 'gelu'",
                       tg::Error);
}

TEST_CASE("mlp: the recorded network's gradients pass a finite-difference check") {
  for (tg::Activation act : {tg::Activation::tanh, tg::Activation::relu}) {
    const tg::Model model = tg::make_mlp({3, 4, 2, 1}, act, 21);
    tg::Tape tape;
    const tg::NetworkGraph g = tg::record_network(tape, model, 5, /*trainable=*/true);
    tg::Rng rng(8);
    tg::Tensor Xt(3, 5), X(5, 3), Y(5, 1);  // the points drawn features x examples, as before
    for (double& v : Xt) v = rng.uniform(-2, 2);
    for (double& v : Y) v = static_cast<double>(rng.below(2));
    for (std::size_t i = 0; i < 5; ++i) {
      for (std::size_t j = 0; j < 3; ++j) X(i, j) = Xt(j, i);
    }
    tape.set(g.X, X);
    const tg::Var yv = tape.input(Y, "Y");
    const tg::Var J = tg::mean(tg::log_loss_with_logits(g.Z, yv));
    tape.forward();
    const tg::GradCheckResult r = tg::grad_check(J, g.params);
    CAPTURE(r.summary());
    CHECK(r.ok);
    CHECK(r.checked == 4 * 3 + 4 + 2 * 4 + 2 + 2 + 1);
  }
}

TEST_CASE("record_network: each layer Z = A W + b is one dense node, with no node for A W") {
  const auto count = [](const tg::Tape& tape, tg::OpKind op) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < tape.size(); ++i) n += tape.node(i).op == op ? 1 : 0;
    return n;
  };
  {  // softmax regression: X, W, b and Z = dense(X, W, b)
    tg::Tape tape;
    const tg::NetworkGraph g = tg::record_network(tape, tg::make_softmax(3, 4), 5, true);
    CHECK(tape.size() == 4);
    CHECK(g.Z.op() == tg::OpKind::Dense);
    CHECK(tape.node(g.Z.index()).inputs ==
          std::vector<std::size_t>{g.X.index(), g.params[0].index(), g.params[1].index()});
  }
  {  // a multiclass MLP with two hidden layers: three dense layers, no matmul, no add
    tg::Tape tape;
    const tg::Model mlp = tg::make_mlp({3, 4, 2, 3}, tg::Activation::relu, 1, tg::Task::multiclass);
    const tg::NetworkGraph g = tg::record_network(tape, mlp, 5, true);
    CHECK(g.Z.op() == tg::OpKind::Dense);
    CHECK(count(tape, tg::OpKind::Dense) == 3);
    CHECK(count(tape, tg::OpKind::Relu) == 2);
    CHECK(count(tape, tg::OpKind::Matmul) == 0);
    CHECK(count(tape, tg::OpKind::Add) == 0);
  }
  {  // the binary (lecture) MLP keeps W_l and b_l transposed: dense(A, W_l^T, b_l^T)
    tg::Tape tape;
    const tg::NetworkGraph g =
        tg::record_network(tape, tg::make_mlp({3, 4, 1}, tg::Activation::tanh, 1), 5, true);
    CHECK(count(tape, tg::OpKind::Dense) == 2);
    CHECK(count(tape, tg::OpKind::Transpose) == 4);
    const tg::NodeInfo z = tape.node(g.Z.index());
    CHECK(tape.node(z.inputs[1]).op == tg::OpKind::Transpose);
    CHECK(tape.node(z.inputs[1]).inputs == std::vector<std::size_t>{g.params[2].index()});
    CHECK(tape.node(z.inputs[2]).inputs == std::vector<std::size_t>{g.params[3].index()});
  }
}

TEST_CASE("model: the network computes Z = W2 g(W1 X + b1) + b2 (and wᵀX + b for logreg)") {
  tg::Model mlp = tg::make_mlp({2, 2, 1}, tg::Activation::tanh, 1);
  mlp.params = {tg::Tensor::from_rows({{0.5, -1.0}, {2.0, 0.25}}), tg::Tensor::column({0.1, -0.2}),
                tg::Tensor::from_rows({{1.5, -0.5}}), tg::Tensor(0.3)};
  const tg::Tensor rows = tg::Tensor::from_rows({{1.0, 2.0}, {-1.0, 0.5}, {0.0, 0.0}});
  const tg::Tensor z = mlp.predict_logits(rows);
  const tg::Tensor p = mlp.predict_proba(rows);
  REQUIRE(z.shape() == tg::Shape{3, 1});
  for (std::size_t i = 0; i < 3; ++i) {
    const double h1 = std::tanh(0.5 * rows(i, 0) + -1.0 * rows(i, 1) + 0.1);
    const double h2 = std::tanh(2.0 * rows(i, 0) + 0.25 * rows(i, 1) - 0.2);
    const double expected = 1.5 * h1 - 0.5 * h2 + 0.3;
    CHECK(rel_error(z[i], expected) < 1e-15);
    CHECK(rel_error(p[i], 1.0 / (1.0 + std::exp(-expected))) < 1e-15);
  }

  tg::Model lr = tg::make_logreg(2);
  lr.params = {tg::Tensor::column({2.0, -1.0}), tg::Tensor(0.5)};
  lr.standardizer = {{1.0, 10.0}, {2.0, 4.0}};  // x' = ((x0 - 1) / 2, (x1 - 10) / 4)
  const tg::Tensor q = lr.predict_logits(tg::Tensor::from_rows({{3.0, 14.0}, {1.0, 2.0}}));
  CHECK(q[0] == 2.0 * 1.0 - 1.0 * 1.0 + 0.5);
  CHECK(q[1] == 2.0 * 0.0 - 1.0 * -2.0 + 0.5);
  CHECK_THROWS_WITH_AS((void)lr.predict_proba(tg::Tensor(1, 3)),
                       "predict: X: expected 2 feature columns, found 3", tg::Error);
}

TEST_CASE("model: evaluate counts the confusion matrix, datasets are matched by column name") {
  tg::Model model = tg::make_logreg(1);
  model.params = {tg::Tensor::column({1.0}), tg::Tensor(0.0)};  // predicts 1 iff x >= 0
  model.feature_names = {"x"};
  const tg::Tensor X = tg::Tensor::column({2.0, -1.0, 0.5, -3.0, 1.0, -0.5});
  const tg::Tensor y = tg::Tensor::column({1.0, 0.0, 0.0, 1.0, 1.0, 0.0});
  const tg::Metrics m = model.evaluate(X, y);
  CHECK(m.count == 6);
  CHECK(m.confusion.true_positive == 2);
  CHECK(m.confusion.false_positive == 1);
  CHECK(m.confusion.true_negative == 2);
  CHECK(m.confusion.false_negative == 1);
  CHECK(m.accuracy == 4.0 / 6.0);
  double loss = 0.0;
  for (std::size_t i = 0; i < 6; ++i) {
    const double a = 1.0 / (1.0 + std::exp(-X[i]));
    loss -= (y[i] * std::log(a) + (1 - y[i]) * std::log(1 - a)) / 6.0;
  }
  CHECK(rel_error(m.loss, loss) < 1e-14);

  const tg::Dataset data = tg::parse_csv("other,x,label\n9,2,1\n9,-1,0\n", "d.csv", "label");
  CHECK(model.predict_proba(data) == model.predict_proba(tg::Tensor::column({2.0, -1.0})));
  CHECK(model.evaluate(data).accuracy == 1.0);
  model.feature_names = {"z"};
  CHECK_THROWS_WITH_AS((void)model.predict_proba(data),
                       "select_features: data: expected a feature column named 'z', found none",
                       tg::Error);
}

TEST_CASE("predict: a row whose output would be nan is refused, naming it, infinite loss is inf") {
  tg::Model model = tg::make_logreg(2);
  model.feature_names = {"a", "b"};
  model.target_name = std::string("y");  // (GCC 12 -Wrestrict misfires on = "y")
  model.params = {tg::Tensor::column({10.0, -10.0}), tg::Tensor(0.0)};
  const tg::Tensor X = tg::Tensor::from_rows({{1.0, 2.0}, {1e308, 1e308}});
  CHECK_THROWS_WITH_AS((void)model.predict_proba(X),
                       "predict: row 2: the model's output is not a number: infinite terms of "
                       "opposite signs meet in it (the row's largest feature is 'a' = 1e+308)",
                       tg::Error);
  // A z-score that is not finite: too far from the training data.
  model.standardizer = {{0.0, 0.0}, {1e-300, 1.0}};
  CHECK_THROWS_WITH_AS((void)model.predict_proba(tg::Tensor::from_rows({{1e10, 1.0}})),
                       doctest::Contains("predict: row 1, feature 'a': 1e+10 is too far from the "
                                         "training data to standardise"),
                       tg::Error);
  // An infinite logit is a probability of 0 or 1 and a loss of 0 or inf, never nan.
  CHECK(tg::detail::logit_loss_value(INFINITY, 1.0) == 0.0);
  CHECK(tg::detail::logit_loss_value(INFINITY, 0.0) == INFINITY);
  CHECK(tg::detail::logit_loss_value(-INFINITY, 0.0) == 0.0);
  CHECK(tg::detail::logit_loss_value(-INFINITY, 1.0) == INFINITY);
  model.standardizer = {};
  model.params = {tg::Tensor::column({1.0, 1.0}), tg::Tensor(0.0)};
  const tg::Metrics m = model.evaluate(tg::Tensor::from_rows({{-1e308, -1e308}, {1.0, 1.0}}),
                                       tg::Tensor::column({1.0, 1.0}));
  CHECK(m.loss == INFINITY);
  CHECK(m.accuracy == 0.5);
}

TEST_CASE("select_features: a line break in a missing name is escaped (one line)") {
  tg::Dataset d;
  d.X = tg::Tensor(1, 1);
  d.feature_names = {"x"};
  const std::vector<std::string> names{"line\nbreak"};
  CHECK_THROWS_WITH_AS((void)tg::select_features(d, names),
                       "select_features: data: expected a feature column named 'line\\nbreak', "
                       "found none",
                       tg::Error);
}
