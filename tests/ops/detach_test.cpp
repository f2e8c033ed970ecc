// detach: a copy of x that follows x on replay but passes no gradient back (dy/dx taken as 0).
#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

#include "support/op_check.hpp"

namespace tg = tapegrad;

TEST_CASE("detach: copies the value, has no gradient and stops gradients flowing through it") {
  tg::Tape tape;
  const tg::Var w = tape.param(tg::Tensor::row({1.5, -2}), "w");
  const tg::Var d = tg::detach(w);
  CHECK(d.op() == tg::OpKind::Detach);
  CHECK(d.value() == w.value());
  CHECK_FALSE(d.requires_grad());
  CHECK(w.requires_grad());
  // J = sum(w * detach(w)): only the first factor carries a gradient, dJ/dw = w (not 2w).
  const tg::Var J = tg::sum(w * d);
  tape.backward(J);
  CHECK(w.grad() == tg::Tensor::row({1.5, -2}));
  CHECK_FALSE(tape.has_grad(d.index()));
}

TEST_CASE("detach: follows its input on replay") {
  tg::Tape tape;
  const tg::Var w = tape.param(tg::Tensor::row({1.5, -2}));
  const tg::Var d = tg::detach(3.0 * w);
  const tg::Var J = tg::sum(w * d);
  tape.set(w, tg::Tensor::row({0.5, 4}));
  tape.forward();
  CHECK(d.value() == tg::Tensor::row({1.5, 12}));
  CHECK(J.item() == 0.75 + 48);
  tape.zero_grad();
  tape.backward(J);
  CHECK(w.grad() == tg::Tensor::row({1.5, 12}));  // = 3w at the new value, the detached factor
}

TEST_CASE(
    "detach: a graph whose only path to the params is detached has nothing to "
    "differentiate") {
  tg::Tape tape;
  const tg::Var w = tape.param(2.0);
  const tg::Var y = tg::exp(tg::detach(w));
  CHECK_FALSE(y.requires_grad());
  CHECK_THROWS_AS(tape.backward(y), tg::Error);
}

TEST_CASE(
    "detach: gradients match finite differences of the graph with the detached value frozen") {
  // d/dp of J = sum(sigmoid(p) * detach(p^2)) treats p^2 as a constant: it equals the gradient
  // of J' = sum(sigmoid(p) * c) with c = p^2 recorded as an input, which finite differences check.
  const tg::Tensor p0 = tg::Tensor::from_rows({{0.3, -1.2}, {2.0, 0.7}});
  tg::Tape a;
  const tg::Var p = a.param(p0, "p");
  a.backward(sum(tg::sigmoid(p) * tg::detach(p * p)));
  tg::Tape b;
  const tg::Var q = b.param(p0, "q");
  const tg::Var c = b.input((q * q).value(), "c");
  const tg::Var J = sum(tg::sigmoid(q) * c);
  const tg::Var leaves[] = {q};
  const tg::GradCheckResult r = tg::grad_check(J, leaves);
  INFO(r.summary());
  CHECK(r.ok);
  CHECK(p.grad() == q.grad());
}
