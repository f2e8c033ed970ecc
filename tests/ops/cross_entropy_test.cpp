// cross_entropy: mean (or sum) over rows of logsumexp(z_r) - z_{r, label_r}, from logits stably;
// dJ/dz = (softmax - one-hot) / m (Sum: without / m). Labels are data: integers in 0..k-1.
#include <cmath>
#include <limits>
#include <numbers>

#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

#include "support/op_check.hpp"

namespace tg = tapegrad;
using tg::test::near;

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();

struct Loss {
  double value;
  tg::Tensor grad;
};
Loss loss_of(const tg::Tensor& z, const tg::Tensor& labels,
             tg::Reduction reduction = tg::Reduction::Mean) {
  tg::Tape tape;
  const tg::Var zv = tape.param(z);
  const tg::Var J = tg::cross_entropy(zv, tape.input(labels), reduction);
  tape.backward(J);
  return {J.item(), zv.grad().to_tensor()};
}

tg::Tensor one_hot(const tg::Tensor& labels, std::size_t k) {
  tg::Tensor t(labels.rows(), k, 0.0);
  for (std::size_t r = 0; r < labels.rows(); ++r) t(r, static_cast<std::size_t>(labels[r])) = 1.0;
  return t;
}
}  // namespace

TEST_CASE("cross_entropy: hand-derived values and gradients, mean and sum") {
  const double ln2 = std::numbers::ln2, ln3 = std::log(3.0);
  const tg::Tensor z = tg::Tensor::from_rows({{0, ln3}, {ln2, ln2}});
  const tg::Tensor labels = tg::Tensor::column({1, 0});
  // softmax rows [1/4, 3/4] and [1/2, 1/2]: L = [-log(3/4), -log(1/2)]
  const double l0 = std::log(4.0 / 3.0), l1 = ln2;
  const Loss mean = loss_of(z, labels);
  CHECK(mean.value == near((l0 + l1) / 2, 1e-15));
  CHECK(mean.grad == near(tg::Tensor::from_rows({{0.125, -0.125}, {-0.25, 0.25}}), 1e-15));
  const Loss sum = loss_of(z, labels, tg::Reduction::Sum);
  CHECK(sum.value == near(l0 + l1, 1e-15));
  CHECK(sum.grad == near(tg::Tensor::from_rows({{0.25, -0.25}, {-0.5, 0.5}}), 1e-15));
  tg::Tape tape;
  CHECK(tg::cross_entropy(tape.param(z), tape.input(labels)).op() == tg::OpKind::CrossEntropy);
}

TEST_CASE("cross_entropy: equals -mean(sum(one-hot * log_softmax(z), 1)), values and gradients") {
  tg::test::Rng rng;
  for (int point = 0; point < 5; ++point) {
    const tg::Tensor z = tg::test::Range{-4.0, 4.0}.draw(rng, {6, 4});
    tg::Tensor labels(6, 1);
    for (double& v : labels) v = std::floor(rng.uniform(0.0, 4.0));
    tg::Tape tape;
    const tg::Var zv = tape.param(z);
    const tg::Var J = tg::cross_entropy(zv, tape.input(labels));
    const tg::Var R = -tg::mean(tg::sum(tape.input(one_hot(labels, 4)) * tg::log_softmax(zv), 1));
    CHECK(J.item() == near(R.item(), 1e-14));
    tape.backward(J);
    const tg::Tensor gj = zv.grad().to_tensor();
    tape.zero_grad();
    tape.backward(R);
    CHECK(gj == near(zv.grad(), 1e-13, 1e-16));
  }
}

