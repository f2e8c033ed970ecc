// transpose: Y = X^T; the gradient is transposed back.
#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

#include "support/op_check.hpp"

namespace tg = tapegrad;

TEST_CASE("transpose: swaps rows and columns, the gradient is the transposed weight") {
  tg::Tape tape;
  const tg::Var X = tape.param(tg::Tensor::from_rows({{1, 2, 3}, {4, 5, 6}}));
  const tg::Var Y = tg::transpose(X);
  CHECK(Y.op() == tg::OpKind::Transpose);
  CHECK(Y.value() == tg::Tensor::from_rows({{1, 4}, {2, 5}, {3, 6}}));
  CHECK(tg::transpose(tape.param(tg::Tensor::row({1, 2}))).value() == tg::Tensor::column({1, 2}));
  // J = sum(Y * W): dJ/dX = W^T.
  tape.backward(tg::sum(Y * tape.input(tg::Tensor::from_rows({{1, 2}, {3, 4}, {5, 6}}))));
  CHECK(X.grad() == tg::Tensor::from_rows({{1, 3, 5}, {2, 4, 6}}));
}

TEST_CASE("transpose: gradients match finite differences at random points") {
  for (const tg::Shape s : {tg::Shape{3, 4}, tg::Shape{1, 5}, tg::Shape{5, 1}}) {
    CAPTURE(s);
    tg::test::check_gradients_at_random_points(
        {{s, {}}}, [](std::span<const tg::Var> p) { return tg::transpose(p[0]); }, 2);
  }
}
