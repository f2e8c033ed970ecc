// mse: J = (1/N) sum (a - y)^2 over all elements of equal-shaped a and y; dJ/da = 2 (a - y)/N,
// dJ/dy = -2 (a - y)/N.
#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

#include "support/op_check.hpp"

namespace tg = tapegrad;

TEST_CASE("mse: mean of squared differences, gradients 2(a - y)/N and -2(a - y)/N") {
  tg::Tape tape;
  const tg::Var a = tape.param(tg::Tensor::from_rows({{1, 2}, {3, 5}}));
  const tg::Var y = tape.param(tg::Tensor::from_rows({{0, 4}, {3, -1}}));
  const tg::Var J = tg::mse(a, y);
  CHECK(J.op() == tg::OpKind::Mse);
  CHECK(J.shape() == tg::Shape{1, 1});
  CHECK(J.item() == (1.0 + 4.0 + 0.0 + 36.0) / 4.0);
  tape.backward(J);
  CHECK(a.grad() == tg::Tensor::from_rows({{0.5, -1}, {0, 3}}));
  CHECK(y.grad() == tg::Tensor::from_rows({{-0.5, 1}, {0, -3}}));
}

TEST_CASE("mse: of a value with itself is 0 with gradient 0") {
  tg::Tape tape;
  const tg::Var a = tape.param(tg::Tensor::row({1.5, -2}));
  const tg::Var J = tg::mse(a, a);
  CHECK(J.item() == 0.0);
  tape.backward(J);
  CHECK(a.grad() == tg::Tensor::row({0, 0}));
}

TEST_CASE("mse: gradients match finite differences at random points") {
  tg::test::check_gradients_at_random_points(
      {{{3, 2}, {}}, {{3, 2}, {}}}, [](std::span<const tg::Var> p) { return tg::mse(p[0], p[1]); });
  tg::test::check_gradients_at_random_points({{{1, 5}, {}}}, [](std::span<const tg::Var> p) {
    return tg::mse(p[0], p[0].tape().input(tg::Tensor::row({1, 2, 3, 4, 5})));
  });
}
