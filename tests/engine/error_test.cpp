// Precondition failures throw tapegrad::Error with an "op: argument: reason" message that names
// the op, the offending argument and the shapes or nodes involved.
#include <stdexcept>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

namespace tg = tapegrad;

namespace {
const std::string kEmpty = "empty Var (default-constructed, not from a tape)";
}

TEST_CASE("errors: broadcasting incompatible shapes names the op and both shapes") {
  tg::Tape tape;
  const tg::Var a = tape.param(tg::Tensor(2, 3)), b = tape.param(tg::Tensor(3, 2));
  CHECK_THROWS_WITH_AS(a + b, "add: shapes: 2x3 and 3x2 cannot be broadcast together", tg::Error);
  CHECK_THROWS_WITH_AS(a - b, "sub: shapes: 2x3 and 3x2 cannot be broadcast together", tg::Error);
  CHECK_THROWS_WITH_AS(b * a, "mul: shapes: 3x2 and 2x3 cannot be broadcast together", tg::Error);
  CHECK_THROWS_WITH_AS(a / b, "div: shapes: 2x3 and 3x2 cannot be broadcast together", tg::Error);
  CHECK_THROWS_WITH_AS(tg::log_loss(a, b),
                       "log_loss: shapes: 2x3 and 3x2 cannot be broadcast together", tg::Error);
  CHECK_THROWS_WITH_AS(tg::log_loss_with_logits(a, b),
                       "log_loss_with_logits: shapes: 2x3 and 3x2 cannot be broadcast together",
                       tg::Error);
  const tg::Var row = tape.param(tg::Tensor(1, 2));
  CHECK_THROWS_WITH_AS(a + row, "add: shapes: 2x3 and 1x2 cannot be broadcast together", tg::Error);
  CHECK_THROWS_WITH_AS(tg::mse(a, b), "mse: shapes: 2x3 and 3x2 differ; mse needs equal shapes",
                       tg::Error);
  CHECK_THROWS_AS(a + b, std::invalid_argument);  // Error is an invalid_argument
  CHECK(tape.size() == 3);                        // nothing was recorded by the failed calls
}

TEST_CASE("errors: matmul with different inner dimensions names both shapes") {
  tg::Tape tape;
  const tg::Var a = tape.param(tg::Tensor(2, 3)), b = tape.param(tg::Tensor(2, 3));
  CHECK_THROWS_WITH_AS(tg::matmul(a, b),
                       "matmul: shapes: 2x3 and 2x3 do not chain: a has 3 columns, b has 2 rows",
                       tg::Error);
}

TEST_CASE("errors: Vars of different tapes cannot be combined") {
  tg::Tape t1, t2;
  const tg::Var a = t1.param(1.0), b = t2.param(2.0, "b");
  CHECK_THROWS_WITH_AS(a + b, "add: operands: the two Vars belong to different tapes", tg::Error);
  CHECK_THROWS_WITH_AS(tg::matmul(a, b), "matmul: operands: the two Vars belong to different tapes",
                       tg::Error);
  CHECK_THROWS_WITH_AS(t1.backward(b), "backward: root: node 0 belongs to another tape", tg::Error);
  CHECK_THROWS_WITH_AS(t1.set(b, 1.0), "set: leaf: node 0 belongs to another tape", tg::Error);
  const std::vector<tg::Var> leaves{b};
  CHECK_THROWS_WITH_AS(tg::grad_check(tg::exp(a), leaves),
                       "grad_check: leaves: every leaf must belong to the root's tape", tg::Error);
}

TEST_CASE("errors: backward on a root with more than one element") {
  tg::Tape tape;
  const tg::Var x = tape.param(tg::Tensor(2, 3), "x");
  const tg::Var y = tg::exp(x);
  CHECK_THROWS_WITH_AS(
      tape.backward(y),
      "backward: root: node 1 (exp) has shape 2x3; backward needs a one-element root", tg::Error);
}

TEST_CASE("errors: backward on a root that depends on no param") {
  tg::Tape tape;
  const tg::Var x = tape.input(1.0, "x");
  const tg::Var p = tape.param(2.0, "p");
  const tg::Var y = tg::exp(x);
  const tg::Var stopped = tg::detach(p) * 2.0;
  CHECK_THROWS_WITH_AS(tape.backward(y),
                       "backward: root: node 2 (exp) does not depend on any param; there is "
                       "nothing to differentiate",
                       tg::Error);
  CHECK_THROWS_WITH_AS(tape.backward(x),
                       "backward: root: node 0 (input 'x') does not depend on any param; there is "
                       "nothing to differentiate",
                       tg::Error);
  CHECK_THROWS_WITH_AS(tape.backward(stopped),
                       "backward: root: node 4 (affine) does not depend on any param; there is "
                       "nothing to differentiate",
                       tg::Error);
}

