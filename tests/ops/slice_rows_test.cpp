// slice_rows: rows begin..end-1 of x; the gradient goes back to those rows, 0 to the others.
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

#include "support/op_check.hpp"

namespace tg = tapegrad;

TEST_CASE("slice_rows: values, gradients, expression") {
  tg::Tape tape;
  const tg::Var x = tape.param(tg::Tensor::from_rows({{1, 2}, {3, 4}, {5, 6}, {7, 8}}));
  const tg::Var y = tg::slice_rows(x, 1, 3);
  CHECK(y.op() == tg::OpKind::SliceRows);
  CHECK(y.value() == tg::Tensor::from_rows({{3, 4}, {5, 6}}));
  CHECK(tg::slice_rows(x, 0, 4).value() == x.value().to_tensor());
  CHECK(tg::slice_rows(x, 3, 4).value() == tg::Tensor::row({7, 8}));
  tape.backward(tg::sum(y * tape.input(tg::Tensor::from_rows({{1, 2}, {3, 4}}))));
  CHECK(x.grad() == tg::Tensor::from_rows({{0, 0}, {1, 2}, {3, 4}, {0, 0}}));
  const std::vector<std::string> inputs{"x"};
  CHECK(tg::op_expression(tape.node(y.index()), inputs) == "slice_rows(x, 1, 3)");
  CHECK(tg::op_bubble(tape.node(y.index()), 3) == "rows 1:3");
}

TEST_CASE("slice_rows: gradients match finite differences at random points and edge values") {
  tg::test::check_gradients_at_random_points(
      {{{5, 3}, {}}}, [](std::span<const tg::Var> p) { return tg::slice_rows(p[0], 1, 4); });
  tg::test::check_gradients({tg::Tensor::column({1e300, -800, -1e300})},
                            [](std::span<const tg::Var> p) { return tg::slice_rows(p[0], 0, 2); });
}

TEST_CASE("slice_rows: errors name the op and the argument") {
  tg::Tape tape;
  const tg::Var x = tape.param(tg::Tensor(4, 2, 0.0));
  CHECK_THROWS_WITH_AS(tg::slice_rows(x, 2, 2),
                       "slice_rows: range: [2, 2) is empty; x has rows 0..3", tg::Error);
  CHECK_THROWS_WITH_AS(tg::slice_rows(x, 3, 1),
                       "slice_rows: range: [3, 1) is empty; x has rows 0..3", tg::Error);
  CHECK_THROWS_WITH_AS(tg::slice_rows(x, 2, 5),
                       "slice_rows: range: [2, 5) is out of range; x has rows 0..3", tg::Error);
  CHECK_THROWS_WITH_AS(tg::slice_rows(tg::Var(), 0, 1),
                       "slice_rows: x: empty Var (default-constructed, not from a tape)",
                       tg::Error);
}
