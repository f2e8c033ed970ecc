// log: y = ln x; dy/dx = 1/x. log 0 = -inf and log of a negative number is NaN, as IEEE.
#include <cmath>
#include <numbers>

#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

#include "support/op_check.hpp"

namespace tg = tapegrad;
using tg::test::near;

namespace {
tg::Var log_of(const tg::Var& x) { return tg::log(x); }
}  // namespace

TEST_CASE("log: ln 1 = 0, ln e = 1, ln 8 = 3 ln 2, ln 1/2 = -ln 2, gradient 1/x") {
  const auto r = tg::test::value_and_grad(log_of, tg::Tensor::row({1, std::numbers::e, 8, 0.5}));
  CHECK(r.op == tg::OpKind::Log);
  CHECK(r.value(0, 0) == 0.0);
  CHECK(r.value == near(tg::Tensor::row({0, 1, 3 * std::numbers::ln2, -std::numbers::ln2}), 1e-15));
  CHECK(r.grad == tg::Tensor::row({1, 1 / std::numbers::e, 0.125, 2}));
}

TEST_CASE(
    "log: near 0 (x = 1e-8) the value is -8 ln 10 and the gradient 1e8, matching finite "
    "differences") {
  const auto r = tg::test::value_and_grad(log_of, tg::Tensor(1e-8));
  CHECK(r.value.item() == near(-8.0 * std::numbers::ln10, 1e-15));
  CHECK(r.grad.item() == near(1e8, 1e-15));
  // The default step (1e-6) would cross 0; 1e-12 keeps x +- h positive.
  tg::test::check_gradients({tg::Tensor::row({1e-8, 3e-8, 1e-7})},
                            [](std::span<const tg::Var> p) { return tg::log(p[0]); },
                            {.step = 1e-12});
}

TEST_CASE("log: log 0 = -inf with gradient +inf, log of a negative number is NaN") {
  const auto r = tg::test::value_and_grad(log_of, tg::Tensor::row({0.0, -1.0}));
  CHECK(r.value(0, 0) == -INFINITY);
  CHECK(std::isnan(r.value(0, 1)));
  CHECK(r.grad(0, 0) == INFINITY);
}

TEST_CASE("log: gradients match finite differences at random points") {
  tg::test::check_gradients_at_random_points(
      {{{2, 3}, {0.1, 5.0}}}, [](std::span<const tg::Var> p) { return tg::log(p[0]); });
}
