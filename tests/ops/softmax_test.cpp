// softmax: y = e^x / sum e^x along axis 1 (each row, the default) or axis 0 (each column),
// computed stably; dx = y ⊙ (g - sum(g ⊙ y)). Also the forward_backward test of the row-wise ops
// of issue 11 (softmax, log_softmax, max, min, abs, sqrt, clamp, where, concat along axis 1).
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

#include "support/op_check.hpp"

namespace tg = tapegrad;
using tg::test::near;

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();

tg::Tensor softmax_of(const tg::Tensor& x, int axis = 1) {
  tg::Tape tape;
  return tg::softmax(tape.input(x), axis).value().to_tensor();
}
}  // namespace

TEST_CASE("softmax: hand-derived values along axis 1 (the default) and axis 0") {
  const double ln2 = std::numbers::ln2, ln3 = std::log(3.0);
  const tg::Tensor x = tg::Tensor::from_rows({{0, ln3}, {ln2, ln2}});
  tg::Tape tape;
  const tg::Var xv = tape.input(x);
  CHECK(tg::softmax(xv).op() == tg::OpKind::Softmax);
  CHECK(tape.node(tg::softmax(xv).index()).axis == 1);
  // rows: [1, 3] / 4 and [2, 2] / 4
  CHECK(tg::softmax(xv).value() == near(tg::Tensor::from_rows({{0.25, 0.75}, {0.5, 0.5}}), 1e-15));
  CHECK(tg::softmax(xv, 1).value() == tg::softmax(xv).value().to_tensor());
  // columns: [1, 2] / 3 and [3, 2] / 5
  CHECK(tg::softmax(xv, 0).value() ==
        near(tg::Tensor::from_rows({{1.0 / 3, 0.6}, {2.0 / 3, 0.4}}), 1e-15));
  CHECK(tape.node(tg::softmax(xv, 0).index()).axis == 0);
}

TEST_CASE("softmax: hand-derived gradient y ⊙ (g - sum(g ⊙ y))") {
  // y = [1/4, 3/4], J = y_0: dJ/dx = y ⊙ ([1, 0] - 1/4) = [3/16, -3/16]
  tg::Tape tape;
  const tg::Var x = tape.param(tg::Tensor::row({0, std::log(3.0)}));
  const tg::Var y = tg::softmax(x);
  tape.backward(tg::sum(y * tape.input(tg::Tensor::row({1, 0}))));
  CHECK(x.grad() == near(tg::Tensor::row({0.1875, -0.1875}), 1e-15));
  // softmax is invariant under a shift: the gradient of any J sums to 0 along the axis
  tg::Tape t2;
  const tg::Var x2 = t2.param(tg::Tensor::from_rows({{0.3, -1.2, 2.0}, {4, 4, 4}}));
  t2.backward(tg::sum(tg::softmax(x2) * t2.input(tg::Tensor::from_rows({{1, 2, 3}, {-1, 5, 2}}))));
  for (std::size_t r = 0; r < 2; ++r) {
    CHECK(x2.grad()(r, 0) + x2.grad()(r, 1) + x2.grad()(r, 2) == near(0.0, 0, 1e-15));
  }
}

TEST_CASE("softmax: stable and exact at large |z|: +-800 and +-1e300 give finite values") {
  CHECK(softmax_of(tg::Tensor::row({800, 0})) == tg::Tensor::row({1, 0}));
  CHECK(softmax_of(tg::Tensor::row({-800, -800})) == tg::Tensor::row({0.5, 0.5}));
  const double e = std::exp(-1.0);
  CHECK(softmax_of(tg::Tensor::row({800, 799})) ==
        near(tg::Tensor::row({1 / (1 + e), e / (1 + e)}), 1e-15));
  CHECK(softmax_of(tg::Tensor::row({1e300, -1e300})) == tg::Tensor::row({1, 0}));
  CHECK(softmax_of(tg::Tensor::row({1e300, 1e300, 1e300, 1e300})) ==
        tg::Tensor::row({0.25, 0.25, 0.25, 0.25}));
  CHECK(softmax_of(tg::Tensor::column({-1e300, 0}), 0) == tg::Tensor::column({0, 1}));
}

TEST_CASE("softmax: limits at +-inf, no limit (all -inf, +inf twice, NaN) gives NaN") {
  CHECK(softmax_of(tg::Tensor::row({kInf, 0})) == tg::Tensor::row({1, 0}));
  CHECK(softmax_of(tg::Tensor::row({0, kInf, -kInf})) == tg::Tensor::row({0, 1, 0}));
  CHECK(softmax_of(tg::Tensor::row({-kInf, 0, 0})) == tg::Tensor::row({0, 0.5, 0.5}));
  for (const tg::Tensor& x : {tg::Tensor::row({-kInf, -kInf}), tg::Tensor::row({kInf, 1, kInf}),
                              tg::Tensor::row({NAN, 0})}) {
    CAPTURE(x);
    const tg::Tensor y = softmax_of(x);
    CHECK(std::isnan(y[0]));
    CHECK(std::isnan(y[1]));
  }
  // only the row without a limit is NaN
  const tg::Tensor y = softmax_of(tg::Tensor::from_rows({{-kInf, -kInf}, {0, 0}}));
  CHECK(std::isnan(y(0, 0)));
  CHECK(y(1, 0) == 0.5);
  // the gradient at a limit is finite: y = [1, 0] gives y ⊙ (g - g_0) = 0
  tg::Tape tape;
  const tg::Var x = tape.param(tg::Tensor::row({kInf, 0}));
  tape.backward(tg::sum(tg::softmax(x) * tape.input(tg::Tensor::row({2, -3}))));
  CHECK(x.grad() == tg::Tensor::row({0, 0}));
}

