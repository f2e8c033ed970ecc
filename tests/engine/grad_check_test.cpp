// grad_check itself: it passes on correct gradients and reports the right element when the
// analytic gradient is wrong.
#include <cmath>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

#include "support/op_check.hpp"

namespace tg = tapegrad;

TEST_CASE("grad_check passes on a correct graph and restores leaf values") {
  tg::Tape tape;
  const tg::Var w = tape.param(tg::Tensor::row({0.3, -1.2, 2.0}), "w");
  const tg::Var J = tg::sum(tg::exp(w) * w);
  const tg::GradCheckResult result = tg::grad_check(J);
  CHECK_MESSAGE(result.ok, result.summary());
  CHECK(result.checked == 3);
  CHECK(w.value() == tg::Tensor::row({0.3, -1.2, 2.0}));
  CHECK(J.item() ==
        tg::test::near(std::exp(0.3) * 0.3 + std::exp(-1.2) * -1.2 + std::exp(2.0) * 2.0, 1e-15));
  // The analytic gradient (1 + w) e^w is left in w.
  CHECK(w.grad()(0, 2) == tg::test::near(3.0 * std::exp(2.0), 1e-15));
  CHECK(result.summary().starts_with("ok: 3 elements, worst w["));
  tg::Tape one;  // a single element: "1 element"
  const tg::Var v = one.param(0.5, "v");
  CHECK(tg::grad_check(tg::exp(v)).summary().starts_with("ok: 1 element, worst v[0,0]"));
}

TEST_CASE("grad_check fails and names the leaf and element whose gradient is wrong") {
  // J = sum(p * p) + sum(q * q * (1 - M)) + sum(q * detach(q) * M) with the mask M = [0, 1, 0]:
  // at q[0,1] backward sees only the first factor (q), while finite differences see the detached
  // copy move too (2q). Every other element is right.
  tg::Tape tape;
  const tg::Var p = tape.param(tg::Tensor::from_rows({{0.5, -1.0}, {1.5, 2.0}}), "p");
  const tg::Var q = tape.param(tg::Tensor::row({0.7, -1.3, 0.4}), "q");
  const tg::Var M = tape.input(tg::Tensor::row({0.0, 1.0, 0.0}), "M");
  const tg::Var J = tg::sum(p * p) + tg::sum(q * q * (1.0 - M)) + tg::sum(q * tg::detach(q) * M);
  const tg::GradCheckResult result = tg::grad_check(J);
  CHECK_FALSE(result.ok);
  CHECK(result.checked == 7);
  CHECK(result.worst.leaf == q);
  CHECK(result.worst.row == 0);
  CHECK(result.worst.col == 1);
  CHECK(result.worst.analytic == -1.3);
  CHECK(result.worst.numeric == tg::test::near(-2.6, 1e-8));
  CHECK(result.worst.abs_error == tg::test::near(1.3, 1e-8));
  CHECK(result.worst.rel_error == tg::test::near(0.5, 1e-8));
  CAPTURE(result.summary());
  CHECK(result.summary().starts_with("FAILED: 7 elements, worst q[0,1]: analytic -1.3"));

  // Checking only p passes: the wrong element is in q.
  const std::vector<tg::Var> only_p{p};
  const tg::GradCheckResult p_result = tg::grad_check(J, only_p);
  CHECK_MESSAGE(p_result.ok, p_result.summary());
  CHECK(p_result.checked == 4);
}

TEST_CASE("grad_check fails on a non-finite gradient") {
  // d sqrt(x)/dx at 0 is inf; the central difference there takes sqrt of a negative number.
  tg::Tape tape;
  const tg::Var x = tape.param(0.0, "x");
  const tg::GradCheckResult result = tg::grad_check(tg::pow(x, 0.5));
  CHECK_FALSE(result.ok);
  CHECK(result.worst.leaf == x);
  CHECK(std::isinf(result.worst.analytic));
}
