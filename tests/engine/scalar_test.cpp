// The scalar fast path: one-element element-wise nodes with a gradient store their local partial
// derivatives at record time and in forward(), and backward() multiplies and adds them instead of
// running the rules. These tests check that the stored partials give exactly what the rules give,
// that they are not used once a leaf changed without forward(), that forward() resets
// intermediate gradients, and that scalar and tensor nodes mix.
#include <cmath>
#include <cstddef>
#include <vector>

#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

namespace tg = tapegrad;

namespace {

// Every node's gradient (empty for nodes without one).
std::vector<tg::Tensor> all_grads(const tg::Tape& tape) {
  std::vector<tg::Tensor> out;
  for (std::size_t i = 0; i < tape.size(); ++i) {
    out.push_back(tape.has_grad(i) ? tape.grad(i).to_tensor() : tg::Tensor());
  }
  return out;
}

// Checks that two all_grads() results are equal, bit for bit.
void check_same(const std::vector<tg::Tensor>& got, const std::vector<tg::Tensor>& expected) {
  REQUIRE(got.size() == expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    CAPTURE(i);
    CHECK(got[i] == expected[i]);
  }
}

// A scalar graph through every element-wise op that records one-element nodes.
tg::Var every_elementwise_op(tg::Var a, tg::Var b, tg::Var x, tg::Var y) {
  const tg::Var s = a * x + b - a / (b + 3.0);
  const tg::Var t = tg::exp(s * 0.1) + tg::log(b + 4.0) + tg::sigmoid(s) + tg::tanh(a - b);
  const tg::Var u = tg::relu(t) + tg::abs(a - 0.25) + tg::sqrt(b + 2.0) + tg::clamp(s, -0.5, 0.5);
  const tg::Var v = tg::pow(u, 1.5) + 2.0 / (u + 1.0) - u + 3.0 * u;
  return tg::log_loss(tg::sigmoid(v * 0.01), y) + tg::log_loss_with_logits(s, y) + -v * 0.001;
}

}  // namespace

TEST_CASE("scalar nodes: stored partials give the rules' gradients bit for bit") {
  tg::Tape tape;
  const tg::Var a = tape.param(0.7), b = tape.param(-0.4);
  const tg::Var x = tape.input(1.3), y = tape.input(1.0);
  const tg::Var root = every_elementwise_op(a, b, x, y);
  tape.backward(root);  // partials from recording
  const std::vector<tg::Tensor> stored = all_grads(tape);
  CHECK(stored[a.index()][0] != 0.0);
  CHECK(stored[b.index()][0] != 0.0);

  // Setting a leaf (to the same value) makes backward() run the rules on the values.
  tape.set(x, 1.3);
  tape.zero_grad();
  tape.backward(root);
  check_same(all_grads(tape), stored);

  // forward() recomputes the partials: the same again.
  tape.forward();
  tape.zero_grad();
  tape.backward(root);
  check_same(all_grads(tape), stored);
}

TEST_CASE("scalar nodes: replayed at new values, stored partials give the rules' gradients") {
  // forward() writes the partials of non-linear nodes only; the linear nodes' (add, sub,
  // affine) are those computed when they were recorded, which read no value.
  tg::Tape tape;
  const tg::Var a = tape.param(0.7), b = tape.param(-0.4);
  const tg::Var x = tape.input(1.3), y = tape.input(1.0);
  const tg::Var root = every_elementwise_op(a, b, x, y);
  const double values[][3] = {{-0.3, 0.9, 2.1}, {1.6, -1.1, -0.7}, {0.05, 0.2, 0.0}};
  for (const auto& v : values) {
    CAPTURE(v[0]);
    tape.mutable_value(a)[0] = v[0];
    tape.mutable_value(b)[0] = v[1];
    tape.set(x, v[2]);
    tape.forward();
    tape.zero_grad();
    tape.backward(root);  // the stored partials
    const std::vector<tg::Tensor> stored = all_grads(tape);
    CHECK(stored[a.index()][0] != 0.0);
    tape.set(x, v[2]);  // the same value: backward() runs the rules
    tape.zero_grad();
    tape.backward(root);
    check_same(all_grads(tape), stored);
  }
}