TEST_CASE("cross_entropy: stable at large |z| and at +-inf, NaN only without a limit") {
  CHECK(loss_of(tg::Tensor::row({800, 0}), tg::Tensor(0.0)).value == 0.0);
  CHECK(loss_of(tg::Tensor::row({800, 0}), tg::Tensor(1.0)).value == 800.0);
  CHECK(loss_of(tg::Tensor::row({800, 0}), tg::Tensor(1.0)).grad == tg::Tensor::row({1, -1}));
  CHECK(loss_of(tg::Tensor::row({-800, -800}), tg::Tensor(1.0)).value ==
        near(std::numbers::ln2, 1e-15));
  CHECK(loss_of(tg::Tensor::row({1e300, -1e300}), tg::Tensor(1.0)).value == 2e300);
  CHECK(loss_of(tg::Tensor::row({1e300, -1e300}), tg::Tensor(0.0)).value == 0.0);
  // limits: the label's logit +inf gives 0, -inf gives +inf; the gradient stays finite
  const Loss top = loss_of(tg::Tensor::row({kInf, 0}), tg::Tensor(0.0));
  CHECK(top.value == 0.0);
  CHECK(top.grad == tg::Tensor::row({0, 0}));
  const Loss miss = loss_of(tg::Tensor::row({kInf, 0}), tg::Tensor(1.0));
  CHECK(miss.value == kInf);
  CHECK(miss.grad == tg::Tensor::row({1, -1}));
  CHECK(loss_of(tg::Tensor::row({-kInf, 0}), tg::Tensor(0.0)).value == kInf);
  CHECK(loss_of(tg::Tensor::row({-kInf, 0}), tg::Tensor(1.0)).value == 0.0);
  CHECK(std::isnan(loss_of(tg::Tensor::row({-kInf, -kInf}), tg::Tensor(0.0)).value));
  CHECK(std::isnan(loss_of(tg::Tensor::row({kInf, kInf}), tg::Tensor(0.0)).value));
  CHECK(std::isnan(loss_of(tg::Tensor::row({NAN, 0}), tg::Tensor(1.0)).value));
}

TEST_CASE("cross_entropy: Reduction::None keeps one loss per row, hand-derived") {
  const double ln3 = std::log(3.0), ln2 = std::numbers::ln2;
  tg::Tape tape;
  const tg::Var z = tape.param(tg::Tensor::from_rows({{0, ln3}, {ln2, ln2}, {0, ln3}}));
  const tg::Var labels = tape.input(tg::Tensor::column({1, 0, 0}));
  const tg::Var L = tg::cross_entropy(z, labels, tg::Reduction::None);
  // softmax rows [1/4, 3/4], [1/2, 1/2], [1/4, 3/4]: L = [-log(3/4), -log(1/2), -log(1/4)]
  CHECK(L.shape() == tg::Shape{3, 1});
  CHECK(L.value() == near(tg::Tensor::column({std::log(4.0 / 3.0), ln2, std::log(4.0)}), 1e-15));
  // weights 1, 2, 3 per row: row r's gradient is w_r (softmax - one-hot)
  const tg::Var J = tg::sum(L * tape.input(tg::Tensor::column({1, 2, 3})));
  tape.backward(J);
  CHECK(z.grad() == near(tg::Tensor::from_rows({{0.25, -0.25}, {-1, 1}, {-2.25, 2.25}}), 1e-15));
  // its mean is the Mean reduction, value and gradient, and runs over blocks of rows
  const tg::Var M = tg::mean(L);
  CHECK(tape.blockable(M));
  tape.zero_grad();
  tape.forward_backward(M, {.block_rows = 2});
  const tg::Tensor blocked = z.grad().to_tensor();
  tape.zero_grad();
  const tg::Var C = tg::cross_entropy(z, labels);
  tape.backward(C);
  CHECK(M.item() == near(C.item(), 1e-15));
  CHECK(blocked == near(z.grad(), 1e-15));
  CHECK_FALSE(tape.blockable(C));
}

TEST_CASE("cross_entropy: gradients match finite differences at random points, mean and sum") {
  const tg::Tensor labels = tg::Tensor::column({2, 0, 1, 2, 1});
  const tg::Tensor weights = tg::Tensor::column({0.5, -1, 2, 1.5, 3});
  tg::test::check_gradients_at_random_points(
      {{{5, 3}, {-3.0, 3.0}}}, [&](std::span<const tg::Var> p) {  // None, weighted rows
        tg::Tape& tape = p[0].tape();
        return tg::sum(tg::cross_entropy(p[0], tape.input(labels), tg::Reduction::None) *
                       tape.input(weights));
      });
  for (const tg::Reduction reduction : {tg::Reduction::Mean, tg::Reduction::Sum}) {
    tg::test::check_gradients_at_random_points(
        {{{5, 3}, {-3.0, 3.0}}}, [&](std::span<const tg::Var> p) {
          return tg::cross_entropy(p[0], p[0].tape().input(labels), reduction);
        });
  }
}

