// exp: y = e^x; dy/dx = e^x.
#include <numbers>

#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

#include "support/op_check.hpp"

namespace tg = tapegrad;
using tg::test::near;

TEST_CASE("exp: e^0 = 1, e^1 = e, e^-1 = 1/e, and the gradient equals the value") {
  const auto r = tg::test::value_and_grad([](const tg::Var& x) { return tg::exp(x); },
                                          tg::Tensor::row({0, 1, -1}));
  CHECK(r.op == tg::OpKind::Exp);
  const tg::Tensor expected = tg::Tensor::row({1, std::numbers::e, 1 / std::numbers::e});
  CHECK(r.value == near(expected, 1e-15));
  CHECK(r.grad == near(expected, 1e-15));
}

TEST_CASE("exp: gradients match finite differences at random points") {
  tg::test::check_gradients_at_random_points(
      {{{2, 3}, {-3.0, 3.0}}}, [](std::span<const tg::Var> p) { return tg::exp(p[0]); });
}
