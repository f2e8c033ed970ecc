// Replay and gradient accumulation: a graph recorded once and replayed with new leaf values
// computes exactly what a fresh recording at those values computes, and backward() accumulates
// into params only.
#include <cstddef>
#include <vector>

#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

#include "support/graphs.hpp"
#include "support/op_check.hpp"

namespace tg = tapegrad;

namespace {

// Both tapes hold the same graph: every node's value and gradient must be bitwise equal.
void check_same_values_and_grads(const tg::Tape& replayed, const tg::Tape& fresh) {
  REQUIRE(replayed.size() == fresh.size());
  for (std::size_t i = 0; i < fresh.size(); ++i) {
    CAPTURE(i);
    CHECK(replayed.value(i) == fresh.value(i));
    REQUIRE(replayed.has_grad(i) == fresh.has_grad(i));
    if (fresh.has_grad(i)) CHECK(replayed.grad(i) == fresh.grad(i));
  }
}

// Runs backward(root) twice without zero_grad: params then hold twice the one-pass gradient (to
// `abs_tolerance`, 0 for exactly), intermediates exactly the one-pass gradient; zero_grad()
// clears the params.
void check_second_pass_doubles(tg::Tape& tape, tg::Var root, double abs_tolerance) {
  tape.backward(root);
  std::vector<tg::Tensor> once;
  for (std::size_t i = 0; i < tape.size(); ++i) {
    once.push_back(tape.has_grad(i) ? tape.grad(i).to_tensor() : tg::Tensor());
  }
  tape.backward(root);
  std::size_t params = 0, intermediates = 0;
  for (std::size_t i = 0; i < tape.size(); ++i) {
    if (!tape.has_grad(i)) continue;
    CAPTURE(i);
    if (tape.node(i).op == tg::OpKind::Param) {
      ++params;
      tg::Tensor doubled = once[i];
      for (double& x : doubled) x *= 2.0;
      CHECK(tape.grad(i) == tg::test::near(doubled, 0.0, abs_tolerance));
    } else {
      ++intermediates;
      CHECK(tape.grad(i) == once[i]);
    }
  }
  CHECK(params > 0);
  CHECK(intermediates > 0);
  tape.zero_grad();
  for (const tg::Var& p : tape.params()) {
    CHECK(p.grad() == tg::Tensor(p.shape().rows, p.shape().cols));
  }
}

// Records a graph at random values, then `steps` times sets new random values and replays (set,
// forward, zero_grad, backward): every node's value and gradient must equal, bitwise, those of a
// fresh tape recorded at the new values.
template <class Values>
void check_replay_matches_recording(int steps) {
  tg::test::Rng rng;
  tg::Tape replayed;
  const auto g = tg::test::record(replayed, Values::random(rng));
  replayed.backward(g.root());
  for (int step = 0; step < steps; ++step) {
    const Values v = Values::random(rng);
    tg::test::replay(replayed, g, v);
    tg::Tape fresh;
    fresh.backward(tg::test::record(fresh, v).root());
    CAPTURE(step);
    check_same_values_and_grads(replayed, fresh);
  }
}

}  // namespace

TEST_CASE("replay equals re-recording, bitwise: lecture graph") {
  check_replay_matches_recording<tg::test::LogisticPoint>(8);
}

TEST_CASE("replay equals re-recording, bitwise: tensor graph") {
  check_replay_matches_recording<tg::test::NetValues>(4);
}

TEST_CASE(
    "two backward() calls without zero_grad double param grads exactly when each param "
    "element gets one contribution, intermediates stay per pass") {
  // The second pass adds exactly the first pass's value to each param element: g + g = 2g.
  tg::test::Rng rng;
  SUBCASE("lecture graph") {
    tg::Tape tape;
    const tg::test::LogisticPoint p{0.5, -1.0, 1.0, 0.25, 0.75, -0.5};
    check_second_pass_doubles(tape, tg::test::record(tape, p).L, 0.0);
  }
  SUBCASE("tensor graph: J = sum(sigmoid(w^T X) * R)") {
    tg::Tape tape;
    const tg::test::Range r{-2.0, 2.0};
    const tg::Var X = tape.input(r.draw(rng, {3, 6})), R = tape.input(r.draw(rng, {1, 6}));
    const tg::Var w = tape.param(r.draw(rng, {3, 1}), "w");
    check_second_pass_doubles(tape, tg::sum(tg::sigmoid(tg::matmul(tg::transpose(w), X)) * R), 0.0);
  }
}

