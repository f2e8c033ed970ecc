// sigmoid: y = 1 / (1 + e^-x); dy/dx = y (1 - y).
#include <cmath>

#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

#include "support/op_check.hpp"

namespace tg = tapegrad;
using tg::test::near;

namespace {
tg::Var sigmoid_of(const tg::Var& x) { return tg::sigmoid(x); }
}  // namespace

TEST_CASE("sigmoid: s(0) = 1/2, s(ln 3) = 3/4, s(-ln 3) = 1/4, gradient s (1 - s)") {
  const double ln3 = std::log(3.0);
  const auto r = tg::test::value_and_grad(sigmoid_of, tg::Tensor::row({0, ln3, -ln3}));
  CHECK(r.op == tg::OpKind::Sigmoid);
  CHECK(r.value(0, 0) == 0.5);
  CHECK(r.grad(0, 0) == 0.25);
  CHECK(r.value == near(tg::Tensor::row({0.5, 0.75, 0.25}), 1e-15));
  CHECK(r.grad == near(tg::Tensor::row({0.25, 0.1875, 0.1875}), 1e-15));
}

TEST_CASE("sigmoid: at +-40 the value is 1 and e^-40, the gradient about e^-40, never NaN") {
  // 1 - s(40) = s(-40) ~ 4.2e-18 is below half an ulp of 1, so s(40) rounds to exactly 1 and its
  // computed gradient s (1 - s) is 0 (true value 4.2e-18). s(-40) = e^-40 / (1 + e^-40) is e^-40
  // to rounding, and so is its gradient.
  const auto r = tg::test::value_and_grad(sigmoid_of, tg::Tensor::row({40, -40}));
  CHECK(r.value(0, 0) == 1.0);
  CHECK(r.grad(0, 0) == 0.0);
  CHECK(r.value(0, 1) == near(std::exp(-40.0), 1e-15));
  CHECK(r.grad(0, 1) == near(std::exp(-40.0), 1e-15));
  // Finite differences agree; at -40 with atol 0, so the tiny gradient is checked relatively.
  const tg::test::Graph graph = [](std::span<const tg::Var> p) { return tg::sigmoid(p[0]); };
  tg::test::check_gradients({tg::Tensor(-40.0)}, graph, {.atol = 0.0});
  tg::test::check_gradients({tg::Tensor(40.0)}, graph, {.atol = 1e-17});
}

TEST_CASE("sigmoid: s(+inf) = 1 and s(-inf) = 0 exactly, gradient 0") {
  const auto r = tg::test::value_and_grad(sigmoid_of, tg::Tensor::row({INFINITY, -INFINITY}));
  CHECK(r.value == tg::Tensor::row({1, 0}));
  CHECK(r.grad == tg::Tensor::row({0, 0}));
}

TEST_CASE("sigmoid: gradients match finite differences at random points") {
  tg::test::check_gradients_at_random_points(
      {{{2, 3}, {-6.0, 6.0}}}, [](std::span<const tg::Var> p) { return tg::sigmoid(p[0]); });
}

TEST_CASE("sigmoid: within 4 ulp of a long-double reference across its range, exact at +-inf") {
  // Reference: 1 / (1 + e^-x) in long double (64-bit mantissa on x86-64), rounded to double.
  const auto ulp_distance = [](double a, double b) {
    if (a == b) return 0.0;
    return std::abs(a - b) / (std::nextafter(std::abs(b), INFINITY) - std::abs(b));
  };
  double worst = 0.0;
  double worst_x = 0.0;
  for (int i = -20000; i <= 20000; ++i) {
    const double x = 0.0372 * i;  // -744 .. 744, where sigmoid goes from subnormal to 1
    const long double xl = x;
    const double reference = static_cast<double>(1.0L / (1.0L + std::exp(-xl)));
    const double got = tg::detail::SigmoidRule::forward(x, nullptr);
    const double d = ulp_distance(got, reference);
    if (d > worst) {
      worst = d;
      worst_x = x;
    }
  }
  INFO("worst at x = ", worst_x, ": ", worst, " ulp");
  CHECK(worst <= 4.0);
  CHECK(tg::detail::SigmoidRule::forward(INFINITY, nullptr) == 1.0);
  CHECK(tg::detail::SigmoidRule::forward(-INFINITY, nullptr) == 0.0);
}
