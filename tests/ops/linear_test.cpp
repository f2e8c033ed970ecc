// linear: z = w_1 x_1 + ... + w_k x_k + b as one node (the lecture's z box); dz/dw_i = x_i,
// dz/dx_i = w_i, dz/db = 1.
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

#include "support/op_check.hpp"

namespace tg = tapegrad;

TEST_CASE("linear: the lecture's z = w1 x1 + w2 x2 + b in one node, with its local partials") {
  tg::Tape tape;
  const tg::Var x1 = tape.input(1.5, "x1"), x2 = tape.input(-2.0, "x2");
  const tg::Var w1 = tape.param(0.5, "w1"), w2 = tape.param(-0.25, "w2"), b = tape.param(0.1, "b");
  const tg::Var z = tg::linear({w1, w2}, {x1, x2}, b).set_label("z");
  CHECK(z.op() == tg::OpKind::Linear);
  CHECK(z.value()[0] == doctest::Approx(0.5 * 1.5 + -0.25 * -2.0 + 0.1).epsilon(1e-15));
  const tg::NodeInfo n = tape.node(z.index());
  CHECK(n.input_count == 5);
  const std::vector<std::string> names{"w1", "x1", "w2", "x2", "b"};
  CHECK(tg::op_expression(n, names) == "w1 x1 + w2 x2 + b");
  // local partials: x1, w1, x2, w2, 1 in input order
  CHECK(*tape.local_partial(z.index(), 0) == 1.5);
  CHECK(*tape.local_partial(z.index(), 1) == 0.5);
  CHECK(*tape.local_partial(z.index(), 2) == -2.0);
  CHECK(*tape.local_partial(z.index(), 3) == -0.25);
  CHECK(*tape.local_partial(z.index(), 4) == 1.0);
  tape.backward(3.0 * z);
  CHECK(w1.grad()[0] == 3.0 * 1.5);
  CHECK(w2.grad()[0] == 3.0 * -2.0);
  CHECK(b.grad()[0] == 3.0);
  CHECK_FALSE(tape.has_grad(x1.index()));
}

TEST_CASE("linear: one weight used twice accumulates both terms") {
  tg::Tape tape;
  const tg::Var w = tape.param(2.0), x = tape.param(3.0), b = tape.param(0.0);
  const tg::Var z = tg::linear({w, x}, {x, w}, b);  // 2 w x
  CHECK(z.value()[0] == 12.0);
  tape.backward(z);
  CHECK(w.grad()[0] == 6.0);  // dz/dw = 2x
  CHECK(x.grad()[0] == 4.0);  // dz/dx = 2w
}

TEST_CASE("linear: gradients match finite differences at random points, scalars and tensors") {
  tg::test::check_gradients_at_random_points(
      {{{1, 1}, {}}, {{1, 1}, {}}, {{1, 1}, {}}, {{1, 1}, {}}, {{1, 1}, {}}},
      [](std::span<const tg::Var> p) {
        return tg::linear({p[0], p[2]}, {p[1], p[3]}, p[4]);
      },
      6);
  tg::test::check_gradients_at_random_points(
      {{{2, 3}, {}}, {{2, 3}, {}}, {{2, 3}, {}}},
      [](std::span<const tg::Var> p) { return tg::linear({p[0]}, {p[1]}, p[2]); });
  tg::test::check_gradients_at_random_points(
      {{{1, 1}, {}},
       {{1, 1}, {}},
       {{1, 1}, {}},
       {{1, 1}, {}},
       {{1, 1}, {}},
       {{1, 1}, {}},
       {{1, 1}, {}}},
      [](std::span<const tg::Var> p) {
        return tg::linear({p[0], p[2], p[4]}, {p[1], p[3], p[5]}, p[6]);
      });
  // edge values: zeros, large and tiny magnitudes
  tg::test::check_gradients(
      {tg::Tensor::row({0.0, 1e150}), tg::Tensor::row({-1e-150, 0.0}),
       tg::Tensor::row({0.0, -3.0})},
      [](std::span<const tg::Var> p) { return tg::linear({p[0]}, {p[1]}, p[2]); });
}

TEST_CASE("linear: errors name the op and the argument") {
  tg::Tape tape, other;
  const tg::Var a = tape.param(1.0), b = tape.param(2.0);
  const tg::Var row = tape.param(tg::Tensor::row({1, 2}));
  CHECK_THROWS_WITH_AS(tg::linear({}, {}, b), "linear: weights: none given; at least one is needed",
                       tg::Error);
  CHECK_THROWS_WITH_AS(tg::linear({a, a}, {b}, b),
                       "linear: xs: 1 given for 2 weights; give one x per weight", tg::Error);
  CHECK_THROWS_WITH_AS(tg::linear({a}, {row}, b),
                       "linear: shapes: x 1 is 1x2, b is 1x1; all must have one shape", tg::Error);
  CHECK_THROWS_WITH_AS(tg::linear({a}, {other.param(1.0)}, b),
                       "linear: inputs: the Vars belong to different tapes", tg::Error);
  CHECK_THROWS_WITH_AS(tg::linear({a}, {b}, tg::Var()),
                       "linear: b: empty Var (default-constructed, not from a tape)", tg::Error);
}
