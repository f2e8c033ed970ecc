// concat: values stacked top to bottom (axis 0) or side by side (axis 1), any number of inputs;
// each input gets its block of the gradient back.
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

#include "support/op_check.hpp"

namespace tg = tapegrad;

TEST_CASE("concat: axis 0 stacks, axis 1 joins side by side, gradients split back by block") {
  tg::Tape tape;
  const tg::Var a = tape.param(tg::Tensor::from_rows({{1, 2}, {3, 4}}));
  const tg::Var b = tape.param(tg::Tensor::row({5, 6}));
  const tg::Var c = tape.param(tg::Tensor::column({7, 8}));
  const tg::Var rows = tg::concat({a, b}, 0);
  CHECK(rows.op() == tg::OpKind::Concat);
  CHECK(rows.value() == tg::Tensor::from_rows({{1, 2}, {3, 4}, {5, 6}}));
  CHECK(tg::concat({a, b}).value() == rows.value().to_tensor());  // axis 0 is the default
  const tg::Var cols = tg::concat({a, c, a}, 1);
  CHECK(cols.value() == tg::Tensor::from_rows({{1, 2, 7, 1, 2}, {3, 4, 8, 3, 4}}));
  CHECK(tape.node(cols.index()).axis == 1);
  CHECK(tape.node(cols.index()).input_count == 3);
  const std::vector<std::string> inputs{"a", "c", "a"};
  CHECK(tg::op_expression(tape.node(cols.index()), inputs) == "concat(a, c, a, axis=1)");
  tape.backward(
      tg::sum(rows * tape.input(tg::Tensor::from_rows({{1, 2}, {3, 4}, {5, 6}}))) +
      tg::sum(cols * tape.input(tg::Tensor::from_rows({{1, 1, 2, 3, 3}, {1, 1, 4, 3, 3}}))));
  // a appears three times: 1x its rows-weights, and 1 + 3 from the two copies in cols
  CHECK(a.grad() == tg::Tensor::from_rows({{5, 6}, {7, 8}}));
  CHECK(b.grad() == tg::Tensor::row({5, 6}));
  CHECK(c.grad() == tg::Tensor::column({2, 4}));
  // one input: a copy
  CHECK(tg::concat({b}, 1).value() == tg::Tensor::row({5, 6}));
}

TEST_CASE("concat: gradients match finite differences at random points along both axes") {
  tg::test::check_gradients_at_random_points({{{2, 3}, {}}, {{1, 3}, {}}, {{3, 3}, {}}},
                                             [](std::span<const tg::Var> p) {
                                               return tg::concat({p[0], p[1], p[2]}, 0);
                                             });
  tg::test::check_gradients_at_random_points(
      {{{3, 2}, {}}, {{3, 1}, {}}, {{3, 3}, {}}},
      [](std::span<const tg::Var> p) { return tg::concat(p, 1); });
  tg::test::check_gradients({tg::Tensor::row({1e300, -800}), tg::Tensor::row({-1e300, 1e-300})},
                            [](std::span<const tg::Var> p) { return tg::concat(p, 0); });
}

TEST_CASE("concat: errors name the op and the argument") {
  tg::Tape tape, other;
  const tg::Var a = tape.param(tg::Tensor(2, 3, 0.0));
  const tg::Var b = tape.param(tg::Tensor(3, 2, 0.0));
  CHECK_THROWS_WITH_AS(tg::concat({a, b}, 0),
                       "concat: shapes: input 1 is 3x2, input 0 has 3 columns; axis 0 needs equal "
                       "columns",
                       tg::Error);
  CHECK_THROWS_WITH_AS(
      tg::concat({a, a, b}, 1),
      "concat: shapes: input 2 is 3x2, input 0 has 2 rows; axis 1 needs equal rows", tg::Error);
  CHECK_THROWS_WITH_AS(tg::concat({a}, 2),
                       "concat: axis: 2 is neither 0 (stack rows) nor 1 (side by side)", tg::Error);
  CHECK_THROWS_WITH_AS(tg::concat(std::span<const tg::Var>{}, 0),
                       "concat: inputs: none given; at least one Var is needed", tg::Error);
  CHECK_THROWS_WITH_AS(tg::concat({a, other.param(tg::Tensor(2, 3, 0.0))}),
                       "concat: inputs: the Vars belong to different tapes", tg::Error);
  CHECK_THROWS_WITH_AS(tg::concat({a, tg::Var()}),
                       "concat: inputs: empty Var (default-constructed, not from a tape)",
                       tg::Error);
}
