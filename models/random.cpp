#include "tapegrad/models/random.hpp"

#include <numeric>

#include "tapegrad/engine/error.hpp"

namespace tapegrad {

double Rng::uniform01() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

double Rng::uniform(double lo, double hi) { return lo + (hi - lo) * uniform01(); }

std::uint64_t Rng::below(std::uint64_t n) {
  if (n == 0) detail::fail("Rng::below", "n", "must be positive");
  // 2^64 mod n: words below it would make small results more likely; draw again.
  const std::uint64_t threshold = (0 - n) % n;
  std::uint64_t word = next();
  while (word < threshold) word = next();
  return word % n;
}

std::vector<std::size_t> Rng::permutation(std::size_t n) {
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  shuffle(std::span<std::size_t>(order));
  return order;
}

}  // namespace tapegrad
