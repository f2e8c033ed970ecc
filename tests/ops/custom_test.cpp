// custom: user-defined ops in both forms, ElementwiseOp (value and derivative) and CustomOp
// (forward and a vector-Jacobian backward over tensors), recorded, replayed, differentiated and
// drawn without editing the library.
#include <cmath>
#include <memory>
#include <span>
#include <string>

#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

#include "support/op_check.hpp"

namespace tg = tapegrad;
using tg::test::near;

namespace {

// softplus(x) = log(1 + e^x), stable for large |x|; d/dx = sigma(x) = 1 - e^-y.
const tg::ElementwiseOp softplus(
    "softplus",
    [](double x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); },
    [](double x, double) { return tg::test::logistic(x); });

// norm3(a, b, c) = sqrt(a^2 + b^2 + c^2) element-wise over three inputs of one shape, row-wise;
// d/da = a / y (and likewise b, c).
std::shared_ptr<const tg::CustomOp> norm3() {
  auto op = std::make_shared<tg::CustomOp>();
  op->name = "norm3";
  op->row_wise = true;
  op->shape = [](std::span<const tg::Shape> in) {
    if (in.size() != 3 || in[1] != in[0] || in[2] != in[0]) {
      tg::detail::fail("norm3", "inputs", "expected three of one shape");
    }
    return in[0];
  };
  op->forward = [](std::span<const tg::TensorView> in, tg::MutableTensorView out) {
    for (std::size_t i = 0; i < out.size(); ++i) {
      out.data()[i] = std::sqrt(in[0][i] * in[0][i] + in[1][i] * in[1][i] + in[2][i] * in[2][i]);
    }
  };
  op->backward = [](std::span<const tg::TensorView> in, tg::TensorView y, tg::TensorView g,
                    std::span<const tg::MutableTensorView> grads) {
    for (std::size_t s = 0; s < 3; ++s) {
      if (grads[s].size() == 0) continue;
      for (std::size_t i = 0; i < y.size(); ++i) grads[s].data()[i] += g[i] * in[s][i] / y[i];
    }
  };
  return op;
}

// cumsum(x) over rows: y_ij = sum_{k <= i} x_kj. Not row-wise (row i reads rows 0..i).
// d J / d x_kj = sum_{i >= k} g_ij.
std::shared_ptr<const tg::CustomOp> cumsum() {
  auto op = std::make_shared<tg::CustomOp>();
  op->name = "cumsum";
  op->forward = [](std::span<const tg::TensorView> in, tg::MutableTensorView out) {
    const tg::TensorView x = in[0];
    for (std::size_t c = 0; c < x.cols(); ++c) {
      double s = 0.0;
      for (std::size_t r = 0; r < x.rows(); ++r) out(r, c) = s += x(r, c);
    }
  };
  op->backward = [](std::span<const tg::TensorView>, tg::TensorView y, tg::TensorView g,
                    std::span<const tg::MutableTensorView> grads) {
    for (std::size_t c = 0; c < y.cols(); ++c) {
      double s = 0.0;
      for (std::size_t r = y.rows(); r-- > 0;) grads[0](r, c) += s += g(r, c);
    }
  };
  return op;
}

}  // namespace

TEST_CASE("custom: softplus by value and derivative: log 2 and 1/2 at 0, exact limits far out") {
  const auto r = tg::test::value_and_grad([](const tg::Var& x) { return softplus(x); },
                                          tg::Tensor::row({0.0, 1.0, -800.0, 800.0}));
  CHECK(r.op == tg::OpKind::Custom);
  CHECK(r.value(0, 0) == near(std::log(2.0), 1e-15));
  CHECK(r.grad(0, 0) == 0.5);
  CHECK(r.value(0, 1) == near(std::log1p(std::exp(1.0)), 1e-15));
  CHECK(r.grad(0, 1) == near(1.0 / (1.0 + std::exp(-1.0)), 1e-15));
  CHECK(r.value(0, 2) == 0.0);
  CHECK(r.grad(0, 2) == 0.0);
  CHECK(r.value(0, 3) == 800.0);
  CHECK(r.grad(0, 3) == 1.0);
}

TEST_CASE("custom: gradients match finite differences at random points, both forms") {
  tg::test::check_gradients_at_random_points(
      {{{2, 3}, {-4.0, 4.0}}}, [](std::span<const tg::Var> p) { return softplus(p[0]); });
  const auto n3 = norm3();
  tg::test::check_gradients_at_random_points(
      {{{3, 2}, {0.5, 2.0}}, {{3, 2}, {-2.0, -0.5}}, {{3, 2}, {0.5, 2.0}}},
      [&](std::span<const tg::Var> p) {
        return tg::custom(n3, {p[0], p[1], p[2]});
      });
  const auto cs = cumsum();
  tg::test::check_gradients_at_random_points(
      {{{4, 3}, {-2.0, 2.0}}},
      [&](std::span<const tg::Var> p) { return tg::sigmoid(tg::custom(cs, {p[0]})); });
}

