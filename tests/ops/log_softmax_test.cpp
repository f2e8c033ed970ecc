// log_softmax: y = x - logsumexp(x) along axis 1 (each row, the default) or axis 0, computed
// stably without forming softmax; dx = g - softmax ⊙ sum(g), softmax = e^y.
#include <cmath>
#include <limits>
#include <numbers>

#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

#include "support/op_check.hpp"

namespace tg = tapegrad;
using tg::test::near;

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();

tg::Tensor log_softmax_of(const tg::Tensor& x, int axis = 1) {
  tg::Tape tape;
  return tg::log_softmax(tape.input(x), axis).value().to_tensor();
}
}  // namespace

TEST_CASE("log_softmax: hand-derived values along both axes, and log(softmax) at moderate x") {
  const double ln2 = std::numbers::ln2, ln3 = std::log(3.0);
  const tg::Tensor x = tg::Tensor::from_rows({{0, ln3}, {ln2, ln2}});
  // rows: log([1, 3] / 4), log([1, 1] / 2)
  CHECK(log_softmax_of(x) ==
        near(tg::Tensor::from_rows({{-2 * ln2, ln3 - 2 * ln2}, {-ln2, -ln2}}), 1e-15));
  // columns: log([1, 2] / 3), log([3, 2] / 5)
  const double ln5 = std::log(5.0);
  CHECK(log_softmax_of(x, 0) ==
        near(tg::Tensor::from_rows({{-ln3, ln3 - ln5}, {ln2 - ln3, ln2 - ln5}}), 1e-15));
  tg::test::Rng rng;
  const tg::Tensor r = tg::test::Range{-5.0, 5.0}.draw(rng, {4, 6});
  for (const int axis : {0, 1}) {
    tg::Tape tape;
    const tg::Var xv = tape.input(r);
    CHECK(tg::log_softmax(xv, axis).op() == tg::OpKind::LogSoftmax);
    CHECK(tape.node(tg::log_softmax(xv, axis).index()).axis == axis);
    CHECK(tg::log_softmax(xv, axis).value() == near(tg::log(tg::softmax(xv, axis)).value(), 1e-13));
  }
}

TEST_CASE("log_softmax: hand-derived gradient g - softmax ⊙ sum(g)") {
  // softmax [1/4, 3/4], g = [1, 2]: dx = [1 - 3/4, 2 - 9/4] = [1/4, -1/4]
  tg::Tape tape;
  const tg::Var x = tape.param(tg::Tensor::row({0, std::log(3.0)}));
  tape.backward(tg::sum(tg::log_softmax(x) * tape.input(tg::Tensor::row({1, 2}))));
  CHECK(x.grad() == near(tg::Tensor::row({0.25, -0.25}), 1e-15));
}

TEST_CASE("log_softmax: exact and finite at large |z|: +-800, +-1e300") {
  CHECK(log_softmax_of(tg::Tensor::row({800, 0})) == tg::Tensor::row({0, -800}));
  CHECK(log_softmax_of(tg::Tensor::row({-800, -800})) ==
        near(tg::Tensor::row({-std::numbers::ln2, -std::numbers::ln2}), 1e-16));
  CHECK(log_softmax_of(tg::Tensor::row({1e300, -1e300})) == tg::Tensor::row({0, -2e300}));
  CHECK(log_softmax_of(tg::Tensor::row({-1e300, -1e300})) ==
        near(tg::Tensor::row({-std::numbers::ln2, -std::numbers::ln2}), 1e-16));
  // the naive log(softmax) underflows to -inf here
  CHECK(log_softmax_of(tg::Tensor::row({0, -1000})) == tg::Tensor::row({0, -1000}));
}

TEST_CASE("log_softmax: limits at +-inf, no limit (all -inf, +inf twice, NaN) gives NaN") {
  CHECK(log_softmax_of(tg::Tensor::row({kInf, 0})) == tg::Tensor::row({0, -kInf}));
  CHECK(log_softmax_of(tg::Tensor::row({-kInf, 0})) == tg::Tensor::row({-kInf, 0}));
  CHECK(log_softmax_of(tg::Tensor::row({-kInf, 0, 0})) ==
        near(tg::Tensor::row({-kInf, -std::numbers::ln2, -std::numbers::ln2}), 1e-16));
  for (const tg::Tensor& x : {tg::Tensor::row({-kInf, -kInf}), tg::Tensor::row({kInf, kInf}),
                              tg::Tensor::row({0, NAN})}) {
    CAPTURE(x);
    const tg::Tensor y = log_softmax_of(x);
    CHECK(std::isnan(y[0]));
    CHECK(std::isnan(y[1]));
  }
  // the gradient at a limit is finite: softmax = [1, 0], dx = g - [1, 0] sum(g)
  tg::Tape tape;
  const tg::Var x = tape.param(tg::Tensor::row({kInf, 0}));
  tape.backward(tg::sum(tg::log_softmax(x) * tape.input(tg::Tensor::row({2, -3}))));
  CHECK(x.grad() == tg::Tensor::row({3, -3}));
}

TEST_CASE("log_softmax: gradients match finite differences at random points along both axes") {
  for (const int axis : {0, 1}) {
    CAPTURE(axis);
    tg::test::check_gradients_at_random_points(
        {{{3, 4}, {-3.0, 3.0}}},
        [axis](std::span<const tg::Var> p) { return tg::log_softmax(p[0], axis); });
  }
}

TEST_CASE("log_softmax: gradients match finite differences at edge values: +-800, +-1e300") {
  tg::test::check_gradients({tg::Tensor::from_rows({{800, 799.5, 801}, {-800, -799, -801}})},
                            [](std::span<const tg::Var> p) { return tg::log_softmax(p[0]); });
  // [1e300, -1e300]: y = [0, x_1 - x_0], so dy/dx is exactly [[0, 0], [-1, 1]]
  tg::test::check_gradients({tg::Tensor::row({1e300, -1e300})},
                            [](std::span<const tg::Var> p) { return tg::log_softmax(p[0]); });
  tg::test::check_gradients({tg::Tensor::column({-1e300, 2e299})},
                            [](std::span<const tg::Var> p) { return tg::log_softmax(p[0], 0); });
}

TEST_CASE("log_softmax: errors name the op and the argument") {
  tg::Tape tape;
  const tg::Var x = tape.param(tg::Tensor(2, 3, 0.0));
  CHECK_THROWS_WITH_AS(tg::log_softmax(x, -1),
                       "log_softmax: axis: -1 is neither 0 (over rows) nor 1 (over columns)",
                       tg::Error);
  CHECK_THROWS_WITH_AS(tg::log_softmax(tg::Var()),
                       "log_softmax: x: empty Var (default-constructed, not from a tape)",
                       tg::Error);
}
