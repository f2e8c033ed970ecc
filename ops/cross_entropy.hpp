// cross_entropy: the multi-class log loss of an m x k matrix of logits z (one example per row, one
// column per class) against an m x 1 value of integer class labels,
//   L_r = -log softmax(z_r)_{label_r} = logsumexp(z_r) - z_{r, label_r},
// reduced to one number by its mean over the rows (Reduction::Mean, the default) or its sum, or
// kept per row (Reduction::None: an m x 1 value, which Tape::forward_backward() runs over blocks
// of rows, as in mean(cross_entropy(z, y, Reduction::None))).
// Computed stably from the logits through the shared log-sum-exp (ops/detail/log_sum_exp.hpp):
// finite for any finite logits, |z| up to 1e300; a -inf logit at the label gives +inf, a +inf
// logit at the label (alone) gives 0, and a row with no softmax limit (NaN, all -inf, +inf twice)
// gives NaN.
//
// Labels are data: an input Var (no gradient), so a replay can change them with tape.set(). Each
// must be an integer in 0..k-1: recording refuses others with "cross_entropy: labels: ...", and
// forward() and backward() throw that same Error if a replay sets one (the node's value and the
// gradients are then incomplete: set valid labels and run the pass again).
#pragma once

#include <cstdint>

#include "tapegrad/ops/detail/kernels.hpp"
#include "tapegrad/ops/detail/record.hpp"

namespace tapegrad {

/// How a loss over examples is reduced to one number.
enum class Reduction : std::uint8_t {
  Mean,  ///< the mean over the examples (rows)
  Sum,   ///< the sum over the examples
  None,  ///< one loss per example (m x 1)
};

namespace detail {
struct CrossEntropyRule {
  static constexpr std::string_view name = "cross_entropy";
  static constexpr std::string_view symbol = "CE";
  static constexpr std::size_t arity = 2;
  // J = s sum_r (logsumexp(z_r) - z_{r, label_r}), s = 1/m (mean) or 1 (sum); Node::extra holds
  // the Reduction. None: L_r = logsumexp(z_r) - z_{r, label_r} for each row
  static void forward(const Ctx& t, const Node& n);
  // dJ/dz_rj = s (softmax(z_r)_j - [j = label_r]) (None: g_r in place of s); no gradient flows
  // to the labels
  static void backward(const Ctx& t, const Node& n);
  // per row (None): row r of the output from row r of the logits and of the labels
  static RowRule rows(const Ctx&, const Node& n) noexcept {
    return static_cast<Reduction>(n.extra) == Reduction::None ? RowRule::Elementwise
                                                              : RowRule::Never;
  }
};
}  // namespace detail

/// Multi-class cross-entropy of logits (m x k, one example per row) against labels (m x 1, an
/// input holding class numbers 0..k-1): the mean (or, with Reduction::Sum, the sum) over rows of
/// -log softmax(logits)[row, label], computed stably from the logits; a 1x1 value whose gradient
/// with respect to the logits is (softmax - one-hot) / m (without the / m for Sum). With
/// Reduction::None, the m x 1 losses of the rows (row r's gradient: g_r (softmax - one-hot)).
/// Throws Error for labels that are not one column of integers in 0..k-1 or that need a gradient.
Var cross_entropy(const Var& logits, const Var& labels, Reduction reduction = Reduction::Mean);

}  // namespace tapegrad
