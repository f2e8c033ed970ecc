// A very long chain: backward walks the tape in a loop, so depth costs no stack.
#include <cmath>
#include <cstddef>

#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

#include "support/op_check.hpp"

namespace tg = tapegrad;
using tg::test::near;

TEST_CASE("chain of 10^6 nodes: backward does not overflow the stack and gives dx_n/dx_0 = c^n") {
  // x_{k+1} = x_k * c + d, two affine nodes a step: x_n = c^n x_0 + d (c^n - 1) / (c - 1) and
  // dx_n/dx_0 = c^n. Each of the 2n rounding steps is off by at most half an ulp, hence 1e-9.
  const std::size_t steps = 500'000;
  const double c = 1.0 + 1e-6, d = 0.25, x0v = 0.5;
  tg::Tape tape;
  tape.reserve(2 * steps + 1, 2 * steps + 1);
  const tg::Var x0 = tape.param(x0v, "x0");
  tg::Var x = x0;
  for (std::size_t k = 0; k < steps; ++k) x = x * c + d;
  REQUIRE(tape.size() == 2 * steps + 1);
  tape.backward(x);
  const double cn = std::pow(c, static_cast<double>(steps));
  CHECK(x.item() == near(cn * x0v + d * (cn - 1.0) / (c - 1.0), 1e-9));
  CHECK(x0.grad().item() == near(cn, 1e-9));
}
