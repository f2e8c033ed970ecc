// Test support shared by the engine and op tests: seeded random numbers, tolerance comparisons
// that print both sides on failure, and the one gradient-check helper every op test goes through.
//
// check_gradients records a graph over param leaves on a fresh tape, reduces its output to the
// scalar J = sum(out * W) with W a fixed random input of out's shape (so every output element's
// gradient takes part, each with its own weight), runs tapegrad::grad_check on J with respect to
// every param and CHECKs the result is ok, with result.summary() in the failure message.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <source_location>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <tapegrad/tapegrad.hpp>

#include "support/random.hpp"

namespace tapegrad::test {

/// A graph under test: builds an output from the param leaves it is given (it may add inputs of
/// its own with params[0].tape().input(...)).
using Graph = std::function<Var(std::span<const Var> params)>;

/// What check_gradients found: the graph output's value and the grad_check result.
struct OpCheck {
  Tensor value;
  GradCheckResult result;
};

/// Records `graph` over params holding `values` (labelled p0, p1, ...), reduces the output to
/// J = sum(out * W), W fixed random weights of magnitude in [0.5, 1.5] with either sign, and
/// CHECKs grad_check(J, params, options).ok, printing summary() on failure.
OpCheck check_gradients(std::span<const Tensor> values, const Graph& graph,
                        GradCheckOptions options = {},
                        std::source_location where = std::source_location::current());
OpCheck check_gradients(std::initializer_list<Tensor> values, const Graph& graph,
                        GradCheckOptions options = {},
                        std::source_location where = std::source_location::current());

/// One param of a random check: its shape and where its values come from.
struct Arg {
  Shape shape;
  Range range;
};

/// check_gradients at `points` random points (drawn from each Arg's range, seeded with kSeed).
void check_gradients_at_random_points(std::initializer_list<Arg> args, const Graph& graph,
                                      int points = 4, GradCheckOptions options = {},
                                      std::source_location where = std::source_location::current());

/// What value_and_grad found: the op's output node kind, its value and d sum(f(x)) / dx.
struct ValueGrad {
  OpKind op;
  Tensor value;
  Tensor grad;
};
/// Records y = f(x) for a param x holding `x`, runs backward(sum(y)) and returns y's op, y's value
/// and x's gradient: for an element-wise f, the derivative f'(x) element by element.
ValueGrad value_and_grad(const std::function<Var(const Var&)>& f, const Tensor& x);

/// A reduction over all elements (axis -1) or along axis 0 or 1: sum or mean.
using Reduction = std::function<Var(const Var&, int axis)>;
/// d sum(reduce(x, axis) * w) / dx, with w of reduce's output shape (1x1, a row or a column).
/// Also CHECKs that the node records `axis`.
Tensor reduction_grad(const Reduction& reduce, const Tensor& x, int axis, const Tensor& w,
                      std::source_location where = std::source_location::current());
/// check_gradients_at_random_points for reduce(x, axis), axis -1, 0 and 1, on a 3 x 5 x.
void check_reduction_at_random_points(const Reduction& reduce,
                                      std::source_location where = std::source_location::current());

/// The broadcast shapes every binary element-wise op is checked with, both operand orders.
struct BroadcastCase {
  std::string_view name;
  Shape a;
  Shape b;
  Shape out;
};
inline constexpr std::array<BroadcastCase, 9> kBroadcastCases = {{
    {"scalar with matrix", {1, 1}, {2, 3}, {2, 3}},
    {"matrix with scalar", {2, 3}, {1, 1}, {2, 3}},
    {"row with matrix", {1, 3}, {2, 3}, {2, 3}},
    {"matrix with row", {2, 3}, {1, 3}, {2, 3}},
    {"column with matrix", {2, 1}, {2, 3}, {2, 3}},
    {"matrix with column", {2, 3}, {2, 1}, {2, 3}},
    {"row with column", {1, 3}, {2, 1}, {2, 3}},
    {"column with row", {2, 1}, {1, 3}, {2, 3}},
    {"matrix with matrix", {2, 3}, {2, 3}, {2, 3}},
}};

using BinaryOp = std::function<Var(const Var&, const Var&)>;
using Reference = std::function<double(double, double)>;

/// For every broadcast case: the output has the broadcast shape, every element equals
/// reference(a, b) of the operands' elements it reads (to `value_rel` relative, 0 = exactly),
/// and gradients summed over the broadcast axes match finite differences at two random points.
void check_broadcasting(const BinaryOp& op, const Reference& reference, Range a, Range b,
                        double value_rel = 0.0, GradCheckOptions options = {},
                        std::source_location where = std::source_location::current());

/// `expected` within `rel` relative and `abs` absolute tolerance:
///   |actual - expected| <= abs + rel * max(|actual|, |expected|)
/// (unlike doctest::Approx, no implicit absolute slack). Compare with ==, e.g.
/// CHECK(x == near(closed_form, 1e-12)); a failure prints both sides.
struct Near {
  double expected;
  double rel;
  double abs;
};
[[nodiscard]] inline Near near(double expected, double rel, double abs = 0.0) {
  return {expected, rel, abs};
}
[[nodiscard]] bool operator==(double actual, const Near& n);

/// The same element-wise for tensors (shapes must match).
struct NearTensor {
  Tensor expected;
  double rel;
  double abs;
};
[[nodiscard]] inline NearTensor near(TensorView expected, double rel, double abs = 0.0) {
  return {expected.to_tensor(), rel, abs};
}
[[nodiscard]] bool operator==(TensorView actual, const NearTensor& n);

/// The logistic function computed here, independently of the engine: 1 / (1 + e^-z), arranged
/// so that e^x never overflows.
[[nodiscard]] double logistic(double z);

}  // namespace tapegrad::test

// Failure messages print shapes, tensors and tolerances through fmt.
template <>
struct doctest::StringMaker<tapegrad::Shape> {
  static String convert(tapegrad::Shape s) { return fmt::format("{}", s).c_str(); }
};
template <>
struct doctest::StringMaker<tapegrad::TensorView> {
  static String convert(tapegrad::TensorView t) { return fmt::format("{:.17g}", t).c_str(); }
};
template <>
struct doctest::StringMaker<tapegrad::Tensor> {
  static String convert(const tapegrad::Tensor& t) { return fmt::format("{:.17g}", t).c_str(); }
};
template <>
struct doctest::StringMaker<tapegrad::test::Near> {
  static String convert(const tapegrad::test::Near& n) {
    return fmt::format("{:.17g} (rel {:g}, abs {:g})", n.expected, n.rel, n.abs).c_str();
  }
};
template <>
struct doctest::StringMaker<tapegrad::test::NearTensor> {
  static String convert(const tapegrad::test::NearTensor& n) {
    return fmt::format("{:.17g} (rel {:g}, abs {:g})", n.expected, n.rel, n.abs).c_str();
  }
};