TEST_CASE("cross_entropy: gradients match finite differences at edge values: +-800, +-1e300") {
  const auto graph = [](const tg::Tensor& labels) {
    return [labels](std::span<const tg::Var> p) {
      return tg::cross_entropy(p[0], p[0].tape().input(labels));
    };
  };
  tg::test::check_gradients({tg::Tensor::from_rows({{800, 799.5, 801}, {-800, -799, -801}})},
                            graph(tg::Tensor::column({0, 2})));
  tg::test::check_gradients({tg::Tensor::from_rows({{1e300, -1e300}, {-1e300, 1e300}})},
                            graph(tg::Tensor::column({1, 1})));
}

TEST_CASE("cross_entropy: bad labels are refused when recorded and when replayed") {
  tg::Tape tape;
  const tg::Var z = tape.param(tg::Tensor(3, 2, 0.0));
  const auto ce = [&](const tg::Tensor& labels) {
    return tg::cross_entropy(z, tape.input(labels));
  };
  CHECK_THROWS_WITH_AS(ce(tg::Tensor::column({0, 0.5, 1})),
                       "cross_entropy: labels: row 1 holds 0.5, which is not a class in 0..1",
                       tg::Error);
  CHECK_THROWS_WITH_AS(ce(tg::Tensor::column({0, 1, 2})),
                       "cross_entropy: labels: row 2 holds 2, which is not a class in 0..1",
                       tg::Error);
  CHECK_THROWS_WITH_AS(ce(tg::Tensor::column({-1, 1, 0})),
                       "cross_entropy: labels: row 0 holds -1, which is not a class in 0..1",
                       tg::Error);
  CHECK_THROWS_WITH_AS(ce(tg::Tensor::column({0, NAN, 0})),
                       "cross_entropy: labels: row 1 holds nan, which is not a class in 0..1",
                       tg::Error);
  CHECK_THROWS_WITH_AS(
      ce(tg::Tensor::column({0, 1})),
      "cross_entropy: labels: has 2 rows, the logits 3; one label per row of logits", tg::Error);
  CHECK_THROWS_WITH_AS(
      ce(tg::Tensor(3, 2, 0.0)),
      "cross_entropy: labels: has shape 3x2; it must be one column (one class per row)", tg::Error);
  CHECK_THROWS_WITH_AS(
      tg::cross_entropy(z, tape.param(tg::Tensor::column({0, 1, 0}))),
      "cross_entropy: labels: depends on a param; it must be data (an input), with no gradient",
      tg::Error);
  CHECK_THROWS_WITH_AS(tg::cross_entropy(z, tape.input(tg::Tensor::column({0, 1, 0})),
                                         static_cast<tg::Reduction>(7)),
                       "cross_entropy: reduction: 7 is not Mean, Sum or None", tg::Error);
  // a replay with a bad label throws the same Error from forward() and backward()
  const tg::Var labels = tape.input(tg::Tensor::column({0, 1, 0}));
  const tg::Var J = tg::cross_entropy(z, labels);
  tape.set(labels, tg::Tensor::column({0, 3, 0}));
  CHECK_THROWS_WITH_AS(tape.forward(),
                       "cross_entropy: labels: row 1 holds 3, which is not a class in 0..1",
                       tg::Error);
  CHECK_THROWS_WITH_AS(tape.backward(J),
                       "cross_entropy: labels: row 1 holds 3, which is not a class in 0..1",
                       tg::Error);
  // with valid labels again, the replay works
  tape.set(labels, tg::Tensor::column({1, 1, 1}));
  tape.forward();
  CHECK(J.item() == near(std::numbers::ln2, 1e-15));
}
