// Errors.
//
// Every precondition failure in tapegrad throws tapegrad::Error (a std::invalid_argument) whose
// message reads "op: argument: reason", for example
//   "add: shapes: 2x3 and 3x2 cannot be broadcast together".
// detail::fail builds that message with fmt so call sites stay one line long.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
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

}  // namespace detail
}  // namespace tapegrad
