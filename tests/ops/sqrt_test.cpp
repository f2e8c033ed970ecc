// sqrt: y = √x; dy/dx = 1 / (2y), +inf at x = 0; x < 0 gives NaN.
#include <cmath>
#include <limits>

#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

#include "support/op_check.hpp"

namespace tg = tapegrad;
using tg::test::near;

namespace {
tg::Var sqrt_of(const tg::Var& x) { return tg::sqrt(x); }
}  // namespace

TEST_CASE("sqrt: √x with gradient 1 / (2√x)") {
  const auto r = tg::test::value_and_grad(sqrt_of, tg::Tensor::row({0.25, 4, 2, 1e300}));
  CHECK(r.op == tg::OpKind::Sqrt);
  CHECK(r.value == tg::Tensor::row({0.5, 2, std::sqrt(2.0), 1e150}));
  CHECK(r.grad == near(tg::Tensor::row({1, 0.25, 0.5 / std::sqrt(2.0), 0.5e-150}), 1e-15));
}

TEST_CASE("sqrt: at 0 and -0 the derivative is +inf, x < 0 gives NaN") {
  const double inf = std::numeric_limits<double>::infinity();
  const auto r = tg::test::value_and_grad(sqrt_of, tg::Tensor::row({0.0, -1.0, inf, -0.0}));
  CHECK(r.value(0, 0) == 0.0);
  CHECK(r.grad(0, 0) == inf);
  CHECK(r.value(0, 3) == 0.0);
  CHECK(std::signbit(r.value(0, 3)));  // std::sqrt(-0) = -0
  CHECK(r.grad(0, 3) == inf);          // +inf at either zero
  CHECK(std::isnan(r.value(0, 1)));
  CHECK(std::isnan(r.grad(0, 1)));
  CHECK(r.value(0, 2) == inf);
  CHECK(r.grad(0, 2) == 0.0);
}

TEST_CASE("sqrt: gradients match finite differences at random points and at 1e-300, 1e300") {
  tg::test::check_gradients_at_random_points(
      {{{3, 4}, {0.05, 5.0}}}, [](std::span<const tg::Var> p) { return tg::sqrt(p[0]); });
  tg::test::check_gradients({tg::Tensor::row({1e300, 800, 1e-6})},
                            [](std::span<const tg::Var> p) { return tg::sqrt(p[0]); });
}

TEST_CASE("sqrt: errors name the op and the argument") {
  CHECK_THROWS_WITH_AS(tg::sqrt(tg::Var()),
                       "sqrt: x: empty Var (default-constructed, not from a tape)", tg::Error);
}
