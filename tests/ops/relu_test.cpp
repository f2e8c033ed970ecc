// relu: y = max(x, 0); dy/dx = 1 for x > 0, else 0 (0 at the kink, by definition).
#include <cmath>

#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

#include "support/op_check.hpp"

namespace tg = tapegrad;

namespace {
tg::Var relu_of(const tg::Var& x) { return tg::relu(x); }
}  // namespace

TEST_CASE("relu: max(x, 0) with gradient 1 above 0 and 0 below") {
  const auto r = tg::test::value_and_grad(relu_of, tg::Tensor::row({-1.5, 2.5, -1e-300, 1e-300}));
  CHECK(r.op == tg::OpKind::Relu);
  CHECK(r.value == tg::Tensor::row({0, 2.5, 0, 1e-300}));
  CHECK(r.grad == tg::Tensor::row({0, 1, 0, 1}));
}

TEST_CASE("relu: the derivative at the kink x = 0 is documented as 0, and NaN stays NaN") {
  const auto r = tg::test::value_and_grad(relu_of, tg::Tensor::row({0.0, -0.0, NAN}));
  CHECK(r.value(0, 0) == 0.0);
  CHECK(r.value(0, 1) == 0.0);
  CHECK(std::isnan(r.value(0, 2)));
  CHECK(r.grad(0, 0) == 0.0);
  CHECK(r.grad(0, 1) == 0.0);
}

TEST_CASE("relu: gradients match finite differences at random points away from the kink") {
  tg::test::check_gradients_at_random_points(
      {{{3, 4}, {0.05, 2.0, /*either_sign=*/true}}},
      [](std::span<const tg::Var> p) { return tg::relu(p[0]); });
}
