// Portable seeded randomness for initialisation, shuffling and splitting.
//
// std::mt19937_64's raw output is fixed by the standard, but std's distributions are not: the
// same seed may give different numbers with another standard library. Rng therefore turns raw
// 64-bit words into numbers with its own formulas, which use only exact integer arithmetic,
// exact scaling by powers of two and one IEEE multiplication, so the same seed gives the same
// bits on every conforming platform:
//   uniform01()       = (word >> 11) * 2^-53                 in [0, 1), 53 random bits
//   uniform(lo, hi)   = lo + (hi - lo) * uniform01()
//   below(n)          = word % n, redrawing words < 2^64 mod n (no modulo bias)
//   shuffle(items)    = Fisher-Yates: for i = n-1 down to 1, swap items[i], items[below(i+1)]
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <utility>
#include <vector>

namespace tapegrad {

/// A seeded generator with portable (bit-for-bit reproducible) number formulas.
class Rng {
 public:
  /// Seeds std::mt19937_64 with `seed`.
  explicit Rng(std::uint64_t seed) : engine_(seed) {}

  /// The next raw 64-bit word of std::mt19937_64.
  std::uint64_t next() { return engine_(); }
  /// A double in [0, 1): the top 53 bits of a word times 2^-53.
  double uniform01();
  /// A double in [lo, hi): lo + (hi - lo) * uniform01(), rounded after each operation (compiled
  /// with -ffp-contract=off, so never fused into one multiply-add).
  double uniform(double lo, double hi);
  /// An integer in [0, n) without modulo bias; n must be positive.
  std::uint64_t below(std::uint64_t n);

  /// Fisher-Yates shuffle in place.
  template <class T>
  void shuffle(std::span<T> items) {
    for (std::size_t i = items.size(); i > 1; --i) {
      const auto j = static_cast<std::size_t>(below(i));
      std::swap(items[i - 1], items[j]);
    }
  }

  /// 0, 1, ..., n-1 in shuffled order.
  std::vector<std::size_t> permutation(std::size_t n);

 private:
  std::mt19937_64 engine_;
};

}  // namespace tapegrad
