// mul: y = a * b element-wise with broadcasting; dy/da = b, dy/db = a.
#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

#include "support/op_check.hpp"

namespace tg = tapegrad;

TEST_CASE("mul: forward multiplies element-wise, gradients are the other operand") {
  tg::Tape tape;
  const tg::Var a = tape.param(tg::Tensor::from_rows({{1, 2}, {-3, 0.5}}));
  const tg::Var b = tape.param(tg::Tensor::from_rows({{4, -0.25}, {2, 0}}));
  const tg::Var y = a * b;
  CHECK(y.op() == tg::OpKind::Mul);
  CHECK(y.value() == tg::Tensor::from_rows({{4, -0.5}, {-6, 0}}));
  tape.backward(tg::sum(y));
  CHECK(a.grad() == b.value());
  CHECK(b.grad() == a.value());
}

TEST_CASE("mul: gradients match finite differences at random points") {
  tg::test::check_gradients_at_random_points(
      {{{2, 3}, {}}, {{2, 3}, {}}}, [](std::span<const tg::Var> p) { return p[0] * p[1]; });
}

TEST_CASE("mul: broadcasting gives the broadcast value and sums gradients over broadcast axes") {
  tg::test::check_broadcasting([](const tg::Var& a, const tg::Var& b) { return a * b; },
                               [](double a, double b) { return a * b; }, {}, {});
}

TEST_CASE("mul: column * matrix by hand, the column's gradient sums W * M over each row") {
  // J = sum((c * M) * W): dJ/dc_i = sum_j W_ij M_ij, dJ/dM_ij = W_ij c_i.
  tg::Tape tape;
  const tg::Var c = tape.param(tg::Tensor::column({2, -3}));
  const tg::Var M = tape.param(tg::Tensor::from_rows({{1, 2, 3}, {4, 5, 6}}));
  const tg::Tensor Wv = tg::Tensor::from_rows({{1, -2, 0.5}, {3, 4, -0.25}});
  const tg::Var y = c * M;
  CHECK(y.value() == tg::Tensor::from_rows({{2, 4, 6}, {-12, -15, -18}}));
  tape.backward(tg::sum(y * tape.input(Wv)));
  CHECK(c.grad() == tg::Tensor::column({1 - 4 + 1.5, 12 + 20 - 1.5}));
  CHECK(M.grad() == tg::Tensor::from_rows({{2, -4, 1}, {-9, -12, 0.75}}));
}

TEST_CASE("mul: scalar * matrix by hand, the scalar's gradient is sum(W * M)") {
  tg::Tape tape;
  const tg::Var s = tape.param(0.5);
  const tg::Var M = tape.param(tg::Tensor::from_rows({{1, 2}, {3, 4}}));
  const tg::Tensor Wv = tg::Tensor::from_rows({{1, -1}, {2, 0.5}});
  tape.backward(tg::sum((s * M) * tape.input(Wv)));
  CHECK(s.grad().item() == 1 - 2 + 6 + 2);
  CHECK(M.grad() == tg::Tensor::from_rows({{0.5, -0.5}, {1, 0.25}}));
}
