// Errors.
//
// Every precondition failure in tapegrad throws tapegrad::Error (a std::invalid_argument) whose
// message reads "op: argument: reason", for example
//   "add: shapes: 2x3 and 3x2 cannot be broadcast together".
// detail::fail builds that message with fmt so call sites stay one line long; detail::shown
// quotes text from outside in it, and detail::plural writes a count with its noun.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace tapegrad {

/// Thrown on every precondition failure: bad shapes, foreign Vars, misuse of the tape.
class Error : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// Thrown by anomaly detection (Tape::set_detect_anomalies) at the first non-finite value in a
/// forward pass or gradient in a backward pass; node() is the index of the node concerned.
class AnomalyError : public Error {
 public:
  AnomalyError(const std::string& message, std::size_t node) : Error(message), node_(node) {}
  /// The node whose value or gradient is not finite.
  [[nodiscard]] std::size_t node() const noexcept { return node_; }

 private:
  std::size_t node_;
};

namespace detail {

/// Throws Error("<op>: <argument>: <formatted reason>").
template <typename... Args>
[[noreturn]] void fail(std::string_view op, std::string_view argument,
                       fmt::format_string<Args...> reason, Args&&... args) {
  throw Error(
      fmt::format("{}: {}: {}", op, argument, fmt::format(reason, std::forward<Args>(args)...)));
}

/// Text from outside (a CSV field, a command-line argument) as it appears inside a message:
/// control characters escaped (\n, \r, \t, \xNN) so that the message stays on one line, and text
/// longer than `max` bytes (60 unless told; a file name is better shown whole) cut with "...".
[[nodiscard]] inline std::string shown(std::string_view text, std::size_t max = 60) {
  std::string out;
  for (std::size_t i = 0; i < text.size() && i < max; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  if (text.size() > max) out += "...";
  return out;
}

/// A count with its noun, "1 epoch" or "2 epochs" (`noun` is the singular; the plural adds "s").
[[nodiscard]] inline std::string plural(std::size_t count, std::string_view noun) {
  return fmt::format("{} {}{}", count, noun, count == 1 ? "" : "s");
}

}  // namespace detail
}  // namespace tapegrad
