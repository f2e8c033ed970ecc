// mean: of all elements (1x1), over rows (axis 0, 1 x cols) or over columns (axis 1, rows x 1);
// the gradient broadcasts back over the reduced axis with factor 1/k, k the reduced length.
#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

#include "support/op_check.hpp"

namespace tg = tapegrad;

namespace {
// 2 x 4: every count (8, 2, 4) is a power of two, so every mean below is exact.
const tg::Tensor kX = tg::Tensor::from_rows({{1, 2, 3, 4}, {5, 6, 7, 9}});
tg::Var mean_along(const tg::Var& x, int axis) {
  return axis < 0 ? tg::mean(x) : tg::mean(x, axis);
}
}  // namespace

TEST_CASE("mean: whole tensor, axis 0 and axis 1 values and shapes") {
  tg::Tape tape;
  const tg::Var x = tape.param(kX);
  CHECK(tg::mean(x).op() == tg::OpKind::Mean);
  CHECK(tg::mean(x).value() == tg::Tensor(37.0 / 8.0));
  CHECK(tg::mean(x, 0).value() == tg::Tensor::row({3, 4, 5, 6.5}));
  CHECK(tg::mean(x, 1).value() == tg::Tensor::column({2.5, 6.75}));
}

TEST_CASE("mean: gradients are the output gradient over the reduced length") {
  // Whole: dJ/dmean / 8 each. Axis 0: the weight of column j / 2. Axis 1: the weight of row i / 4.
  CHECK(tg::test::reduction_grad(mean_along, kX, -1, tg::Tensor(1.0)) == tg::Tensor(2, 4, 0.125));
  CHECK(tg::test::reduction_grad(mean_along, kX, 0, tg::Tensor::row({1, -2, 0.5, 3})) ==
        tg::Tensor::from_rows({{0.5, -1, 0.25, 1.5}, {0.5, -1, 0.25, 1.5}}));
  CHECK(tg::test::reduction_grad(mean_along, kX, 1, tg::Tensor::column({-1, 4})) ==
        tg::Tensor::from_rows({{-0.25, -0.25, -0.25, -0.25}, {1, 1, 1, 1}}));
}

TEST_CASE("mean: gradients match finite differences at random points, whole and both axes") {
  tg::test::check_reduction_at_random_points(mean_along);
}