TEST_CASE("scalar nodes: a leaf changed without forward() is differentiated at its new value") {
  tg::Tape tape;
  const tg::Var w = tape.param(3.0), v = tape.param(4.0);
  const tg::Var x = tape.input(2.0);
  const tg::Var y = w * x + v * w;
  tape.set(x, 5.0);  // no forward(): y keeps 3 * 2 + 4 * 3, as before this path existed
  tape.backward(y);
  CHECK(y.item() == 18.0);
  CHECK(w.grad()[0] == 5.0 + 4.0);  // d/dw (w x + v w) at x = 5, v = 4
  CHECK(v.grad()[0] == 3.0);

  tape.zero_grad();
  tape.mutable_value(w)[0] = 7.0;  // likewise through mutable_value()
  tape.backward(y);
  CHECK(w.grad()[0] == 5.0 + 4.0);
  CHECK(v.grad()[0] == 7.0);

  tape.forward();  // now y and its partials follow the leaves
  tape.zero_grad();
  tape.backward(y);
  CHECK(y.item() == 7.0 * 5.0 + 4.0 * 7.0);
  CHECK(w.grad()[0] == 5.0 + 4.0);
  CHECK(v.grad()[0] == 7.0);
}

TEST_CASE("scalar nodes: forward() resets intermediate gradients, not params'") {
  tg::Tape tape;
  const tg::Var w = tape.param(0.5);
  const tg::Var x = tape.input(2.0);
  const tg::Var z = w * x;
  const tg::Var a = tg::sigmoid(z);
  tape.backward(a);
  const double sz = 1.0 / (1.0 + std::exp(-1.0));
  CHECK(z.grad()[0] == doctest::Approx(sz * (1.0 - sz)).epsilon(1e-15));
  const double dw = w.grad()[0];
  CHECK(dw == doctest::Approx(2.0 * sz * (1.0 - sz)).epsilon(1e-15));
  tape.forward();
  CHECK(z.grad()[0] == 0.0);
  CHECK(a.grad()[0] == 0.0);
  CHECK(w.grad()[0] == dw);
  tape.backward(a);  // no zero_grad(): the param's gradient accumulates, exactly twice here
  CHECK(w.grad()[0] == 2.0 * dw);
  CHECK(z.grad()[0] == doctest::Approx(sz * (1.0 - sz)).epsilon(1e-15));
}

TEST_CASE("scalar nodes: scalar and tensor nodes mix on one tape, recorded and replayed") {
  tg::Tape tape;
  const double v0[3] = {1.0, -2.0, 0.5};
  const tg::Var v = tape.param(tg::TensorView(v0, tg::Shape{1, 3}));
  const tg::Var w = tape.param(0.3);
  const tg::Var s = tg::sum(v * v);            // tensor nodes, then a one-element reduction
  const tg::Var t = s * w + tg::exp(w) - 1.0;  // stored scalar nodes
  const auto check = [&](const double* vv, double ww) {
    const double ss = vv[0] * vv[0] + vv[1] * vv[1] + vv[2] * vv[2];
    CHECK(t.item() == doctest::Approx(ss * ww + std::exp(ww) - 1.0).epsilon(1e-14));
    CHECK(w.grad()[0] == doctest::Approx(ss + std::exp(ww)).epsilon(1e-14));  // dt/dw
    for (int k = 0; k < 3; ++k) {
      CHECK(v.grad()[k] == doctest::Approx(2.0 * vv[k] * ww).epsilon(1e-14));  // dt/dv = 2 v w
    }
  };
  tape.backward(t);
  check(v0, 0.3);
  const double v1[3] = {0.25, 4.0, -1.5};
  tape.set(v, tg::TensorView(v1, tg::Shape{1, 3}));
  tape.set(w, -0.7);
  tape.forward();
  tape.zero_grad();
  tape.backward(t);
  check(v1, -0.7);
}

TEST_CASE("scalar nodes: only what the root depends on, with stored nodes before and after it") {
  tg::Tape tape;
  const tg::Var w = tape.param(1000.0);
  const tg::Var unused = tg::exp(w * 1.0);    // inf, and so is its partial
  const tg::Var L = w * 2.0 + 1.0;            // the root: not the last node
  const tg::Var after = tg::log(w - 1000.0);  // -inf, partial inf, recorded after the root
  CHECK(std::isinf(unused.item()));
  CHECK(std::isinf(after.item()));
  for (int pass = 0; pass < 3; ++pass) {  // recorded; then replayed (the live marks reused)
    CAPTURE(pass);
    if (pass > 0) tape.forward();
    tape.zero_grad();
    tape.backward(L);
    CHECK(w.grad()[0] == 2.0);
    CHECK(L.grad()[0] == 1.0);
  }
  tape.zero_grad();
  tape.backward(tg::exp(w * 0.0) + L * 3.0);  // a new root after everything
  CHECK(w.grad()[0] == 6.0);
}
