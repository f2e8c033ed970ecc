// A record-only statement stream, the design of Adept's Stack reduced to its core, written for
// the benchmark only (not part of tapegrad): the floor that issue 12's W2 goals are measured
// against. Each active value has an index; recording a statement appends its value's partial
// derivatives as (input index, multiplier) pairs and gives the statement the next index; the
// reverse sweep is one multiply-add loop over the pairs, last statement first. There is no node,
// no stored value, no replay, no inspection and no check of a handle: what a tape that keeps all
// of those (tapegrad's) pays for them is the difference between the two in bench/run.sh.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace tapegrad::bench::sketch {

/// An active value: its value and its index in the stream's gradients.
struct Active {
  double value;
  std::uint32_t index;
};

// Arrays are grown ahead, as Adept's Stack checks its space once per statement: record() and
// reserve() make room for a statement's pairs, and term() and close() then write through cursors
// with no capacity test of their own.
class Stream {
 public:
  /// Forgets every statement, keeping the memory; indices 0 .. leaves - 1 are the independent
  /// variables, their gradients zero.
  void clear(std::uint32_t leaves) {
    leaves_ = leaves;
    pairs_ = statements_ = 0;
    if (grad_.size() < leaves) grad_.resize(leaves);
    std::fill_n(grad_.begin(), leaves, 0.0);
  }
  /// Makes room for one statement of up to `pairs` pairs.
  void reserve(std::size_t pairs) {
    if (pairs_ + pairs > index_.size()) [[unlikely]] {
      index_.resize(2 * (pairs_ + pairs));
      multiplier_.resize(index_.size());
    }
    if (statements_ == ends_.size()) [[unlikely]] {
      ends_.resize(2 * statements_ + 64);
      grad_.resize(leaves_ + ends_.size());
    }
  }
  /// Adds the pair (a, d): d (statement) / d a = d, to the statement closed next (room for it
  /// made by reserve()).
  void term(const Active& a, double d) noexcept {
    index_[pairs_] = a.index;
    multiplier_[pairs_] = d;
    ++pairs_;
  }
  /// Closes the statement of the pairs added since the last one; its value is `value`.
  Active close(double value) noexcept {
    ends_[statements_] = static_cast<std::uint32_t>(pairs_);
    const auto index = static_cast<std::uint32_t>(leaves_ + statements_++);
    grad_[index] = 0.0;  // the statement's gradient, zeroed as it is recorded
    return {value, index};
  }
  Active record(double value, const Active& a, double da) {
    reserve(1);
    term(a, da);
    return close(value);
  }
  Active record(double value, const Active& a, double da, const Active& b, double db) {
    reserve(2);
    term(a, da);
    term(b, db);
    return close(value);
  }
  /// d root / d every index: seeds the root with 1 and sweeps the statements in reverse.
  void reverse(const Active& root) {
    grad_[root.index] = 1.0;
    double* g = grad_.data();
    const std::uint32_t* in = index_.data();
    const double* d = multiplier_.data();
    std::size_t end = pairs_;
    for (std::size_t s = statements_; s-- > 0;) {
      const std::size_t begin = s == 0 ? 0 : ends_[s - 1];
      const double gs = g[leaves_ + s];
      for (std::size_t k = begin; k < end; ++k) g[in[k]] += gs * d[k];
      end = begin;
    }
  }
  [[nodiscard]] double grad(std::uint32_t index) const { return grad_[index]; }
  [[nodiscard]] std::size_t statements() const noexcept { return statements_; }
  /// Bytes of the last recording: pairs (4 + 8), statement ends (4) and gradients (8).
  [[nodiscard]] std::size_t bytes() const noexcept {
    return pairs_ * 12 + statements_ * 4 + (leaves_ + statements_) * 8;
  }

 private:
  std::vector<std::uint32_t> index_;
  std::vector<double> multiplier_;
  std::vector<std::uint32_t> ends_;
  std::vector<double> grad_;
  std::size_t leaves_ = 0;
  std::size_t pairs_ = 0;
  std::size_t statements_ = 0;
};

}  // namespace tapegrad::bench::sketch
