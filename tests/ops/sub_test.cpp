// sub: y = a - b with broadcasting; dy/da = 1, dy/db = -1.
#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

#include "support/op_check.hpp"

namespace tg = tapegrad;

TEST_CASE("sub: forward subtracts element-wise, gradients are 1 and -1") {
  tg::Tape tape;
  const tg::Var a = tape.param(tg::Tensor::from_rows({{1, 2}, {3, 4}}));
  const tg::Var b = tape.param(tg::Tensor::from_rows({{0.5, 4}, {-3, 4}}));
  const tg::Var y = a - b;
  CHECK(y.op() == tg::OpKind::Sub);
  CHECK(y.value() == tg::Tensor::from_rows({{0.5, -2}, {6, 0}}));
  tape.backward(tg::sum(y));
  CHECK(a.grad() == tg::Tensor(2, 2, 1.0));
  CHECK(b.grad() == tg::Tensor(2, 2, -1.0));
}

TEST_CASE("sub: gradients match finite differences at random points") {
  tg::test::check_gradients_at_random_points(
      {{{3, 2}, {}}, {{3, 2}, {}}}, [](std::span<const tg::Var> p) { return p[0] - p[1]; });
}

TEST_CASE("sub: broadcasting gives the broadcast value and sums gradients over broadcast axes") {
  tg::test::check_broadcasting([](const tg::Var& a, const tg::Var& b) { return a - b; },
                               [](double a, double b) { return a - b; }, {}, {});
}

TEST_CASE("sub: column - matrix by hand, the column's gradient is the row sums of the weights") {
  // J = sum((c - M) * W): dJ/dc_i = sum_j W_ij, dJ/dM = -W.
  tg::Tape tape;
  const tg::Var c = tape.param(tg::Tensor::column({10, 20}));
  const tg::Var M = tape.param(tg::Tensor::from_rows({{1, 2, 3}, {4, 5, 6}}));
  const tg::Tensor Wv = tg::Tensor::from_rows({{1, -2, 0.5}, {3, 4, -0.25}});
  const tg::Var y = c - M;
  CHECK(y.value() == tg::Tensor::from_rows({{9, 8, 7}, {16, 15, 14}}));
  tape.backward(tg::sum(y * tape.input(Wv)));
  CHECK(c.grad() == tg::Tensor::column({-0.5, 6.75}));
  CHECK(M.grad() == tg::Tensor::from_rows({{-1, 2, -0.5}, {-3, -4, 0.25}}));
}