TEST_CASE(
    "two backward() calls: params summing several contributions a pass double up to "
    "rounding, intermediates stay per pass") {
  // A param reached along several paths, or broadcast, gets its contributions added one by one
  // to its accumulated gradient, so the second pass sums them onto g instead of forming 2g:
  // equal to 2g up to a few roundings of the contributions' size (about 1).
  tg::test::Rng rng;
  tg::Tape tape;
  check_second_pass_doubles(tape, tg::test::record(tape, tg::test::NetValues::random(rng)).J,
                            1e-15);
}

TEST_CASE("backward accumulates across roots: grads of J1 then J2 sum to the grads of J1 + J2") {
  tg::Tape tape;
  const tg::Var w = tape.param(tg::Tensor::row({0.5, -2.0}), "w");
  const tg::Var j1 = tg::sum(w * w), j2 = tg::sum(3.0 * w), both = j1 + j2;
  tape.backward(j1);
  tape.backward(j2);
  const tg::Tensor accumulated = w.grad().to_tensor();
  tape.zero_grad();
  tape.backward(both);
  CHECK(accumulated == tg::Tensor::row({1.0 + 3.0, -4.0 + 3.0}));  // 2w + 3
  CHECK(w.grad() == accumulated);
}

TEST_CASE("a param recorded after intermediates still accumulates while intermediates reset") {
  // Gradient storage of params and intermediates interleaves here; backward must reset only the
  // intermediates.
  tg::Tape tape;
  const tg::Var a = tape.param(2.0, "a");
  const tg::Var u = a * a;  // intermediate recorded before the param b
  const tg::Var b = tape.param(5.0, "b");
  const tg::Var J = u * b;
  tape.backward(J);
  tape.backward(J);
  CHECK(a.grad().item() == 2.0 * (2.0 * 2.0 * 5.0));  // twice dJ/da = 2ab
  CHECK(b.grad().item() == 2.0 * (2.0 * 2.0));        // twice dJ/db = a^2
  CHECK(u.grad().item() == 5.0);                      // dJ/du = b, one pass
}

TEST_CASE("zero_grad on a large graph: params zeroed, intermediates reset by the next backward") {
  // 3 x 2,000 intermediate gradient elements, more than zero_grad() zeroes at once.
  tg::test::Rng rng;
  tg::Tensor X(1, 2000);
  for (double& x : X) x = rng.uniform(-1.0, 1.0);
  tg::Tape replayed, fresh;
  const auto record = [&](tg::Tape& t) {
    const tg::Var w = t.param(0.5), x = t.input(X);
    const tg::Var h = tg::tanh(w * x);
    return std::pair{w, tg::sum(h * h)};
  };
  const auto [w, J] = record(replayed);
  replayed.backward(J);
  replayed.zero_grad();
  CHECK(w.grad().item() == 0.0);
  replayed.backward(J);
  const auto [w1, J1] = record(fresh);
  fresh.backward(J1);
  CHECK(w.grad().item() == w1.grad().item());  // not twice: the first pass's are gone
  for (std::size_t i = 0; i < replayed.size(); ++i) {
    CAPTURE(i);
    if (fresh.has_grad(i)) CHECK(replayed.grad(i) == fresh.grad(i));
  }
}

TEST_CASE("replay: a leaf made from a view of the tape's own values copies them") {
  // The view points into the tape's storage, which recording the new leaf may move.
  tg::Tape tape;
  const tg::Var q = tape.param(tg::Tensor::from_rows({{1, 2}, {3, 4}}), "q");
  for (int i = 0; i < 50; ++i) {
    const tg::Var c = tape.input((q * q).value(), "c");
    CHECK(c.value() == tg::Tensor::from_rows({{1, 4}, {9, 16}}));
  }
}
