// Fan-in: a Var used by several ops, or as both inputs of one op, receives the sum of every
// path's contribution.
#include <cmath>

#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

#include "support/op_check.hpp"

namespace tg = tapegrad;
using tg::test::near;

TEST_CASE("fan-in: x * x has gradient 2x exactly") {
  tg::Tape tape;
  const tg::Var x = tape.param(1.75, "x");
  const tg::Var y = x * x;
  tape.backward(y);
  CHECK(y.item() == 3.0625);
  CHECK(x.grad().item() == 3.5);
}

TEST_CASE("fan-in: split and merge y = x*a + x*b + exp(x) has gradient a + b + exp(x)") {
  tg::Tape tape;
  const double xv = 0.625, av = 1.5, bv = -4.0;
  const tg::Var x = tape.param(xv, "x"), a = tape.input(av, "a"), b = tape.input(bv, "b");
  const tg::Var y = x * a + x * b + tg::exp(x);
  tape.backward(y);
  CHECK(y.item() == near(xv * av + xv * bv + std::exp(xv), 1e-15));
  CHECK(x.grad().item() == near(av + bv + std::exp(xv), 1e-15));
}

TEST_CASE("fan-in: the same Var as both inputs of add, sub, mul and div") {
  tg::Tape tape;
  const tg::Var x = tape.param(tg::Tensor::row({-1.5, 0.5, 3.0}), "x");
  SUBCASE("x + x: gradient 2") {
    tape.backward(tg::sum(x + x));
    CHECK(x.grad() == tg::Tensor::row({2.0, 2.0, 2.0}));
  }
  SUBCASE("x - x: gradient 0") {
    tape.backward(tg::sum(x - x));
    CHECK(x.grad() == tg::Tensor::row({0.0, 0.0, 0.0}));
  }
  SUBCASE("x * x: gradient 2x") {
    tape.backward(tg::sum(x * x));
    CHECK(x.grad() == tg::Tensor::row({-3.0, 1.0, 6.0}));
  }
  SUBCASE("x / x: gradient 1/x - x/x^2 = 0") {
    tape.backward(tg::sum(x / x));
    CHECK(x.grad() == tg::Tensor::row({0.0, 0.0, 0.0}));
  }
  SUBCASE("x used 100 times in a sum: gradient 100") {
    tg::Var y = x;
    for (int k = 1; k < 100; ++k) y = y + x;
    tape.backward(tg::sum(y));
    CHECK(x.grad() == tg::Tensor::row({100.0, 100.0, 100.0}));
  }
}

TEST_CASE(
    "fan-in: a Var shared by several ops, matmul and broadcasting matches finite "
    "differences") {
  const tg::test::Range r{-1.5, 1.5};
  tg::test::check_gradients_at_random_points({{{3, 3}, r}}, [](std::span<const tg::Var> p) {
    const tg::Var& x = p[0];
    const tg::Var row = tg::sum(x, 0), col = tg::mean(x, 1);
    return tg::matmul(x, x) + x * tg::transpose(x) + row * col + tg::tanh(x) / (x * x + 1.0) +
           tg::mse(x, x);
  });
}
