// abs: y = |x|; dy/dx = sign(x), taken as 0 at x = 0 (and for NaN, whose value stays NaN).
#include <cmath>
#include <limits>

#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

#include "support/op_check.hpp"

namespace tg = tapegrad;

namespace {
tg::Var abs_of(const tg::Var& x) { return tg::abs(x); }
}  // namespace

TEST_CASE("abs: |x| with gradient sign(x)") {
  const double inf = std::numeric_limits<double>::infinity();
  const auto r = tg::test::value_and_grad(abs_of, tg::Tensor::row({-2.5, 3, -1e-300, 1e300, -inf}));
  CHECK(r.op == tg::OpKind::Abs);
  CHECK(r.value == tg::Tensor::row({2.5, 3, 1e-300, 1e300, inf}));
  CHECK(r.grad == tg::Tensor::row({-1, 1, -1, 1, -1}));
}

TEST_CASE("abs: the derivative at 0 (and -0) is documented as 0, NaN stays NaN") {
  const auto r = tg::test::value_and_grad(abs_of, tg::Tensor::row({0.0, -0.0, NAN}));
  CHECK(r.value(0, 0) == 0.0);
  CHECK_FALSE(std::signbit(r.value(0, 1)));
  CHECK(std::isnan(r.value(0, 2)));
  CHECK(r.grad == tg::Tensor::row({0, 0, 0}));
}

TEST_CASE("abs: gradients match finite differences at random points away from 0 and at +-1e300") {
  tg::test::check_gradients_at_random_points(
      {{{3, 4}, {0.05, 3.0, /*either_sign=*/true}}},
      [](std::span<const tg::Var> p) { return tg::abs(p[0]); });
  tg::test::check_gradients({tg::Tensor::row({1e300, -1e300, -800})},
                            [](std::span<const tg::Var> p) { return tg::abs(p[0]); });
}

TEST_CASE("abs: errors name the op and the argument") {
  CHECK_THROWS_WITH_AS(tg::abs(tg::Var()),
                       "abs: x: empty Var (default-constructed, not from a tape)", tg::Error);
}
