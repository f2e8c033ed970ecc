// log_loss_with_logits: L(z, y) = log_loss(sigmoid(z), y) from the logit z, stably, element-wise
// with broadcasting; dL/dz = sigmoid(z) - y, dL/dy = -z. Never NaN for non-NaN inputs.
#include <cmath>
#include <limits>
#include <numbers>

#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

#include "support/op_check.hpp"

namespace tg = tapegrad;
using tg::test::near;

namespace {

// The naive composition -(y log s + (1 - y) log(1 - s)), s = sigmoid(z): accurate for moderate z.
double naive_loss(double z, double y) {
  const double s = tg::test::logistic(z);
  return -(y * std::log(s) + (1.0 - y) * std::log(1.0 - s));
}

// Loss and dL/dz at one (z, y), y an input.
struct Point {
  double loss;
  double dz;
};
Point at(double z, double y) {
  tg::Tape tape;
  const tg::Var zv = tape.param(z);
  const tg::Var L = tg::log_loss_with_logits(zv, tape.input(y));
  tape.backward(L);
  return {L.item(), zv.grad().item()};
}

}  // namespace

TEST_CASE(
    "log_loss_with_logits: L(0, y) = ln 2, and equals log_loss(sigmoid(z), y) for moderate "
    "z") {
  CHECK(at(0.0, 1.0).loss == near(std::numbers::ln2, 1e-15));
  CHECK(at(0.0, 0.3).loss == near(std::numbers::ln2, 1e-15));
  CHECK(at(0.0, 1.0).dz == -0.5);
  tg::test::Rng rng;
  for (int i = 0; i < 50; ++i) {
    const double z = rng.uniform(-8.0, 8.0), y = i % 3 == 2 ? rng.unit() : rng.bit();
    const Point p = at(z, y);
    CAPTURE(z);
    CAPTURE(y);
    CHECK(p.loss == near(naive_loss(z, y), 1e-12));
    CHECK(p.dz == near(tg::test::logistic(z) - y, 1e-12, 1e-16));
  }
}

TEST_CASE(
    "log_loss_with_logits: at z = +-1e4 the loss is linear in z, the gradient sigmoid(z) - y "
    "exactly") {
  // e^-1e4 underflows to 0: sigmoid(1e4) = 1, sigmoid(-1e4) = 0, L(z, y) = max(z, 0) - z y.
  CHECK(at(1e4, 1.0).loss == 0.0);
  CHECK(at(1e4, 0.0).loss == 1e4);
  CHECK(at(1e4, 0.25).loss == 7500.0);
  CHECK(at(-1e4, 0.0).loss == 0.0);
  CHECK(at(-1e4, 1.0).loss == 1e4);
  CHECK(at(-1e4, 0.75).loss == 7500.0);
  CHECK(at(1e4, 1.0).dz == 0.0);
  CHECK(at(1e4, 0.25).dz == 0.75);
  CHECK(at(-1e4, 0.0).dz == 0.0);
  CHECK(at(-1e4, 0.75).dz == -0.75);
  // Finite differences agree, for z and y.
  tg::test::check_gradients(
      {tg::Tensor::row({1e4, -1e4, 1e4}), tg::Tensor::row({0.25, 0.75, 1})},
      [](std::span<const tg::Var> p) { return tg::log_loss_with_logits(p[0], p[1]); });
}

TEST_CASE(
    "log_loss_with_logits: at z = +-1e300 and +-inf the loss is 0 or huge/inf and the "
    "gradient sigmoid(z) - y, never NaN") {
  const double inf = std::numeric_limits<double>::infinity();
  for (const double y : {0.0, 0.25, 1.0}) {
    CAPTURE(y);
    CHECK(at(1e300, y).loss == (1.0 - y) * 1e300);
    CHECK(at(-1e300, y).loss == y * 1e300);
    CHECK(at(1e300, y).dz == 1.0 - y);
    CHECK(at(-1e300, y).dz == -y);
    CHECK(at(inf, y).loss == (y == 1.0 ? 0.0 : inf));
    CHECK(at(-inf, y).loss == (y == 0.0 ? 0.0 : inf));
    CHECK(at(inf, y).dz == 1.0 - y);
    CHECK(at(-inf, y).dz == -y);
  }
}

TEST_CASE("log_loss_with_logits: gradients match finite differences at random points") {
  tg::test::check_gradients_at_random_points(
      {{{2, 3}, {-6.0, 6.0}}, {{2, 3}, {0.0, 1.0}}},
      [](std::span<const tg::Var> p) { return tg::log_loss_with_logits(p[0], p[1]); });
}

TEST_CASE(
    "log_loss_with_logits: broadcasting gives the broadcast value and sums gradients over "
    "broadcast axes") {
  tg::test::check_broadcasting(
      [](const tg::Var& z, const tg::Var& y) { return tg::log_loss_with_logits(z, y); }, naive_loss,
      {-6.0, 6.0}, {0.0, 1.0}, 1e-12);
}
