// Seeded, portable random numbers for the tests (header-only, no doctest).
#pragma once

#include <cstdint>
#include <random>

#include <tapegrad/engine/tensor.hpp>

namespace tapegrad::test {

/// The seed of every random number in the tests.
inline constexpr std::uint64_t kSeed = 20261121;

/// Portable, seeded random numbers. std::mt19937_64's output is fixed by the standard, but
/// std::uniform_real_distribution's is not, so doubles are made here from the raw bits:
///   unit()          = (engine() >> 11) * 2^-53          uniform on [0, 1), 53 random bits
///   uniform(lo, hi) = lo + (hi - lo) * unit()
///   signed_uniform  = uniform(lo, hi), negated when the next engine() output is odd
/// so every platform draws the same numbers.
class Rng {
 public:
  explicit Rng(std::uint64_t seed = kSeed) : engine_(seed) {}

  double unit() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * unit(); }
  double signed_uniform(double lo, double hi) {
    const double magnitude = uniform(lo, hi);
    return (engine_() & 1u) != 0 ? -magnitude : magnitude;
  }
  /// 0 or 1, each with probability 1/2.
  double bit() { return static_cast<double>(engine_() & 1u); }

 private:
  std::mt19937_64 engine_;
};

/// Where random leaf values come from: uniform on [lo, hi], or on ±[lo, hi] with `either_sign`
/// (keeps values away from 0, e.g. from relu's kink or a divisor's pole).
struct Range {
  double lo = -2.0;
  double hi = 2.0;
  bool either_sign = false;

  [[nodiscard]] double draw(Rng& rng) const {
    return either_sign ? rng.signed_uniform(lo, hi) : rng.uniform(lo, hi);
  }
  /// A tensor of `shape` drawn element by element in row-major order.
  [[nodiscard]] Tensor draw(Rng& rng, Shape shape) const {
    Tensor t(shape.rows, shape.cols);
    for (double& x : t) x = draw(rng);
    return t;
  }
};

}  // namespace tapegrad::test
