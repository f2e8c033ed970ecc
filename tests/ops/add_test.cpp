// add: y = a + b with broadcasting; dy/da = dy/db = 1.
#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

#include "support/op_check.hpp"

namespace tg = tapegrad;

TEST_CASE("add: forward adds element-wise and both gradients are 1") {
  tg::Tape tape;
  const tg::Var a = tape.param(tg::Tensor::from_rows({{1, 2, 3}, {4, 5, 6}}));
  const tg::Var b = tape.param(tg::Tensor::from_rows({{0.5, -2, 0.25}, {-4, 1e10, 0}}));
  const tg::Var y = a + b;
  CHECK(y.op() == tg::OpKind::Add);
  CHECK(y.value() == tg::Tensor::from_rows({{1.5, 0, 3.25}, {0, 5 + 1e10, 6}}));
  tape.backward(tg::sum(y));
  CHECK(a.grad() == tg::Tensor(2, 3, 1.0));
  CHECK(b.grad() == tg::Tensor(2, 3, 1.0));
}

TEST_CASE("add: gradients match finite differences at random points") {
  tg::test::check_gradients_at_random_points(
      {{{2, 3}, {}}, {{2, 3}, {}}}, [](std::span<const tg::Var> p) { return p[0] + p[1]; });
}

TEST_CASE("add: broadcasting gives the broadcast value and sums gradients over broadcast axes") {
  tg::test::check_broadcasting([](const tg::Var& a, const tg::Var& b) { return a + b; },
                               [](double a, double b) { return a + b; }, {}, {});
}

TEST_CASE("add: row + matrix by hand, the row's gradient is the column sums of the weights") {
  // J = sum((r + M) * W): dJ/dr_j = sum_i W_ij, dJ/dM = W.
  tg::Tape tape;
  const tg::Var r = tape.param(tg::Tensor::row({10, 20, 30}));
  const tg::Var M = tape.param(tg::Tensor::from_rows({{1, 2, 3}, {4, 5, 6}}));
  const tg::Tensor Wv = tg::Tensor::from_rows({{1, -2, 0.5}, {3, 4, -0.25}});
  const tg::Var y = r + M;
  CHECK(y.value() == tg::Tensor::from_rows({{11, 22, 33}, {14, 25, 36}}));
  tape.backward(tg::sum(y * tape.input(Wv)));
  CHECK(r.grad() == tg::Tensor::row({4, 2, 0.25}));
  CHECK(M.grad() == Wv);
}
