#include "tapegrad/ops/cross_entropy.hpp"

#include <cmath>

#include "tapegrad/engine/error.hpp"
#include "tapegrad/ops/detail/indices.hpp"
#include "tapegrad/ops/detail/log_sum_exp.hpp"

namespace tapegrad {
namespace detail {

namespace {
constexpr std::string_view kOp = "cross_entropy";

// s: 1/m for the mean over the m rows, 1 for the sum
double scale(const Node& n, const Node& zn) {
  return static_cast<Reduction>(n.extra) == Reduction::Mean ? 1.0 / static_cast<double>(zn.rows)
                                                            : 1.0;
}
}  // namespace

void CrossEntropyRule::forward(const Ctx& t, const Node& n) {
  const Node& zn = t.nodes[n.in0];
  const double* z = values_of(t, zn);
  const double* labels = values_of(t, t.nodes[n.in1]);
  const std::size_t k = zn.cols;
  const bool rows = static_cast<Reduction>(n.extra) == Reduction::None;
  double total = 0.0;
  for (std::size_t r = 0; r < zn.rows; ++r) {
    const double* row = z + r * k;
    const std::size_t label = checked_index(kOp, "labels", "class", labels[r], k, r);
    const double loss = -log_sum_exp(row, k, 1).log_prob(row[label]);  // -log softmax(z_r)_label
    if (rows) {
      t.values[n.value + r] = loss;
    } else {
      total += loss;
    }
  }
  if (!rows) t.values[n.value] = total * scale(n, zn);
}

void CrossEntropyRule::backward(const Ctx& t, const Node& n) {
  const Node& zn = t.nodes[n.in0];
  if (zn.grad == kNoGrad) return;
  const double* z = values_of(t, zn);
  const double* labels = values_of(t, t.nodes[n.in1]);
  double* gz = t.grads + zn.grad;
  const std::size_t k = zn.cols;
  const bool rows = static_cast<Reduction>(n.extra) == Reduction::None;
  const double* gn = t.grads + n.grad;
  const double s = rows ? 1.0 : scale(n, zn);
  for (std::size_t r = 0; r < zn.rows; ++r) {
    const double g = gn[rows ? r : 0] * s;
    const double* row = z + r * k;
    const std::size_t label = checked_index(kOp, "labels", "class", labels[r], k, r);
    const LogSumExp lse = log_sum_exp(row, k, 1);
    // dJ/dz_rj = s (softmax(z_r)_j - [j = label_r])
    for (std::size_t j = 0; j < k; ++j) {
      gz[r * k + j] += g * (std::exp(lse.log_prob(row[j])) - (j == label ? 1.0 : 0.0));
    }
  }
}

}  // namespace detail

Var cross_entropy(const Var& logits, const Var& labels, Reduction reduction) {
  const Shape sz = detail::Recorder::node(logits, detail::kOp, "logits").shape();
  const Shape sl = detail::Recorder::node(labels, detail::kOp, "labels").shape();
  if (sl.rows != sz.rows) {
    detail::fail(detail::kOp, "labels", "has {} rows, the logits {}; one label per row of logits",
                 sl.rows, sz.rows);
  }
  if (reduction != Reduction::Mean && reduction != Reduction::Sum && reduction != Reduction::None) {
    detail::fail(detail::kOp, "reduction", "{} is not Mean, Sum or None",
                 static_cast<int>(reduction));
  }
  detail::check_indices(detail::kOp, "labels", "class", labels, sz.cols);
  const Shape out = reduction == Reduction::None ? Shape{sz.rows, 1} : Shape{1, 1};
  return detail::Recorder::binary(detail::kOp, OpKind::CrossEntropy, logits, labels, out,
                                  static_cast<std::uint16_t>(reduction));
}

}  // namespace tapegrad
