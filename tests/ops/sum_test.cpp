// sum: of all elements (1x1), over rows (axis 0, 1 x cols) or over columns (axis 1, rows x 1);
// the gradient broadcasts back over the reduced axis with factor 1.
#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

#include "support/op_check.hpp"

namespace tg = tapegrad;

namespace {
const tg::Tensor kX = tg::Tensor::from_rows({{1, 2, 3, 4}, {5, 6, 7, 8}});
tg::Var sum_along(const tg::Var& x, int axis) { return axis < 0 ? tg::sum(x) : tg::sum(x, axis); }
}  // namespace

TEST_CASE("sum: whole tensor, axis 0 and axis 1 values and shapes") {
  tg::Tape tape;
  const tg::Var x = tape.param(kX);
  CHECK(tg::sum(x).op() == tg::OpKind::Sum);
  CHECK(tg::sum(x).value() == tg::Tensor(36.0));
  CHECK(tg::sum(x, 0).value() == tg::Tensor::row({6, 8, 10, 12}));
  CHECK(tg::sum(x, 1).value() == tg::Tensor::column({10, 26}));
}

TEST_CASE("sum: gradients broadcast the output gradient back over the reduced axis") {
  // Whole: every element gets dJ/dsum. Axis 0: element (i, j) gets the weight of column j.
  // Axis 1: element (i, j) gets the weight of row i.
  CHECK(tg::test::reduction_grad(sum_along, kX, -1, tg::Tensor(2.5)) == tg::Tensor(2, 4, 2.5));
  CHECK(tg::test::reduction_grad(sum_along, kX, 0, tg::Tensor::row({1, -2, 0.5, 3})) ==
        tg::Tensor::from_rows({{1, -2, 0.5, 3}, {1, -2, 0.5, 3}}));
  CHECK(tg::test::reduction_grad(sum_along, kX, 1, tg::Tensor::column({-1, 4})) ==
        tg::Tensor::from_rows({{-1, -1, -1, -1}, {4, 4, 4, 4}}));
}

TEST_CASE("sum: gradients match finite differences at random points, whole and both axes") {
  tg::test::check_reduction_at_random_points(sum_along);
}
