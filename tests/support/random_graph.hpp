// A random-graph builder driven by a byte stream, shared by the property test (bytes from a
// seeded generator) and the graph fuzzer (bytes from libFuzzer).
//
// It records a few param leaves of random shapes, then a random sequence of ops on random
// operands, choosing only operands whose shapes fit the op. Values are inspected as the graph is
// recorded (recording computes them), and an op is skipped when its input sits where the
// function is not smooth or overflows (log of a value <= 0.05, relu within 1e-3 of its kink,
// division by a value near 0, softmax of logits beyond 50, ...), so that central finite
// differences are meaningful; so is an op whose result has more than kMaxElements elements. The
// root is sum(last * weights), with fixed weights so every output element's gradient is distinct.
//
// The decoding is stable: each step's op is chosen by one byte modulo kOpSlots, and each op keeps
// its slot for good. An op added later takes the next free slot, so existing corpora and the
// regression tests below keep decoding to the same graphs (a byte that chose a free slot, which
// records nothing, may then choose the new op). Adding an op here is optional: every op has its
// own test file; this builder mixes ops that compose well.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <tapegrad/tapegrad.hpp>

namespace tapegrad::testing {

/// Reads bytes in order; yields zeros once they run out.
class ByteSource {
 public:
  explicit ByteSource(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}
  std::uint8_t next() { return pos_ < bytes_.size() ? bytes_[pos_++] : 0; }
  /// An integer in [0, n).
  std::size_t below(std::size_t n) { return n == 0 ? 0 : next() % n; }
  /// A value in [lo, hi] on a 1/255 grid.
  double between(double lo, double hi) { return lo + (hi - lo) * next() / 255.0; }
  [[nodiscard]] bool exhausted() const { return pos_ >= bytes_.size(); }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
};

/// What the builder recorded.
struct RandomGraph {
  std::vector<Var> params;
  Var root;
  std::vector<OpKind> ops;         ///< the op kinds recorded, in order
  std::vector<std::size_t> slots;  ///< the slot of each, in order
  std::string trace;               ///< a readable account of the graph, for failure messages
};

/// The number of op slots a step's byte is read modulo: fixed, whatever the number of ops.
inline constexpr std::size_t kOpSlots = 64;
/// Slots 0 .. kUsedSlots - 1 record an op (raise it when giving the next free slot an op).
inline constexpr std::size_t kUsedSlots = 36;
/// The most elements a node the builder keeps may have. The root sums the last node, and a sum
/// of tens of thousands of terms rounds by more than grad_check's allowance (64 ulps of |f|): the
/// difference quotient of a gradient that is 0 then measures rounding alone (graph_fuzz found
/// roots of 144x144 and 240x60 softmax outputs, grown by repeated concat).
inline constexpr std::size_t kMaxElements = 1024;

namespace detail_random {

inline bool all_of(TensorView v, auto predicate) {
  for (double x : v) {
    if (!predicate(x)) return false;
  }
  return true;
}

inline bool broadcastable(Shape a, Shape b) {
  return (a.rows == b.rows || a.rows == 1 || b.rows == 1) &&
         (a.cols == b.cols || a.cols == 1 || b.cols == 1);
}

// No two elements within eps of each other.
inline bool distinct(TensorView v, double eps) {
  for (std::size_t i = 0; i < v.size(); ++i) {
    for (std::size_t j = i + 1; j < v.size(); ++j) {
      if (std::abs(v[i] - v[j]) <= eps) return false;
    }
  }
  return true;
}

// softplus(x) = log(1 + e^x), d/dx = sigmoid(x) = 1 - e^-y.
inline const ElementwiseOp softplus(
    "softplus", [](double x) { return std::log1p(std::exp(x)); },
    [](double, double y) { return -std::expm1(-y); });

}  // namespace detail_random

/// Records a random graph on `tape` from `bytes`. Every value it records is finite.
inline RandomGraph build_random_graph(Tape& tape, ByteSource& bytes) {
  using detail_random::all_of;
  RandomGraph g;
  std::vector<Var> nodes;
  const std::size_t leaf_count = 1 + bytes.below(3);
  for (std::size_t i = 0; i < leaf_count; ++i) {
    const std::size_t rows = 1 + bytes.below(3);
    const std::size_t cols = 1 + bytes.below(3);
    Tensor t(rows, cols);
    for (double& x : t) x = bytes.between(-2.0, 2.0);
    nodes.push_back(tape.param(t, fmt::format("p{}", i)));
    g.params.push_back(nodes.back());
    g.trace += fmt::format("p{} = param {}\n", i, t.shape());
  }

  const auto pick = [&] { return nodes[bytes.below(nodes.size())]; };
  const auto safe = [](const Var& v) {
    return v.shape().size() <= kMaxElements &&
           all_of(v.value(), [](double x) { return std::isfinite(x) && std::abs(x) < 1e6; });
  };
  const std::size_t op_count = 1 + bytes.below(12);
  for (std::size_t step = 0; step < op_count; ++step) {
    const Var x = pick();
    const Var y = pick();
    const TensorView xv = x.value();
    const auto positive = [&](double lo) { return all_of(xv, [lo](double v) { return v > lo; }); };
    const auto away_from_zero = [](TensorView v, double eps) {
      return all_of(v, [eps](double e) { return std::abs(e) > eps; });
    };
    const bool bcast = detail_random::broadcastable(x.shape(), y.shape());
    // Logits in the hundreds of thousands (a chain of matmuls is a high power of the params)
    // make softmax a step function at the difference quotient's scale: a step of 2e-6 in a
    // param moves them by whole units. Found by graph_fuzz.
    const bool moderate_logits = all_of(xv, [](double v) { return std::abs(v) < 50.0; });
    Var out;
    const std::size_t slot = bytes.below(kOpSlots);
    switch (slot) {  // slots 36 .. 63 are free: nothing is recorded
      case 0:
        if (bcast) out = x + y;
        break;
      case 1:
        if (bcast) out = x - y;
        break;
      case 2:
        if (bcast) out = x * y;
        break;
      case 3:
        if (bcast && away_from_zero(y.value(), 0.2)) out = x / y;
        break;
      case 4:
        out = bytes.between(-2.0, 2.0) * x + bytes.between(-1.0, 1.0);
        break;
      case 5:
        out = bytes.between(-1.0, 1.0) - x;
        break;
      case 6:
        out = -x;
        break;
      case 7:
        if (away_from_zero(xv, 0.2)) out = bytes.between(0.5, 2.0) / x;
        break;
      case 8:
        out = pow(x, static_cast<double>(2 + bytes.below(2)));
        break;
      case 9:
        if (positive(0.05)) out = pow(x, 0.5);
        break;
      case 10:
        if (all_of(xv, [](double v) { return v < 5.0; })) out = exp(x);
        break;
      case 11:
        if (positive(0.05)) out = log(x);
        break;
      case 12:
        out = sigmoid(x);
        break;
      case 13:
        out = tanh(x);
        break;
      case 14:
        if (away_from_zero(xv, 1e-3)) out = relu(x);
        break;
      case 15:
        out = bytes.below(2) == 0 ? sum(x) : sum(x, static_cast<int>(bytes.below(2)));
        break;
      case 16:
        out = bytes.below(2) == 0 ? mean(x) : mean(x, static_cast<int>(bytes.below(2)));
        break;
      case 17:
        if (x.shape().cols == y.shape().rows)
          out = matmul(x, y);
        else if (x.shape().cols == y.shape().cols)
          out = matmul(x, transpose(y));
        break;
      case 18:
        out = transpose(x);
        break;
      case 19:  // the lecture's node on a prediction a = sigmoid(x) away from 0 and 1
        if (bcast && all_of(xv, [](double v) { return std::abs(v) < 3.0; })) {
          out = log_loss(sigmoid(x), y);
        }
        break;
      case 20:
        if (bcast) out = log_loss_with_logits(x, y);
        break;
      case 21:
        if (x.shape() == y.shape()) out = mse(x, y);
        break;
      case 22:  // a user-defined op: softplus, by its value and derivative
        if (all_of(xv, [](double v) { return std::abs(v) < 30.0; }))
          out = detail_random::softplus(x);
        break;
      case 23:  // logits of moderate size (as for case 25)
        if (moderate_logits) out = softmax(x, static_cast<int>(bytes.below(2)));
        break;
      case 24:
        if (moderate_logits) out = log_softmax(x, static_cast<int>(bytes.below(2)));
        break;
      case 25: {  // integer labels drawn from the bytes, one per row
        if (!moderate_logits) break;
        Tensor labels(x.shape().rows, 1);
        for (double& v : labels) v = static_cast<double>(bytes.below(x.shape().cols));
        out = cross_entropy(x, tape.input(labels),
                            bytes.below(2) == 0 ? Reduction::Mean : Reduction::Sum);
        break;
      }
      case 26:  // no two elements within 1e-3: the arg-max stays put under the step
        if (detail_random::distinct(xv, 1e-3)) {
          out = bytes.below(3) == 0 ? max(x) : max(x, static_cast<int>(bytes.below(2)));
        }
        break;
      case 27:
        if (detail_random::distinct(xv, 1e-3)) {
          out = bytes.below(3) == 0 ? min(x) : min(x, static_cast<int>(bytes.below(2)));
        }
        break;
      case 28:
        if (away_from_zero(xv, 1e-3)) out = abs(x);
        break;
      case 29:
        if (positive(0.05)) out = sqrt(x);
        break;
      case 30: {  // bounds away from every element, so no element sits on a kink
        const double lo = bytes.between(-2.0, 0.0);
        const double hi = lo + bytes.between(0.0, 2.0);
        if (all_of(xv,
                   [&](double v) { return std::abs(v - lo) > 1e-3 && std::abs(v - hi) > 1e-3; }))
          out = clamp(x, lo, hi);
        break;
      }
      case 31:
        if (bcast) {
          Tensor mask(x.shape().rows, x.shape().cols);
          for (double& v : mask) v = static_cast<double>(bytes.below(2));
          out = where(tape.input(mask), x, y);
        }
        break;
      case 32:
        out = bytes.below(2) == 0 ? reshape(x, {x.shape().cols, x.shape().rows})
                                  : reshape(x, {1, x.shape().size()});
        break;
      case 33:
        if (x.shape().cols == y.shape().cols)
          out = concat({x, y}, 0);
        else if (x.shape().rows == y.shape().rows)
          out = concat({x, y}, 1);
        break;
      case 34: {
        const std::size_t rows = x.shape().rows;
        const std::size_t begin = bytes.below(rows);
        out = slice_rows(x, begin, begin + 1 + bytes.below(rows - begin));
        break;
      }
      case 35: {  // 1 to 4 row numbers, repeats allowed
        Tensor indices(1 + bytes.below(4), 1);
        for (double& v : indices) v = static_cast<double>(bytes.below(x.shape().rows));
        out = gather_rows(x, tape.input(indices));
        break;
      }
      default:
        break;
    }
    if (out.valid() && safe(out)) {
      nodes.push_back(out);
      g.ops.push_back(out.op());
      g.slots.push_back(slot);
      g.trace += fmt::format("n{} = {} {}\n", out.index(), op_name(out.op()), out.shape());
    }
  }
  const Var last = nodes.back();
  Tensor weights(last.shape().rows, last.shape().cols);
  for (std::size_t i = 0; i < weights.size(); ++i)
    weights[i] = 0.5 + 0.25 * static_cast<double>(i % 5);
  g.root = sum(last * tape.input(weights, "weights"));
  return g;
}

/// The gradient check of a random graph: grad_check at the relative step h = 1e-6 (rtol 1e-5,
/// atol 1e-6). A central difference errs by truncation (about h^2 times the third derivative)
/// and by rounding (about eps |f| / h, and a root summing thousands of terms rounds by hundreds
/// of ulps), and compositions of the builder's ops can push either past the tolerance. A failure
/// is checked again at 8h and 64h, where rounding is 8 and 64 times smaller and the tolerance no
/// looser (its rounding allowance shrinks too), and at h / 8, which counts only if the worst
/// error shrank at least 16-fold (64 for a pure h^2 error). A wrong gradient's error does not
/// depend on h and fails at every step.
inline GradCheckResult check_random_graph(const RandomGraph& g) {
  const GradCheckOptions options{.step = 1e-6, .rtol = 1e-5, .atol = 1e-6};
  const GradCheckResult first = grad_check(g.root, g.params, options);
  if (first.ok) return first;
  for (const double factor : {8.0, 64.0}) {
    GradCheckOptions coarser = options;
    coarser.step *= factor;
    if (GradCheckResult r = grad_check(g.root, g.params, coarser); r.ok) return r;
  }
  GradCheckOptions finer = options;
  finer.step /= 8.0;
  const GradCheckResult second = grad_check(g.root, g.params, finer);
  return second.ok && second.worst.abs_error * 16.0 <= first.worst.abs_error ? second : first;
}

}  // namespace tapegrad::testing
