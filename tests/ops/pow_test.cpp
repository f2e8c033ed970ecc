// pow: y = x^p for a constant p; dy/dx = p x^(p-1). Checked for p = 2, 3, 0.5 and -1.
#include <cmath>

#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

#include "support/op_check.hpp"

namespace tg = tapegrad;
using tg::test::near;

namespace {

// The value and gradient of sum(pow(x, p)) for a row x; checks the node records p.
tg::test::ValueGrad pow_row(std::initializer_list<double> x, double p) {
  const auto r = tg::test::value_and_grad(
      [p](const tg::Var& v) {
        const tg::Var y = tg::pow(v, p);
        CHECK(v.tape().node(y.index()).constants[0] == p);
        return y;
      },
      tg::Tensor::row(x));
  CHECK(r.op == tg::OpKind::Pow);
  return r;
}

}  // namespace

TEST_CASE("pow: p = 2 squares exactly, gradient 2x") {
  const auto r = pow_row({-3, 0.5, 4}, 2.0);
  CHECK(r.value == tg::Tensor::row({9, 0.25, 16}));
  CHECK(r.grad == tg::Tensor::row({-6, 1, 8}));
}

TEST_CASE("pow: p = 0 is 1 with gradient 0 everywhere, x = 0 included") {
  // std::pow(0, -1) is inf and 0 * inf NaN: the rule gives the derivative of the constant 1.
  const auto r = pow_row({-2, 0, 0.5, INFINITY}, 0.0);
  CHECK(r.value == tg::Tensor::row({1, 1, 1, 1}));
  CHECK(r.grad == tg::Tensor::row({0, 0, 0, 0}));
}

TEST_CASE("pow: p = 3 cubes, gradient 3x^2") {
  const auto r = pow_row({-2, 0.5, 3}, 3.0);
  CHECK(r.value == tg::Tensor::row({-8, 0.125, 27}));
  CHECK(r.grad == tg::Tensor::row({12, 0.75, 27}));
}

TEST_CASE("pow: p = 0.5 is the square root, gradient 1 / (2 sqrt(x))") {
  const auto r = pow_row({0.25, 4, 9}, 0.5);
  CHECK(r.value == tg::Tensor::row({0.5, 2, 3}));
  CHECK(r.grad(0, 0) == 1.0);
  CHECK(r.grad(0, 1) == 0.25);
  CHECK(r.grad(0, 2) == near(1.0 / 6.0, 1e-15));  // x^-0.5 = 1/3 is rounded
}

TEST_CASE("pow: p = -1 is the reciprocal, gradient -1/x^2") {
  const auto r = pow_row({-2, 0.5, 4}, -1.0);
  CHECK(r.value == tg::Tensor::row({-0.5, 2, 0.25}));
  CHECK(r.grad == tg::Tensor::row({-0.25, -4, -0.0625}));
}

TEST_CASE("pow: gradients match finite differences for p = 2, 3, 0.5, -1 at random points") {
  const tg::test::Range any{-2.0, 2.0}, positive{0.2, 3.0}, nonzero{0.5, 2.0, true};
  const struct {
    double p;
    tg::test::Range range;
  } cases[] = {{2.0, any}, {3.0, any}, {0.5, positive}, {-1.0, nonzero}, {2.5, positive}};
  for (const auto& c : cases) {
    CAPTURE(c.p);
    tg::test::check_gradients_at_random_points(
        {{{2, 3}, c.range}}, [&](std::span<const tg::Var> p) { return tg::pow(p[0], c.p); });
  }
}
