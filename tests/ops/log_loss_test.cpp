// log_loss: L(a, y) = -(y log a + (1 - y) log(1 - a)) element-wise with broadcasting;
// dL/da = -y/a + (1 - y)/(1 - a), dL/dy = log(1 - a) - log a. A zero-weight term is exactly 0.
#include <cmath>
#include <numbers>

#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

#include "support/op_check.hpp"

namespace tg = tapegrad;
using tg::test::near;

namespace {
// The lecture's loss and its derivatives, written out here.
double loss(double a, double y) { return -(y * std::log(a) + (1.0 - y) * std::log(1.0 - a)); }
double dloss_da(double a, double y) { return -y / a + (1.0 - y) / (1.0 - a); }
double dloss_dy(double a) { return std::log(1.0 - a) - std::log(a); }
}  // namespace

TEST_CASE("log_loss: L(1/2, 1) = ln 2, L(1/4, 0) = ln(4/3), soft labels, gradients by hand") {
  tg::Tape tape;
  const tg::Var a = tape.param(tg::Tensor::row({0.5, 0.25, 0.8}));
  const tg::Var y = tape.param(tg::Tensor::row({1, 0, 0.3}));
  const tg::Var L = tg::log_loss(a, y);
  CHECK(L.op() == tg::OpKind::LogLoss);
  CHECK(L.value()(0, 0) == near(std::numbers::ln2, 1e-15));
  CHECK(L.value()(0, 1) == near(std::log(4.0 / 3.0), 1e-15));
  CHECK(L.value()(0, 2) == near(loss(0.8, 0.3), 1e-14));
  tape.backward(tg::sum(L));
  CHECK(a.grad()(0, 0) == -2.0);                    // -1/a
  CHECK(a.grad()(0, 1) == near(4.0 / 3.0, 1e-15));  // 1/(1 - a)
  CHECK(a.grad()(0, 2) == near(dloss_da(0.8, 0.3), 1e-14));
  CHECK(y.grad()(0, 0) == near(0.0, 0.0, 1e-15));  // log(1 - 1/2) - log(1/2)
  CHECK(y.grad()(0, 1) == near(std::log(3.0), 1e-15));
  CHECK(y.grad()(0, 2) == near(dloss_dy(0.8), 1e-14));
}

TEST_CASE(
    "log_loss: at a = 0 and a = 1 a zero-weight term is 0: L(0,0) = L(1,1) = 0, "
    "L(0,1) = L(1,0) = inf") {
  tg::Tape tape;
  const tg::Var a = tape.param(tg::Tensor::row({0, 1, 0, 1}));
  const tg::Var y = tape.input(tg::Tensor::row({0, 1, 1, 0}));
  const tg::Var L = tg::log_loss(a, y);
  CHECK(L.value() == tg::Tensor::row({0, 0, INFINITY, INFINITY}));
  tape.backward(tg::sum(L * tape.input(tg::Tensor::row({1, 1, 0, 0}))));
  CHECK(a.grad()(0, 0) == 1.0);   // (1 - y)/(1 - a) with a = 0
  CHECK(a.grad()(0, 1) == -1.0);  // -y/a with a = 1
}

TEST_CASE("log_loss: dL/da equals the lecture's -y/a + (1-y)/(1-a) at random points") {
  tg::test::Rng rng;
  for (int i = 0; i < 50; ++i) {
    const double av = rng.uniform(0.01, 0.99);
    const double yv = i % 3 == 2 ? rng.unit() : rng.bit();
    tg::Tape tape;
    const tg::Var a = tape.param(av);
    const tg::Var L = tg::log_loss(a, tape.input(yv));
    tape.backward(L);
    CAPTURE(av);
    CAPTURE(yv);
    CHECK(L.item() == near(loss(av, yv), 1e-13));
    CHECK(a.grad().item() == near(dloss_da(av, yv), 1e-13));
  }
}

TEST_CASE("log_loss: gradients match finite differences at random points") {
  tg::test::check_gradients_at_random_points(
      {{{2, 3}, {0.05, 0.95}}, {{2, 3}, {0.0, 1.0}}},
      [](std::span<const tg::Var> p) { return tg::log_loss(p[0], p[1]); });
}

TEST_CASE(
    "log_loss: broadcasting gives the broadcast value and sums gradients over broadcast "
    "axes") {
  tg::test::check_broadcasting(
      [](const tg::Var& a, const tg::Var& y) { return tg::log_loss(a, y); }, loss, {0.05, 0.95},
      {0.0, 1.0}, 1e-13);
}
