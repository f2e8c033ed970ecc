// div: y = a / b element-wise with broadcasting; dy/da = 1/b, dy/db = -a/b^2. x / c records c
// as an input leaf and a div node.
#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

#include "support/op_check.hpp"

namespace tg = tapegrad;

namespace {
// Divisors stay away from 0, where the quotient has a pole.
const tg::test::Range kDivisor{0.5, 2.0, /*either_sign=*/true};
}  // namespace

TEST_CASE("div: forward divides element-wise, gradients 1/b and -a/b^2") {
  tg::Tape tape;
  const tg::Var a = tape.param(tg::Tensor::row({1, 3, -6}));
  const tg::Var b = tape.param(tg::Tensor::row({2, 4, -0.5}));
  const tg::Var y = a / b;
  CHECK(y.op() == tg::OpKind::Div);
  CHECK(y.value() == tg::Tensor::row({0.5, 0.75, 12}));
  tape.backward(tg::sum(y));
  CHECK(a.grad() == tg::Tensor::row({0.5, 0.25, -2}));
  CHECK(b.grad() == tg::Tensor::row({-0.25, -0.1875, 24}));
}

TEST_CASE("div: x / c records c as an input leaf and a div node, exactly x / c") {
  // 49 * (1/49) rounds to 1 - 2^-53, so x / 49 == 1 shows the quotient is not x * (1/c).
  tg::Tape tape;
  const tg::Var x = tape.param(49.0);
  const tg::Var y = x / 49.0;
  REQUIRE(tape.size() == 3);
  CHECK(tape.node(1).op == tg::OpKind::Input);
  CHECK(tape.var(1).item() == 49.0);
  CHECK(y.op() == tg::OpKind::Div);
  CHECK(y.item() == 1.0);
  tape.backward(y);
  CHECK(x.grad().item() == 1.0 / 49.0);
}

TEST_CASE("div: gradients match finite differences at random points") {
  tg::test::check_gradients_at_random_points(
      {{{2, 3}, {}}, {{2, 3}, kDivisor}},
      [](std::span<const tg::Var> p) { return p[0] / p[1] + p[0] / 3.0; });
}

TEST_CASE("div: broadcasting gives the broadcast value and sums gradients over broadcast axes") {
  tg::test::check_broadcasting([](const tg::Var& a, const tg::Var& b) { return a / b; },
                               [](double a, double b) { return a / b; }, {}, kDivisor);
}