TEST_CASE("errors: set on a non-leaf and set with a wrong shape") {
  tg::Tape tape;
  const tg::Var w = tape.param(tg::Tensor::column({1.0, 2.0}), "w");
  const tg::Var x = tape.input(3.0);
  const tg::Var y = (w + x).set_label("y");
  const tg::Var z = tg::exp(y);
  CHECK_THROWS_WITH_AS(
      tape.set(y, tg::Tensor::column({0.0, 0.0})),
      "set: leaf: node 2 (add 'y') is not a leaf; only inputs and params can be set", tg::Error);
  CHECK_THROWS_WITH_AS(tape.set(z, 1.0),
                       "set: leaf: node 3 (exp) is not a leaf; only inputs and params can be set",
                       tg::Error);
  CHECK_THROWS_WITH_AS(tape.set(w, tg::Tensor::row({1.0, 2.0})),
                       "set: value: shape 1x2 does not match node 0 (param 'w') of shape 2x1",
                       tg::Error);
  CHECK_THROWS_WITH_AS(tape.set(x, tg::Tensor::row({1.0, 2.0})),
                       "set: value: shape 1x2 does not match node 1 (input) of shape 1x1",
                       tg::Error);
  CHECK_THROWS_WITH_AS(
      (void)tape.mutable_value(z),
      "mutable_value: leaf: node 3 (exp) is not a leaf; only inputs and params can be changed",
      tg::Error);
  CHECK(w.value() == tg::Tensor::column({1.0, 2.0}));  // failed sets change nothing
}

TEST_CASE("errors: item() on a value with more than one element") {
  tg::Tape tape;
  const tg::Var x = tape.param(tg::Tensor(2, 3));
  CHECK_THROWS_WITH_AS(
      (void)x.item(), "item: value: shape 2x3 has 6 elements; item() needs exactly one", tg::Error);
  CHECK_THROWS_WITH_AS((void)tg::Tensor(1, 2).item(),
                       "item: value: shape 1x2 has 2 elements; item() needs exactly one",
                       tg::Error);
}

TEST_CASE("errors: grad() of an input or a detached value") {
  tg::Tape tape;
  const tg::Var x = tape.input(1.0, "x");
  const tg::Var p = tape.param(1.0);
  const tg::Var d = tg::detach(p);
  tape.backward(p * x);
  CHECK_THROWS_WITH_AS((void)x.grad(),
                       "grad: node: node 0 (input 'x') has no gradient: it depends on no param "
                       "(inputs and detached values carry none)",
                       tg::Error);
  CHECK_THROWS_WITH_AS((void)d.grad(),
                       "grad: node: node 2 (detach) has no gradient: it depends on no param "
                       "(inputs and detached values carry none)",
                       tg::Error);
  CHECK_FALSE(tape.has_grad(0));
  CHECK(tape.has_grad(1));
}

TEST_CASE("errors: using an empty Var names the op and the argument") {
  tg::Tape tape;
  const tg::Var x = tape.param(1.0);
  const tg::Var empty;
  CHECK_FALSE(empty.valid());
  CHECK_THROWS_WITH_AS((void)empty.value(), ("Var: handle: " + kEmpty).c_str(), tg::Error);
  CHECK_THROWS_WITH_AS((void)empty.shape(), ("Var: handle: " + kEmpty).c_str(), tg::Error);
  CHECK_THROWS_WITH_AS(tg::exp(empty), ("exp: x: " + kEmpty).c_str(), tg::Error);
  CHECK_THROWS_WITH_AS(x + empty, ("add: b: " + kEmpty).c_str(), tg::Error);
  CHECK_THROWS_WITH_AS(empty * x, ("mul: a: " + kEmpty).c_str(), tg::Error);
  CHECK_THROWS_WITH_AS(empty * 2.0, ("mul: x: " + kEmpty).c_str(), tg::Error);
  CHECK_THROWS_WITH_AS(empty / 2.0, ("div: a: " + kEmpty).c_str(), tg::Error);
  CHECK_THROWS_WITH_AS(2.0 / empty, ("div: b: " + kEmpty).c_str(), tg::Error);
  CHECK_THROWS_WITH_AS(tg::matmul(x, empty), ("matmul: b: " + kEmpty).c_str(), tg::Error);
  CHECK_THROWS_WITH_AS(tg::sum(empty, 0), ("sum: x: " + kEmpty).c_str(), tg::Error);
  CHECK_THROWS_WITH_AS(tape.backward(empty), ("backward: root: " + kEmpty).c_str(), tg::Error);
  CHECK_THROWS_WITH_AS(tape.set(empty, 1.0), ("set: leaf: " + kEmpty).c_str(), tg::Error);
}

