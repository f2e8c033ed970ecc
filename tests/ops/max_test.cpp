// max: the largest element, whole (1x1) or along axis 0 (over rows) / 1 (over columns); the
// gradient goes to the arg-max, among ties the first in row-major order along the reduced axis;
// a slice with NaN gives NaN and its gradient goes to the first NaN.
#include <cmath>
#include <limits>

#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

#include "support/op_check.hpp"

namespace tg = tapegrad;

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
tg::Var max_along(const tg::Var& x, int axis) { return axis < 0 ? tg::max(x) : tg::max(x, axis); }
const tg::Tensor kX = tg::Tensor::from_rows({{1, -2, 3}, {5, 0.5, -7}});
}  // namespace

TEST_CASE("max: whole tensor, axis 0 and axis 1 values and shapes") {
  tg::Tape tape;
  const tg::Var x = tape.param(kX);
  CHECK(tg::max(x).op() == tg::OpKind::Max);
  CHECK(tg::max(x).value() == tg::Tensor(5.0));
  CHECK(tg::max(x, 0).value() == tg::Tensor::row({5, 0.5, 3}));
  CHECK(tg::max(x, 1).value() == tg::Tensor::column({3, 5}));
}

TEST_CASE("max: the gradient goes to the arg-max of each slice") {
  CHECK(tg::test::reduction_grad(max_along, kX, -1, tg::Tensor(2.5)) ==
        tg::Tensor::from_rows({{0, 0, 0}, {2.5, 0, 0}}));
  CHECK(tg::test::reduction_grad(max_along, kX, 0, tg::Tensor::row({1, -2, 3})) ==
        tg::Tensor::from_rows({{0, 0, 3}, {1, -2, 0}}));
  CHECK(tg::test::reduction_grad(max_along, kX, 1, tg::Tensor::column({-1, 4})) ==
        tg::Tensor::from_rows({{0, 0, -1}, {4, 0, 0}}));
}

TEST_CASE("max: ties send the gradient to the first largest element in row-major order") {
  const tg::Tensor x = tg::Tensor::from_rows({{1, 3, 3}, {3, 2, 3}});
  CHECK(tg::test::reduction_grad(max_along, x, -1, tg::Tensor(1.0)) ==
        tg::Tensor::from_rows({{0, 1, 0}, {0, 0, 0}}));
  // along axis 0: the topmost of each column; along axis 1: the leftmost of each row
  CHECK(tg::test::reduction_grad(max_along, x, 0, tg::Tensor::row({1, 2, 3})) ==
        tg::Tensor::from_rows({{0, 2, 3}, {1, 0, 0}}));
  CHECK(tg::test::reduction_grad(max_along, x, 1, tg::Tensor::column({1, 2})) ==
        tg::Tensor::from_rows({{0, 1, 0}, {2, 0, 0}}));
  // all equal, infinities included
  CHECK(tg::test::reduction_grad(max_along, tg::Tensor(2, 2, -kInf), -1, tg::Tensor(1.0)) ==
        tg::Tensor::from_rows({{1, 0}, {0, 0}}));
  CHECK(tg::test::reduction_grad(max_along, tg::Tensor::row({kInf, 1, kInf}), 1, tg::Tensor(1.0)) ==
        tg::Tensor::row({1, 0, 0}));
}

TEST_CASE("max: a NaN gives NaN, and the gradient goes to the first NaN") {
  tg::Tape tape;
  const tg::Var x = tape.param(tg::Tensor::from_rows({{1, NAN, 7}, {2, 3, NAN}}));
  CHECK(std::isnan(tg::max(x).item()));
  const tg::Var m = tg::max(x, 1);
  CHECK(std::isnan(m.value()[0]));
  CHECK(std::isnan(m.value()[1]));
  tape.backward(tg::sum(m * tape.input(tg::Tensor::column({1, 2}))));
  CHECK(x.grad() == tg::Tensor::from_rows({{0, 1, 0}, {0, 0, 2}}));
  // along axis 0 only the columns with a NaN are NaN
  const tg::Var c = tg::max(x, 0);
  CHECK(c.value()[0] == 2.0);
  CHECK(std::isnan(c.value()[1]));
}

TEST_CASE("max: gradients match finite differences at random points, whole and both axes") {
  tg::test::check_reduction_at_random_points(max_along);
}

TEST_CASE("max: gradients match finite differences at edge values: near-ties, +-800, +-1e300") {
  // 1e-3 apart: further than the step, so the arg-max is the same on both sides of it
  tg::test::check_gradients({tg::Tensor::from_rows({{1, 1.001, 0.999}, {-800, 800, 799.9}})},
                            [](std::span<const tg::Var> p) { return tg::max(p[0], 1); });
  tg::test::check_gradients({tg::Tensor::from_rows({{1e300, -1e300}, {-1e300, 1e299}})},
                            [](std::span<const tg::Var> p) { return tg::max(p[0], 0); });
}

TEST_CASE("max: errors name the op and the argument") {
  tg::Tape tape;
  const tg::Var x = tape.param(kX);
  CHECK_THROWS_WITH_AS(tg::max(x, 2), "max: axis: 2 is neither 0 (over rows) nor 1 (over columns)",
                       tg::Error);
  CHECK_THROWS_WITH_AS(tg::max(tg::Var()),
                       "max: x: empty Var (default-constructed, not from a tape)", tg::Error);
}
