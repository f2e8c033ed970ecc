#include "support/op_check.hpp"

#include <algorithm>
#include <cmath>

namespace tapegrad::test {

namespace {

// The weights W of J = sum(out * W) come from their own fixed seed, so a graph's reduction does
// not depend on how many random numbers the test drew before.
constexpr std::uint64_t kWeightSeed = kSeed + 1;

std::string where_text(const std::source_location& where) {
  return fmt::format("checked at {}:{}", where.file_name(), where.line());
}

bool within(double actual, double expected, double rel, double abs) {
  if (actual == expected) return true;  // equal infinities included
  const double scale = std::max(std::abs(actual), std::abs(expected));
  return std::abs(actual - expected) <= abs + rel * scale;
}

}  // namespace

OpCheck check_gradients(std::span<const Tensor> values, const Graph& graph,
                        GradCheckOptions options, std::source_location where) {
  INFO(where_text(where));
  Tape tape;
  std::vector<Var> params;
  params.reserve(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    params.push_back(tape.param(values[i], fmt::format("p{}", i)));
  }
  const Var out = graph(params);
  Rng rng(kWeightSeed);
  const Range weights{0.5, 1.5, /*either_sign=*/true};
  const Var w = tape.input(weights.draw(rng, out.shape()), "W");
  const Var j = sum(out * w);
  OpCheck check{out.value().to_tensor(), grad_check(j, params, options)};
  CHECK_MESSAGE(check.result.ok, check.result.summary());
  CHECK(check.result.checked == [&] {
    std::size_t n = 0;
    for (const Tensor& v : values) n += v.size();
    return n;
  }());
  return check;
}

OpCheck check_gradients(std::initializer_list<Tensor> values, const Graph& graph,
                        GradCheckOptions options, std::source_location where) {
  return check_gradients(std::span<const Tensor>(values.begin(), values.size()), graph, options,
                         where);
}

void check_gradients_at_random_points(std::initializer_list<Arg> args, const Graph& graph,
                                      int points, GradCheckOptions options,
                                      std::source_location where) {
  Rng rng;
  for (int point = 0; point < points; ++point) {
    std::vector<Tensor> values;
    for (const Arg& arg : args) values.push_back(arg.range.draw(rng, arg.shape));
    INFO("random point ", point);
    check_gradients(values, graph, options, where);
  }
}

void check_broadcasting(const BinaryOp& op, const Reference& reference, Range a, Range b,
                        double value_rel, GradCheckOptions options, std::source_location where) {
  INFO(where_text(where));
  Rng rng;
  for (const BroadcastCase& c : kBroadcastCases) {
    INFO("broadcast case: ", std::string(c.name), " (", fmt::format("{} and {}", c.a, c.b), ")");
    Tape tape;
    const Tensor av = a.draw(rng, c.a);
    const Tensor bv = b.draw(rng, c.b);
    const Var out = op(tape.param(av), tape.param(bv));
    REQUIRE(out.shape() == c.out);
    // Element (r, c) reads a and b at (r, c), with a length-1 dimension read at index 0.
    for (std::size_t r = 0; r < c.out.rows; ++r) {
      for (std::size_t col = 0; col < c.out.cols; ++col) {
        const double expected =
            reference(av(r % c.a.rows, col % c.a.cols), bv(r % c.b.rows, col % c.b.cols));
        CHECK(out.value()(r, col) == near(expected, value_rel));
      }
    }
    const Graph graph = [&](std::span<const Var> p) { return op(p[0], p[1]); };
    for (int point = 0; point < 2; ++point) {
      check_gradients({a.draw(rng, c.a), b.draw(rng, c.b)}, graph, options, where);
    }
  }
}

ValueGrad value_and_grad(const std::function<Var(const Var&)>& f, const Tensor& x) {
  Tape tape;
  const Var xv = tape.param(x, "x");
  const Var y = f(xv);
  tape.backward(sum(y));
  return {y.op(), y.value().to_tensor(), xv.grad().to_tensor()};
}

Tensor reduction_grad(const Reduction& reduce, const Tensor& x, int axis, const Tensor& w,
                      std::source_location where) {
  INFO(where_text(where));
  Tape tape;
  const Var xv = tape.param(x, "x");
  const Var y = reduce(xv, axis);
  CHECK(tape.node(y.index()).axis == axis);
  tape.backward(sum(y * tape.input(w)));
  return xv.grad().to_tensor();
}

void check_reduction_at_random_points(const Reduction& reduce, std::source_location where) {
  for (const int axis : {-1, 0, 1}) {
    INFO("axis ", axis);
    check_gradients_at_random_points(
        {{{3, 5}, {}}}, [&](std::span<const Var> p) { return reduce(p[0], axis); }, 4, {}, where);
  }
}

bool operator==(double actual, const Near& n) { return within(actual, n.expected, n.rel, n.abs); }

bool operator==(TensorView actual, const NearTensor& n) {
  if (actual.shape() != n.expected.shape()) return false;
  for (std::size_t i = 0; i < actual.size(); ++i) {
    if (!within(actual[i], n.expected[i], n.rel, n.abs)) return false;
  }
  return true;
}

double logistic(double z) {
  if (z >= 0.0) return 1.0 / (1.0 + std::exp(-z));
  return std::exp(z) / (1.0 + std::exp(z));
}

}  // namespace tapegrad::test
