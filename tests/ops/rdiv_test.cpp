// rdiv: y = c / x for a constant c; dy/dx = -c / x^2.
#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

#include "support/op_check.hpp"

namespace tg = tapegrad;

TEST_CASE("rdiv: c / x records one rdiv node, value c / x, gradient -c / x^2") {
  const auto r = tg::test::value_and_grad(
      [](const tg::Var& x) {
        const tg::Var y = 3.0 / x;
        CHECK(x.tape().size() == 2);
        CHECK(x.tape().node(y.index()).constants[0] == 3.0);
        return y;
      },
      tg::Tensor::row({4, -0.5, 2}));
  CHECK(r.op == tg::OpKind::RDiv);
  CHECK(r.value == tg::Tensor::row({0.75, -6, 1.5}));
  CHECK(r.grad == tg::Tensor::row({-0.1875, -12, -0.75}));
}

TEST_CASE("rdiv: gradients match finite differences at random points") {
  tg::test::check_gradients_at_random_points(
      {{{2, 3}, {0.5, 2.0, /*either_sign=*/true}}},
      [](std::span<const tg::Var> p) { return -1.5 / p[0]; });
}