TEST_CASE("errors: sum and mean accept only axis 0 and axis 1") {
  tg::Tape tape;
  const tg::Var x = tape.param(tg::Tensor(2, 3));
  CHECK_THROWS_WITH_AS(tg::sum(x, 2), "sum: axis: 2 is neither 0 (over rows) nor 1 (over columns)",
                       tg::Error);
  CHECK_THROWS_WITH_AS(tg::mean(x, -1),
                       "mean: axis: -1 is neither 0 (over rows) nor 1 (over columns)", tg::Error);
}

TEST_CASE("errors: leaves without elements, node indices out of range, grad_check of an input") {
  tg::Tape tape;
  CHECK_THROWS_WITH_AS(tape.input(tg::Tensor()), "input: value: shape 0x0 has no elements",
                       tg::Error);
  CHECK_THROWS_WITH_AS(tape.param(tg::Tensor(0, 3)), "param: value: shape 0x3 has no elements",
                       tg::Error);
  CHECK(tape.size() == 0);
  const tg::Var x = tape.input(1.0), p = tape.param(1.0);
  CHECK_THROWS_WITH_AS((void)tape.var(2), "var: index: 2 is out of range: the tape has 2 nodes",
                       tg::Error);
  CHECK_THROWS_WITH_AS((void)tape.node(7), "node: index: 7 is out of range: the tape has 2 nodes",
                       tg::Error);
  const std::vector<tg::Var> leaves{x};
  CHECK_THROWS_WITH_AS(tg::grad_check(p * x, leaves),
                       "grad_check: leaves: node 0 (input) is not a param", tg::Error);
}

TEST_CASE("errors: a Var kept across tape.clear() is refused on every use") {
  tg::Tape tape;
  const tg::Var w = tape.param(2.0, "w");
  const tg::Var y = w * 3.0;
  tape.clear();
  const tg::Var other = tape.param(5.0, "other");  // node 0 again, of the new graph
  const std::string stale =
      "node 0 was recorded before tape.clear(); a Var does not outlive the graph it names";
  CHECK_THROWS_WITH_AS((void)w.value(), ("Var: handle: " + stale).c_str(), tg::Error);
  CHECK_THROWS_WITH_AS((void)w.grad(), ("Var: handle: " + stale).c_str(), tg::Error);
  CHECK_THROWS_WITH_AS((void)w.item(), ("Var: handle: " + stale).c_str(), tg::Error);
  CHECK_THROWS_WITH_AS(tg::sigmoid(w), ("sigmoid: x: " + stale).c_str(), tg::Error);
  CHECK_THROWS_WITH_AS(w + other, ("add: a: " + stale).c_str(), tg::Error);
  CHECK_THROWS_WITH_AS(tape.set(w, 1.0), ("set: leaf: " + stale).c_str(), tg::Error);
  CHECK_THROWS_WITH_AS((void)tape.mutable_value(w), ("mutable_value: leaf: " + stale).c_str(),
                       tg::Error);
  CHECK_THROWS_WITH_AS(tape.backward(y),
                       ("backward: root: node 1 was recorded before tape.clear(); a Var does not "
                        "outlive the graph it names"),
                       tg::Error);
  CHECK(other.item() == 5.0);  // the new graph's own Vars work
}

TEST_CASE("errors: shapes whose element count a tape cannot hold are refused at creation") {
  CHECK_THROWS_WITH_AS(tg::Tensor(3, 6148914691236517206),
                       "Tensor: shape: 3x6148914691236517206 is too large: a tape holds fewer "
                       "than 2^32 elements",
                       tg::Error);
  CHECK_THROWS_WITH_AS(tg::Tensor(std::size_t{1} << 32, 1), doctest::Contains("is too large"),
                       tg::Error);
  CHECK_THROWS_WITH_AS(tg::Tensor(65536, 65536), doctest::Contains("is too large"), tg::Error);
  tg::Tape tape;
  CHECK_THROWS_WITH_AS(tape.input(tg::Shape{3, 6148914691236517206}),
                       "input: shape: 3x6148914691236517206 is too large: a tape holds fewer "
                       "than 2^32 elements",
                       tg::Error);
  CHECK_THROWS_WITH_AS(tape.input(tg::Shape{std::size_t{1} << 33, 0}),
                       doctest::Contains("has no elements"), tg::Error);
  CHECK(tape.size() == 0);  // nothing half recorded
}