TEST_CASE("softmax: gradients match finite differences at random points along both axes") {
  for (const int axis : {0, 1}) {
    CAPTURE(axis);
    tg::test::check_gradients_at_random_points(
        {{{3, 4}, {-3.0, 3.0}}},
        [axis](std::span<const tg::Var> p) { return tg::softmax(p[0], axis); });
  }
  tg::test::check_gradients_at_random_points(
      {{{1, 1}, {}}}, [](std::span<const tg::Var> p) { return tg::softmax(p[0]); });
}

TEST_CASE("softmax: gradients match finite differences at edge values: +-800, +-1e300") {
  tg::test::check_gradients({tg::Tensor::from_rows({{800, 799.5, 801}, {-800, -799, -801}})},
                            [](std::span<const tg::Var> p) { return tg::softmax(p[0]); });
  // saturated: y is one-hot and stays so under the step h = 1e-6 |x|; the gradient is 0
  tg::test::check_gradients({tg::Tensor::from_rows({{1e300, -1e300}, {1e300, 0}})},
                            [](std::span<const tg::Var> p) { return tg::softmax(p[0]); });
}

TEST_CASE("softmax: errors name the op and the argument") {
  tg::Tape tape;
  const tg::Var x = tape.param(tg::Tensor(2, 3, 0.0));
  CHECK_THROWS_WITH_AS(tg::softmax(x, 2),
                       "softmax: axis: 2 is neither 0 (over rows) nor 1 (over columns)", tg::Error);
  CHECK_THROWS_WITH_AS(tg::softmax(tg::Var()),
                       "softmax: x: empty Var (default-constructed, not from a tape)", tg::Error);
}

// ------------------------------------------------------------- forward_backward, row-wise ops

namespace {
struct RowWise {
  tg::Var J;
  std::vector<tg::Var> checked;
};
// Examples as rows: logits Z = X W + b, then every row-wise op of issue 11.
RowWise record_row_wise(tg::Tape& t, const tg::Tensor& X, const tg::Tensor& mask) {
  tg::test::Rng rng(7);
  const tg::Var Xv = t.input(X, "X");
  const tg::Var M = t.input(mask, "mask");
  const tg::Var W = t.param(tg::test::Range{-0.8, 0.8}.draw(rng, {X.cols(), 4}), "W");
  const tg::Var b = t.param(tg::test::Range{-0.2, 0.2}.draw(rng, {1, 4}), "b");
  const tg::Var Z = tg::matmul(Xv, W) + b;
  const tg::Var S = tg::softmax(Z);
  const tg::Var L = tg::log_softmax(Z, 1);
  const tg::Var A = tg::where(M, tg::abs(Z), tg::clamp(Z, -0.3, 0.4));
  const tg::Var Q = tg::sqrt(A + 1.0);
  const tg::Var C = tg::concat({S, L * 0.1, Q, tg::max(Z, 1), tg::min(Z, 1)}, 1);
  return {tg::mean(C * C), {W, b, Z, C}};
}
}  // namespace

TEST_CASE(
    "softmax: forward_backward over blocks of rows with softmax, log_softmax, max, min, abs, "
    "sqrt, clamp, where and concat(axis 1) gives forward() + backward()'s values and gradients") {
  tg::test::Rng rng;
  const tg::Tensor X = tg::test::Range{-2.0, 2.0}.draw(rng, {61, 3});
  tg::Tensor mask(61, 1);
  for (double& v : mask) v = rng.bit();
  tg::Tape blocked, plain;
  const RowWise b = record_row_wise(blocked, X, mask);
  const RowWise p = record_row_wise(plain, X, mask);
  REQUIRE(blocked.blockable(b.J));
  blocked.forward_backward(b.J, {.block_rows = 7, .threads = 2});
  plain.forward();
  plain.backward(p.J);
  CHECK(b.J.item() == near(p.J.item(), 1e-14));
  for (std::size_t i = 0; i < b.checked.size(); ++i) {
    CAPTURE(i);
    CHECK(b.checked[i].value() == near(p.checked[i].value(), 1e-14));
    CHECK(b.checked[i].grad() == near(p.checked[i].grad(), 1e-13, 1e-16));
  }
  // along axis 0 (over the examples) the graph does not qualify and runs the plain passes
  tg::Tape t;
  const tg::Var Xv = t.input(X);
  const tg::Var W = t.param(tg::Tensor(3, 2, 0.5));
  CHECK_FALSE(t.blockable(tg::mean(tg::softmax(tg::matmul(Xv, W), 0))));
  CHECK_FALSE(t.blockable(tg::mean(tg::max(tg::matmul(Xv, W), 0))));
  CHECK_FALSE(t.blockable(tg::mean(tg::concat({tg::matmul(Xv, W), tg::matmul(Xv, W)}, 0))));
}
