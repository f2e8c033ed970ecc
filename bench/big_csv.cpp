// tapegrad_big_csv: the two halves of bench/big_csv.sh.
//
//   tapegrad_big_csv generate FILE ROWS COLS [SEED]   writes a CSV of ROWS rows: COLS numeric
//                                                     columns x1..xCOLS and a 0/1 target y
//   tapegrad_big_csv read FILE TARGET                 read_csv(FILE, TARGET) and nothing else;
//                                                     prints rows, columns and numeric bytes
//
// The script runs `read` under /usr/bin/time -v for the peak resident memory.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iterator>
#include <string>

#include <fmt/format.h>

#include <tapegrad/tapegrad.hpp>

namespace {

// splitmix64: fast, seeded, good enough for test data.
class SplitMix {
 public:
  explicit SplitMix(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, 1).
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

 private:
  std::uint64_t state_;
};

int generate(const char* path, std::size_t rows, std::size_t cols, std::uint64_t seed) {
  std::FILE* out = std::fopen(path, "wb");
  if (out == nullptr) {
    fmt::print(stderr, "tapegrad_big_csv: cannot write {}\n", path);
    return 2;
  }
  SplitMix rng(seed);
  fmt::memory_buffer buf;
  for (std::size_t j = 1; j <= cols; ++j) fmt::format_to(std::back_inserter(buf), "x{},", j);
  fmt::format_to(std::back_inserter(buf), "y\n");
  for (std::size_t i = 0; i < rows; ++i) {
    double score = 0.0;
    for (std::size_t j = 0; j < cols; ++j) {
      // 6 significant digits, magnitudes up to 1e3: about 9 bytes a cell with its comma.
      const double x = (rng.uniform() * 2.0 - 1.0) * std::pow(10.0, rng.uniform() * 6.0 - 3.0);
      score += (j % 2 == 0 ? x : -x);
      fmt::format_to(std::back_inserter(buf), "{:.6g},", x);
    }
    fmt::format_to(std::back_inserter(buf), "{}\n", score > 0.0 ? 1 : 0);
    if (buf.size() >= (std::size_t{1} << 20)) {
      std::fwrite(buf.data(), 1, buf.size(), out);
      buf.clear();
    }
  }
  std::fwrite(buf.data(), 1, buf.size(), out);
  if (std::fclose(out) != 0) {
    fmt::print(stderr, "tapegrad_big_csv: cannot write {}\n", path);
    return 2;
  }
  return 0;
}

int read(const char* path, const char* target) {
  const tapegrad::Dataset d = tapegrad::read_csv(path, target);
  const std::size_t cols = d.features() + (d.y.size() != 0 ? 1 : 0);
  fmt::print("rows {}\ncolumns {}\nnumeric_bytes {}\n", d.size(), cols,
             d.size() * cols * sizeof(double));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "generate" && (argc == 5 || argc == 6)) {
      return generate(argv[2], std::stoull(argv[3]), std::stoull(argv[4]),
                      argc == 6 ? std::stoull(argv[5]) : 1);
    }
    if (mode == "read" && argc == 4) return read(argv[2], argv[3]);
    fmt::print(stderr,
               "usage: tapegrad_big_csv generate FILE ROWS COLS [SEED]\n"
               "       tapegrad_big_csv read FILE TARGET\n");
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "tapegrad_big_csv: {}\n", e.what());
    return 2;
  }
}
