// where: y = mask != 0 ? a : b element-wise, the three broadcasting together; the gradient goes to
// a where the mask is non-zero (NaN included) and to b elsewhere, none to the mask.
#include <cmath>
#include <string>

#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

#include "support/op_check.hpp"

namespace tg = tapegrad;

TEST_CASE("where: values and gradients follow the mask") {
  tg::Tape tape;
  const tg::Var mask = tape.input(tg::Tensor::from_rows({{1, 0, -2}, {0, NAN, 0}}));
  const tg::Var a = tape.param(tg::Tensor::from_rows({{1, 2, 3}, {4, 5, 6}}));
  const tg::Var b = tape.param(tg::Tensor::from_rows({{-1, -2, -3}, {-4, -5, -6}}));
  const tg::Var y = tg::where(mask, a, b);
  CHECK(y.op() == tg::OpKind::Where);
  // -2 and NaN are non-zero: they take a
  CHECK(y.value() == tg::Tensor::from_rows({{1, -2, 3}, {-4, 5, -6}}));
  tape.backward(tg::sum(y * tape.input(tg::Tensor::from_rows({{1, 2, 3}, {4, 5, 6}}))));
  CHECK(a.grad() == tg::Tensor::from_rows({{1, 0, 3}, {0, 5, 0}}));
  CHECK(b.grad() == tg::Tensor::from_rows({{0, 2, 0}, {4, 0, 6}}));
}

TEST_CASE("where: mask, a and b broadcast together, gradients sum over broadcast axes") {
  tg::Tape tape;
  const tg::Var mask = tape.input(tg::Tensor::column({1, 0}));  // 2x1
  const tg::Var a = tape.param(tg::Tensor::row({1, 2, 3}));     // 1x3
  const tg::Var b = tape.param(tg::Tensor(-1.0));               // 1x1
  const tg::Var y = tg::where(mask, a, b);
  CHECK(y.shape() == tg::Shape{2, 3});
  CHECK(y.value() == tg::Tensor::from_rows({{1, 2, 3}, {-1, -1, -1}}));
  tape.backward(tg::sum(y));
  CHECK(a.grad() == tg::Tensor::row({1, 1, 1}));
  CHECK(b.grad() == tg::Tensor(3.0));
}

TEST_CASE("where: gradients match finite differences at random points, broadcast shapes too") {
  const tg::Tensor mask = tg::Tensor::from_rows({{1, 0, 0, 1}, {0, 1, 1, 0}, {1, 1, 0, 0}});
  tg::test::check_gradients_at_random_points(
      {{{3, 4}, {}}, {{3, 4}, {}}},
      [&](std::span<const tg::Var> p) { return tg::where(p[0].tape().input(mask), p[0], p[1]); });
  // a is a row, b a column, the mask a full matrix
  tg::test::check_gradients_at_random_points(
      {{{1, 4}, {}}, {{3, 1}, {}}},
      [&](std::span<const tg::Var> p) { return tg::where(p[0].tape().input(mask), p[0], p[1]); });
  // edge values pass through unchanged
  tg::test::check_gradients(
      {tg::Tensor::row({1e300, -800, 3}), tg::Tensor::row({-1e300, 800, 0})},
      [](std::span<const tg::Var> p) {
        return tg::where(p[0].tape().input(tg::Tensor::row({1, 0, 1})), p[0], p[1]);
      });
}

TEST_CASE("where: errors name the op and the argument") {
  tg::Tape tape, other;
  const tg::Var m = tape.input(tg::Tensor(2, 3, 1.0));
  const tg::Var a = tape.param(tg::Tensor(2, 3, 0.0));
  CHECK_THROWS_WITH_AS(tg::where(m, a, tape.param(tg::Tensor(3, 2, 0.0))),
                       "where: shapes: 2x3 and 3x2 cannot be broadcast together", tg::Error);
  CHECK_THROWS_WITH_AS(tg::where(tape.input(tg::Tensor(3, 1, 1.0)), a, a),
                       "where: shapes: 3x1 and 2x3 cannot be broadcast together", tg::Error);
  CHECK_THROWS_WITH_AS(tg::where(m, a, other.param(tg::Tensor(2, 3, 0.0))),
                       "where: inputs: the Vars belong to different tapes", tg::Error);
  CHECK_THROWS_WITH_AS(tg::where(tg::Var(), a, a),
                       "where: mask: empty Var (default-constructed, not from a tape)", tg::Error);
}
