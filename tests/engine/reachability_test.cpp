// backward(root) and forward_backward(root) visit only the nodes root depends on: a node off
// every path to the root contributes nothing, whatever its values (an infinite local derivative
// times its zero gradient would otherwise be NaN), on the first pass and on replays.
#include <cmath>
#include <vector>

#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

namespace tg = tapegrad;

TEST_CASE("reachability: exp(1000) recorded but unused leaves dL/dx = 2 for L = 2x") {
  tg::Tape tape;
  const tg::Var x = tape.param(1000.0, "x");
  const tg::Var e = tg::exp(x);  // inf, with local derivative inf
  CHECK(std::isinf(e.item()));
  const tg::Var L = 2.0 * x;
  tape.backward(L);
  CHECK(x.grad().item() == 2.0);
  CHECK(e.grad().item() == 0.0);  // not on the path: its gradient stays 0
  // Replays reuse what the first pass found.
  for (int i = 0; i < 3; ++i) {
    tape.forward();
    tape.zero_grad();
    tape.backward(L);
    CHECK(x.grad().item() == 2.0);
  }
}

TEST_CASE("reachability: log(x) and pow(x, 0.5) left unused at x = 0") {
  tg::Tape tape;
  const tg::Var x = tape.param(0.0, "x");
  (void)tg::log(x);       // -inf, derivative +inf
  (void)tg::pow(x, 0.5);  // 0, derivative +inf
  const tg::Var L = x * x + 3.0 * x;
  tape.backward(L);
  CHECK(x.grad().item() == 3.0);
}

TEST_CASE("reachability: a softmax of z = [800, 0] drawn beside the loss leaves dL/dz finite") {
  tg::Tape tape;
  const tg::Var z = tape.param(tg::Tensor::row({800.0, 0.0}), "z");
  const tg::Var y = tape.input(tg::Tensor::row({1.0, 0.0}), "y");
  const tg::Var ez = tg::exp(z);
  const tg::Var softmax = ez / sum(ez);  // [nan, 0]: for display only, never used by the loss
  CHECK(std::isnan(softmax.value()[0]));
  const tg::Var L = sum(tg::log_loss_with_logits(z, y));
  tape.backward(L);
  // dL/dz = sigma(z) - y = [1 - 1, 1/2 - 0]
  CHECK(z.grad() == tg::Tensor::row({0.0, 0.5}));
}

TEST_CASE("reachability: a second root on the same tape sees its own subgraph") {
  tg::Tape tape;
  const tg::Var a = tape.param(0.0, "a");
  const tg::Var b = tape.param(2.0, "b");
  const tg::Var La = tg::log(a) + 0.0 * b;  // its root uses log(a): dLa/da is inf
  const tg::Var Lb = b * b;                 // never touches a
  tape.backward(Lb);
  CHECK(b.grad().item() == 4.0);
  CHECK(a.grad().item() == 0.0);
  tape.zero_grad();
  tape.backward(La);
  CHECK(std::isinf(a.grad().item()));  // on La's path the infinite derivative is real
  tape.zero_grad();
  tape.backward(Lb);
  CHECK(b.grad().item() == 4.0);
  CHECK(a.grad().item() == 0.0);
}

TEST_CASE(
    "reachability: forward_backward over blocks skips an unused node with an infinite "
    "derivative") {
  const std::size_t m = 40;
  tg::Tensor X(m, 2), Y(m, 1);
  for (std::size_t i = 0; i < m; ++i) {
    X(i, 0) = std::sin(static_cast<double>(i));
    X(i, 1) = std::cos(3.0 * static_cast<double>(i));
    Y(i, 0) = i % 2 == 0 ? 1.0 : 0.0;
  }
  std::vector<tg::Tensor> grads;
  for (const bool with_unused : {false, true}) {
    tg::Tape tape;
    const tg::Var Xv = tape.input(X, "X"), Yv = tape.input(Y, "Y");
    const tg::Var w = tape.param(tg::Tensor::column({0.5, -0.25}), "w");
    const tg::Var b = tape.param(1000.0, "b");
    if (with_unused) (void)tg::exp(b);  // a fixed node, inf, not on the path
    const tg::Var J = mean(tg::log_loss_with_logits(matmul(Xv, w) + (b - 1000.0), Yv));
    REQUIRE(tape.blockable(J));
    tape.forward_backward(J, {.block_rows = 7, .threads = 2});
    CHECK(std::isfinite(b.grad().item()));
    grads.push_back(w.grad().to_tensor());
  }
  CHECK(grads[0] == grads[1]);
}