TEST_CASE("custom: values and gradients equal hand-derived ones, an input without gradient") {
  tg::Tape tape;
  const tg::Var a = tape.param(3.0, "a");
  const tg::Var b = tape.input(4.0, "b");  // no gradient: its view is empty
  const tg::Var c = tape.param(12.0, "c");
  const tg::Var y = tg::custom(norm3(), {a, b, c});
  CHECK(y.item() == 13.0);
  tape.backward(y);
  CHECK(a.grad().item() == 3.0 / 13.0);
  CHECK(c.grad().item() == 12.0 / 13.0);
  CHECK_FALSE(tape.has_grad(b.index()));
}

TEST_CASE("custom: replay with forward(), name in NodeInfo, DOT and anomaly messages") {
  tg::Tape tape;
  const tg::Var x = tape.param(0.0, "x");
  const tg::Var y = softplus(x).set_label("y");
  tape.set(x, 2.0);
  tape.forward();
  CHECK(y.item() == near(std::log1p(std::exp(2.0)), 1e-15));
  CHECK(tape.node(y.index()).name == "softplus");
  CHECK(tg::op_expression(tape.node(y.index()), std::vector<std::string>{"x"}) == "softplus(x)");
  tg::DotOptions merged;
  merged.ops = tg::OpStyle::Merged;
  const std::string dot = tg::to_dot(tape, merged);
  CHECK(dot.find("y = softplus(x)\\nvalue 2.127") != std::string::npos);
  CHECK(tape.local_partial(y.index(), 0).value() == near(tg::test::logistic(2.0), 1e-15));

  const tg::ElementwiseOp bad(
      "bad", [](double v) { return std::log(v); }, [](double v, double) { return 1.0 / v; });
  tg::AnomalyGuard guard(tape);
  CHECK_THROWS_WITH_AS(bad(x - 2.0), doctest::Contains("(bad)"), tg::AnomalyError);
}

TEST_CASE("custom: forward_backward runs row-wise ops in blocks and falls back for others") {
  tg::test::Rng rng;
  tg::Tensor data(64, 3);
  for (double& v : data) v = rng.uniform(-2.0, 2.0);
  for (const bool row_wise : {true, false}) {
    CAPTURE(row_wise);
    tg::Tape blocked, plain;
    const auto record = [&](tg::Tape& t) {
      const tg::Var X = t.input(data, "X");
      const tg::Var w = t.param(tg::Tensor::column({0.5, -0.3, 0.2}), "w");
      const tg::Var z = matmul(X, w);
      return std::pair{w, mean(row_wise ? softplus(z) : tg::custom(cumsum(), {z}))};
    };
    const auto [wb, Jb] = record(blocked);
    const auto [wp, Jp] = record(plain);
    CHECK(blocked.blockable(Jb) == row_wise);
    blocked.forward_backward(Jb, {.block_rows = 8, .threads = 2});
    plain.forward();
    plain.backward(Jp);
    CHECK(Jb.item() == near(Jp.item(), 1e-14));
    CHECK(wb.grad() == near(wp.grad(), 1e-13));
  }
}

TEST_CASE("custom: bad definitions and inputs are refused with the op's name") {
  tg::Tape tape;
  const tg::Var x = tape.param(1.0, "x");
  CHECK_THROWS_WITH_AS(tg::custom(nullptr, {x}),
                       "custom: op: null; pass a std::shared_ptr<const CustomOp>", tg::Error);
  const auto no_forward = std::make_shared<const tg::CustomOp>(tg::CustomOp{.name = "f"});
  CHECK_THROWS_WITH_AS(tg::custom(no_forward, {x}), "f: forward: no forward callback", tg::Error);
  CHECK_THROWS_WITH_AS(tg::custom(norm3(), {x, x}), "norm3: inputs: expected three of one shape",
                       tg::Error);
  CHECK_THROWS_WITH_AS(tg::ElementwiseOp("g", nullptr, [](double, double) { return 0.0; }),
                       "g: value: no value function", tg::Error);
  CHECK_THROWS_WITH_AS(softplus(tg::Var()), doctest::Contains("softplus: inputs: empty Var"),
                       tg::Error);
}
