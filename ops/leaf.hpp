// input and param: the leaves of a graph, created by Tape::input and Tape::param. Their values
// are set by the user; forward leaves them alone. A param's gradient is the sum of what flows
// into it; an input has no gradient.
#pragma once

#include <string_view>

namespace tapegrad::detail {
struct InputRule {
  static constexpr bool leaf = true;
  static constexpr std::string_view name = "input";
  static constexpr std::string_view symbol = "in";
};
struct ParamRule {
  static constexpr bool leaf = true;
  static constexpr std::string_view name = "param";
  static constexpr std::string_view symbol = "param";
};
}  // namespace tapegrad::detail
