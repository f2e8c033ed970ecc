// libFuzzer harness for the CSV reader: any text either parses into a consistent Dataset (every
// feature finite, every label 0 or 1, shapes agreeing with the header) or throws tapegrad::Error
// with a one-line message naming the reader. Anything else (another exception, a sanitizer
// report, an inconsistent result) is a crash.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <tapegrad/tapegrad.hpp>

namespace {
[[noreturn]] void crash(const char* what) {
  std::fprintf(stderr, "csv_fuzz: %s\n", what);
  std::abort();
}

void check(std::string_view text, std::string_view target) {
  namespace tg = tapegrad;
  try {
    const tg::Dataset d = tg::parse_csv(text, "fuzz.csv", target);
    if (d.X.cols() != d.feature_names.size()) crash("X's columns disagree with the header");
    for (double x : d.X) {
      if (!std::isfinite(x)) crash("a non-finite feature was accepted");
    }
    if (!target.empty()) {
      if (d.y.rows() != d.X.rows() || d.y.cols() != 1) crash("y's shape disagrees with X");
      for (double y : d.y) {
        if (y != 0.0 && y != 1.0) crash("a label other than 0 or 1 was accepted");
      }
    }
  } catch (const tg::Error& e) {
    const std::string_view message = e.what();
    if (message.find('\n') != std::string_view::npos) crash("a message spans several lines");
    if (message.rfind("read_csv: fuzz.csv", 0) != 0) crash("a message does not name the file");
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check(text, "y");
  check(text, "");
  return 0;
}
