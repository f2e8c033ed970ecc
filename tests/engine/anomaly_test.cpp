// Anomaly detection: the first non-finite value (forward, recording included) or gradient
// (backward) stops the pass with an AnomalyError naming the node, its shape and its inputs.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include <tapegrad/tapegrad.hpp>

namespace tg = tapegrad;

TEST_CASE("anomaly: off by default, non-finite values follow IEEE (log 0 = -inf, exp overflow)") {
  tg::Tape tape;
  tg::Var x = tape.param(0.0, "x");
  tg::Var y = tg::log(x);
  CHECK(y.item() == -std::numeric_limits<double>::infinity());
  tape.set(x, 1000.0);
  tg::Var e = tg::exp(x);
  CHECK(e.item() == std::numeric_limits<double>::infinity());
  CHECK_FALSE(tape.detect_anomalies());
}

TEST_CASE("anomaly: recording log(0) throws, naming the node, the element and the input") {
  tg::Tape tape;
  tape.set_detect_anomalies(true);
  tg::Var x = tape.param(0.0, "x");
  CHECK_THROWS_WITH_AS((void)tg::log(x),
                       "forward: node 1 (log): value[0,0] = -inf is not finite (shape 1x1); "
                       "inputs: node 0 (param 'x') = 0",
                       tg::AnomalyError);
  CHECK(tape.size() == 2);  // the node stays on the tape
}

TEST_CASE("anomaly: a non-finite one-element leaf throws when it is created, with its label") {
  tg::Tape tape;
  tape.set_detect_anomalies(true);
  (void)tape.input(1.5, "x");
  CHECK_THROWS_WITH_AS((void)tape.param(std::numeric_limits<double>::quiet_NaN(), "w"),
                       "forward: node 1 (param 'w'): value[0,0] = nan is not finite (shape 1x1)",
                       tg::AnomalyError);
  CHECK_THROWS_WITH_AS((void)tape.input(-std::numeric_limits<double>::infinity()),
                       "forward: node 2 (input): value[0,0] = -inf is not finite (shape 1x1)",
                       tg::AnomalyError);
  CHECK(tape.size() == 3);  // the leaves stay on the tape
  CHECK(tape.node(1).label == "w");
  tape.set_detect_anomalies(false);
  CHECK(std::isinf(tape.input(std::numeric_limits<double>::infinity()).item()));  // off: kept
}

TEST_CASE("anomaly: replay stops at the first overflowing node, not at the ones after it") {
  tg::Tape tape;
  tg::Var x = tape.input(tg::Tensor::row({1.0, 2.0}), "x");
  tg::Var w = tape.param(1.0, "w");
  tg::Var e = tg::exp(x * w).set_label("e");
  tg::Var L = tg::sum(tg::log(e));
  tape.set_detect_anomalies(true);
  tape.forward();  // all finite: no throw
  tape.set(x, tg::Tensor::row({1.0, 800.0}));
  try {
    tape.forward();
    FAIL("forward did not throw");
  } catch (const tg::AnomalyError& err) {
    CHECK(err.node() == e.index());
    CHECK(std::string(err.what()) ==
          "forward: node 3 (exp 'e'): value[0,1] = inf is not finite (shape 1x2); inputs: "
          "node 2 (mul) = [[1, 800]]");
  }
  (void)L;
}

TEST_CASE("anomaly: a non-finite gradient names the node whose gradient it is") {
  // d sqrt(x) / dx = 0.5 x^-0.5 is inf at x = 0, while every value is finite.
  tg::Tape tape;
  tg::Var x = tape.param(0.0, "x");
  tg::Var r = tg::pow(x, 0.5);
  tape.backward(r);
  CHECK(x.grad().item() == std::numeric_limits<double>::infinity());  // off: IEEE result
  {
    tg::AnomalyGuard guard(tape);
    CHECK(tape.detect_anomalies());
    tape.zero_grad();
    CHECK_THROWS_WITH_AS(tape.backward(r),
                         "backward: node 0 (param 'x'): gradient[0,0] = inf is not finite "
                         "(shape 1x1)",
                         tg::AnomalyError);
  }
  CHECK_FALSE(tape.detect_anomalies());  // the guard restored the setting
}

TEST_CASE("anomaly: a large input is summarised by its range in the message") {
  tg::Tape tape;
  tape.set_detect_anomalies(true);
  tg::Tensor big(5, 4, 1.0);
  big(4, 3) = -2.0;
  tg::Var x = tape.input(big, "X");
  CHECK_THROWS_WITH_AS((void)tg::log(x),
                       "forward: node 1 (log): value[4,3] = nan is not finite (shape 5x4); "
                       "inputs: node 0 (input 'X') = 5x4 values in [-2, 1]",
                       tg::AnomalyError);
}

TEST_CASE("anomaly: the DOT export marks the node an AnomalyError names") {
  tg::Tape tape;
  tg::Var x = tape.param(0.0, "x");
  tg::Var y = tg::log(x);
  std::size_t node = 0;
  try {
    tg::AnomalyGuard guard(tape);
    tape.forward();
  } catch (const tg::AnomalyError& err) {
    node = err.node();
  }
  REQUIRE(node == y.index());
  tg::DotOptions options;
  options.anomaly = node;
  const std::string dot = tg::to_dot(tape, options);
  CHECK(dot.find("non-finite (anomaly)") != std::string::npos);
  CHECK(dot.find("fillcolor=\"#f8d7da\"") != std::string::npos);
  CHECK(dot.find("  v1 [label=") != std::string::npos);
  options.anomaly = 7;
  CHECK_THROWS_WITH_AS((void)tg::to_dot(tape, options),
                       "to_dot: anomaly: node 7 is out of range (the tape has 2 nodes)", tg::Error);
}
