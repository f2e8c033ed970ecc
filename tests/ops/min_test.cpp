// min: the smallest element, whole (1x1) or along axis 0 (over rows) / 1 (over columns); the
// gradient goes to the arg-min, among ties the first in row-major order along the reduced axis;
// a slice with NaN gives NaN and its gradient goes to the first NaN.
#include <cmath>
#include <limits>

#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

#include "support/op_check.hpp"

namespace tg = tapegrad;

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
tg::Var min_along(const tg::Var& x, int axis) { return axis < 0 ? tg::min(x) : tg::min(x, axis); }
const tg::Tensor kX = tg::Tensor::from_rows({{1, -2, 3}, {5, 0.5, -7}});
}  // namespace

TEST_CASE("min: whole tensor, axis 0 and axis 1 values and shapes") {
  tg::Tape tape;
  const tg::Var x = tape.param(kX);
  CHECK(tg::min(x).op() == tg::OpKind::Min);
  CHECK(tg::min(x).value() == tg::Tensor(-7.0));
  CHECK(tg::min(x, 0).value() == tg::Tensor::row({1, -2, -7}));
  CHECK(tg::min(x, 1).value() == tg::Tensor::column({-2, -7}));
}

TEST_CASE("min: the gradient goes to the arg-min of each slice") {
  CHECK(tg::test::reduction_grad(min_along, kX, -1, tg::Tensor(2.5)) ==
        tg::Tensor::from_rows({{0, 0, 0}, {0, 0, 2.5}}));
  CHECK(tg::test::reduction_grad(min_along, kX, 0, tg::Tensor::row({1, -2, 3})) ==
        tg::Tensor::from_rows({{1, -2, 0}, {0, 0, 3}}));
  CHECK(tg::test::reduction_grad(min_along, kX, 1, tg::Tensor::column({-1, 4})) ==
        tg::Tensor::from_rows({{0, -1, 0}, {0, 0, 4}}));
}

TEST_CASE("min: ties send the gradient to the first smallest element in row-major order") {
  const tg::Tensor x = tg::Tensor::from_rows({{4, 1, 1}, {1, 2, 1}});
  CHECK(tg::test::reduction_grad(min_along, x, -1, tg::Tensor(1.0)) ==
        tg::Tensor::from_rows({{0, 1, 0}, {0, 0, 0}}));
  // along axis 0: the topmost of each column; along axis 1: the leftmost of each row
  CHECK(tg::test::reduction_grad(min_along, x, 0, tg::Tensor::row({1, 2, 3})) ==
        tg::Tensor::from_rows({{0, 2, 3}, {1, 0, 0}}));
  CHECK(tg::test::reduction_grad(min_along, x, 1, tg::Tensor::column({1, 2})) ==
        tg::Tensor::from_rows({{0, 1, 0}, {2, 0, 0}}));
  CHECK(tg::test::reduction_grad(min_along, tg::Tensor(2, 2, kInf), -1, tg::Tensor(1.0)) ==
        tg::Tensor::from_rows({{1, 0}, {0, 0}}));
  CHECK(tg::test::reduction_grad(min_along, tg::Tensor::row({-kInf, 1, -kInf}), 1,
                                 tg::Tensor(1.0)) == tg::Tensor::row({1, 0, 0}));
}

TEST_CASE("min: a NaN gives NaN, and the gradient goes to the first NaN") {
  tg::Tape tape;
  const tg::Var x = tape.param(tg::Tensor::from_rows({{1, NAN, -7}, {2, 3, NAN}}));
  CHECK(std::isnan(tg::min(x).item()));
  const tg::Var m = tg::min(x, 1);
  CHECK(std::isnan(m.value()[0]));
  CHECK(std::isnan(m.value()[1]));
  tape.backward(tg::sum(m * tape.input(tg::Tensor::column({1, 2}))));
  CHECK(x.grad() == tg::Tensor::from_rows({{0, 1, 0}, {0, 0, 2}}));
}

TEST_CASE("min: gradients match finite differences at random points, whole and both axes") {
  tg::test::check_reduction_at_random_points(min_along);
}

TEST_CASE("min: gradients match finite differences at edge values: near-ties, +-800, +-1e300") {
  tg::test::check_gradients({tg::Tensor::from_rows({{1, 1.001, 0.999}, {-800, 800, -799.9}})},
                            [](std::span<const tg::Var> p) { return tg::min(p[0], 1); });
  tg::test::check_gradients({tg::Tensor::from_rows({{1e300, -1e300}, {-1e300, 1e299}})},
                            [](std::span<const tg::Var> p) { return tg::min(p[0], 0); });
}

TEST_CASE("min: errors name the op and the argument") {
  tg::Tape tape;
  const tg::Var x = tape.param(kX);
  CHECK_THROWS_WITH_AS(tg::min(x, -1),
                       "min: axis: -1 is neither 0 (over rows) nor 1 (over columns)", tg::Error);
  CHECK_THROWS_WITH_AS(tg::min(tg::Var()),
                       "min: x: empty Var (default-constructed, not from a tape)", tg::Error);
}
