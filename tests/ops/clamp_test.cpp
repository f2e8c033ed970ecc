// clamp: y = min(max(x, lo), hi) for constants lo <= hi; dy/dx = 1 for lo <= x <= hi (the bounds
// included), 0 outside; NaN stays NaN (derivative 0).
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

#include "support/op_check.hpp"

namespace tg = tapegrad;

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
}  // namespace

TEST_CASE("clamp: values and gradients inside, outside and at the bounds") {
  const auto r = tg::test::value_and_grad([](const tg::Var& x) { return tg::clamp(x, -1.0, 2.0); },
                                          tg::Tensor::row({-3, -1, -0.5, 0, 2, 2.5, NAN}));
  CHECK(r.op == tg::OpKind::Clamp);
  CHECK(r.value(0, 0) == -1.0);
  CHECK(r.value(0, 1) == -1.0);
  CHECK(r.value(0, 2) == -0.5);
  CHECK(r.value(0, 4) == 2.0);
  CHECK(r.value(0, 5) == 2.0);
  CHECK(std::isnan(r.value(0, 6)));
  // at the bounds the derivative is 1 (documented): y = x there
  CHECK(r.grad == tg::Tensor::row({0, 1, 1, 1, 1, 0, 0}));
}

TEST_CASE("clamp: infinite bounds clamp on one side, lo == hi gives a constant") {
  const auto below = tg::test::value_and_grad(
      [](const tg::Var& x) { return tg::clamp(x, 0.0, kInf); }, tg::Tensor::row({-1, 1e300, kInf}));
  CHECK(below.value == tg::Tensor::row({0, 1e300, kInf}));
  CHECK(below.grad == tg::Tensor::row({0, 1, 1}));
  const auto point = tg::test::value_and_grad(
      [](const tg::Var& x) { return tg::clamp(x, 3.0, 3.0); }, tg::Tensor::row({2, 3, 4}));
  CHECK(point.value == tg::Tensor::row({3, 3, 3}));
  CHECK(point.grad == tg::Tensor::row({0, 1, 0}));
}

TEST_CASE("clamp: gradients match finite differences at random points and near the bounds") {
  // lo = -1, hi = 1: random points in [-3, 3] away from the bounds by more than the step
  tg::test::check_gradients({tg::Tensor::row({-2.5, -1.01, -0.99, 0.3, 0.99, 1.01, 2.7})},
                            [](std::span<const tg::Var> p) { return tg::clamp(p[0], -1.0, 1.0); });
  tg::test::check_gradients_at_random_points(
      {{{3, 4}, {-0.9, 0.9}}},
      [](std::span<const tg::Var> p) { return tg::clamp(p[0], -1.0, 1.0); });
  tg::test::check_gradients_at_random_points(
      {{{3, 4}, {1.1, 3.0, /*either_sign=*/true}}},
      [](std::span<const tg::Var> p) { return tg::clamp(p[0], -1.0, 1.0); });
  tg::test::check_gradients(
      {tg::Tensor::row({1e300, -1e300, 800})},
      [](std::span<const tg::Var> p) { return tg::clamp(p[0], -900.0, kInf); });
}

TEST_CASE("clamp: the bounds appear in expressions and diagram bubbles") {
  tg::Tape tape;
  const tg::Var y = tg::clamp(tape.param(1.0), -1.0, 2.5);
  const tg::NodeInfo info = tape.node(y.index());
  CHECK(info.constants.size() == 2);
  const std::vector<std::string> inputs{"x"};
  CHECK(tg::op_expression(info, inputs) == "clamp(x, -1, 2.5)");
  CHECK(tg::op_bubble(info, 3) == "clamp [-1, 2.5]");
}

TEST_CASE("clamp: errors name the op and the argument") {
  tg::Tape tape;
  const tg::Var x = tape.param(1.0);
  CHECK_THROWS_WITH_AS(tg::clamp(x, 2.0, 1.0),
                       "clamp: bounds: [2, 1] is not an interval; clamp needs lo <= hi", tg::Error);
  CHECK_THROWS_WITH_AS(tg::clamp(x, NAN, 1.0),
                       "clamp: bounds: [nan, 1] is not an interval; clamp needs lo <= hi",
                       tg::Error);
  CHECK_THROWS_WITH_AS(tg::clamp(tg::Var(), 0.0, 1.0),
                       "clamp: x: empty Var (default-constructed, not from a tape)", tg::Error);
}
