// tanh: y = tanh x; dy/dx = 1 - y^2.
#include <cmath>
#include <numbers>

#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

#include "support/op_check.hpp"

namespace tg = tapegrad;
using tg::test::near;

namespace {
tg::Var tanh_of(const tg::Var& x) { return tg::tanh(x); }
}  // namespace

TEST_CASE("tanh: tanh 0 = 0, tanh(+-ln 2) = +-3/5, gradient 1 - tanh^2, +-1 and 0 at +-inf") {
  const double ln2 = std::numbers::ln2;
  const auto r =
      tg::test::value_and_grad(tanh_of, tg::Tensor::row({0, ln2, -ln2, INFINITY, -INFINITY}));
  CHECK(r.op == tg::OpKind::Tanh);
  CHECK(r.value(0, 0) == 0.0);
  CHECK(r.grad(0, 0) == 1.0);
  CHECK(r.value == near(tg::Tensor::row({0, 0.6, -0.6, 1, -1}), 1e-15));
  CHECK(r.grad == near(tg::Tensor::row({1, 0.64, 0.64, 0, 0}), 1e-15));
}

TEST_CASE("tanh: gradients match finite differences at random points") {
  tg::test::check_gradients_at_random_points(
      {{{2, 3}, {-3.0, 3.0}}}, [](std::span<const tg::Var> p) { return tg::tanh(p[0]); });
}
