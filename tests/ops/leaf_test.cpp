// input and param: the leaves. An input carries no gradient; a param's gradient is the sum of
// what flows into it, accumulating across passes until zero_grad().
#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

#include "support/op_check.hpp"

namespace tg = tapegrad;

TEST_CASE("leaf: an input has no gradient, a param accumulates d root / d param across passes") {
  tg::Tape tape;
  const tg::Var x = tape.input(3.0, "x");
  const tg::Var w = tape.param(2.0, "w");
  CHECK(x.op() == tg::OpKind::Input);
  CHECK(w.op() == tg::OpKind::Param);
  CHECK_FALSE(x.requires_grad());
  CHECK(w.requires_grad());
  CHECK(tape.node(w.index()).is_param());
  CHECK(tape.node(x.index()).is_leaf());
  CHECK_FALSE(tape.node(x.index()).is_param());
  const tg::Var y = w * x;
  tape.backward(y);
  CHECK(w.grad().item() == 3.0);  // dy/dw = x
  tape.backward(y);
  CHECK(w.grad().item() == 6.0);  // accumulated
  tape.zero_grad();
  CHECK(w.grad().item() == 0.0);
  CHECK_FALSE(tape.has_grad(x.index()));
}

TEST_CASE("leaf: forward() leaves both leaves' values as set") {
  tg::Tape tape;
  const tg::Var x = tape.input(tg::Tensor::row({1, 2}), "x");
  const tg::Var w = tape.param(tg::Tensor::row({3, 4}), "w");
  const tg::Var y = sum(w * x);
  tape.set(x, tg::Tensor::row({5, 6}));
  tape.forward();
  CHECK(x.value() == tg::Tensor::row({5, 6}));
  CHECK(w.value() == tg::Tensor::row({3, 4}));
  CHECK(y.item() == 39.0);
}
