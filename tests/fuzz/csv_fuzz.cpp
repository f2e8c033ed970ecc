// libFuzzer harness for the CSV reader: any text either parses into a consistent Dataset (every
// feature finite, one-hot features 0 or 1, every target finite and, for a text target, an index
// into its classes; shapes agreeing with the header) or throws tapegrad::Error
// with a one-line message naming the reader. The streaming reader behind read_csv, fed the same
// text in 5-byte chunks, must give the same dataset or the same message. Anything else (another
// exception, a sanitizer report, an inconsistent result) is a crash.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <string_view>

#include <tapegrad/tapegrad.hpp>

namespace {
[[noreturn]] void crash(const char* what) {
  std::fprintf(stderr, "csv_fuzz: %s\n", what);
  std::abort();
}

namespace tg = tapegrad;

/// The streaming reader's result for `text` must equal `expected` (or its message `message`).
void check_streaming(std::string_view text, std::string_view target, const tg::Dataset* expected,
                     std::string_view message) {
  std::istringstream in{std::string(text)};
  try {
    const tg::Dataset d = tg::detail::read_csv_stream(in, "fuzz.csv", target, 5, text.size());
    if (expected == nullptr) crash("the streaming reader accepted what parse_csv rejected");
    if (!(d.X == expected->X) || !(d.y == expected->y) ||
        d.feature_names != expected->feature_names || d.target_name != expected->target_name ||
        d.classes != expected->classes) {
      crash("the streaming reader's dataset differs from parse_csv's");
    }
  } catch (const tg::Error& e) {
    if (expected != nullptr) crash("the streaming reader rejected what parse_csv accepted");
    if (message != e.what()) crash("the streaming reader's message differs from parse_csv's");
  }
}

void check(std::string_view text, std::string_view target) {
  try {
    const tg::Dataset d = tg::parse_csv(text, "fuzz.csv", target);
    check_streaming(text, target, &d, {});
    if (d.X.cols() != d.feature_names.size()) crash("X's columns disagree with the header");
    for (double x : d.X) {
      if (!std::isfinite(x)) crash("a non-finite feature was accepted");
    }
    std::size_t encoded = 0;
    for (const tg::CategoricalColumn& c : d.categorical) encoded += c.categories.size();
    if (encoded > d.X.cols()) crash("more one-hot features than columns");
    if (!target.empty()) {
      if (d.y.rows() != d.X.rows() || d.y.cols() != 1) crash("y's shape disagrees with X");
      for (double y : d.y) {
        if (!std::isfinite(y)) crash("a non-finite target was accepted");
        if (!d.classes.empty() &&
            !(y >= 0.0 && y < static_cast<double>(d.classes.size()) && y == std::floor(y))) {
          crash("a text target's label is not an index into its classes");
        }
      }
    }
  } catch (const tg::Error& e) {
    const std::string_view message = e.what();
    if (message.find('\n') != std::string_view::npos) crash("a message spans several lines");
    if (message.rfind("read_csv: fuzz.csv", 0) != 0) crash("a message does not name the file");
    check_streaming(text, target, nullptr, message);
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check(text, "y");
  check(text, "");
  return 0;
}
