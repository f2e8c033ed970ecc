// Internal: integer data held in a value (cross_entropy's class labels, gather_rows' row numbers).
// Such a value is an m x 1 Var that needs no gradient, so that a replay can change it with
// tape.set(); every element must be an integer in 0..count-1, checked when the node is recorded
// and again whenever a rule reads it (a replay with a bad value throws the same Error).
#pragma once

#include <cstddef>
#include <string_view>

#include "tapegrad/engine/error.hpp"
#include "tapegrad/engine/tape.hpp"
#include "tapegrad/ops/detail/record.hpp"

namespace tapegrad::detail {

[[noreturn, gnu::cold]] inline void bad_index(std::string_view op, std::string_view argument,
                                              std::string_view what, double value,
                                              std::size_t count, std::size_t row) {
  fail(op, argument, "row {} holds {}, which is not a {} in 0..{}", row, value, what, count - 1);
}

/// value as an index when it is an integer in 0..count-1; otherwise throws
/// Error("<op>: <argument>: row <row> holds <value>, which is not a <what> in 0..<count - 1>").
inline std::size_t checked_index(std::string_view op, std::string_view argument,
                                 std::string_view what, double value, std::size_t count,
                                 std::size_t row) {
  // NaN fails the first test
  if (!(value >= 0.0 && value < static_cast<double>(count)) ||
      value != static_cast<double>(static_cast<std::size_t>(value))) [[unlikely]]
    bad_index(op, argument, what, value, count, row);
  return static_cast<std::size_t>(value);
}

/// Checks the integer Var `v` of an op when it is recorded: one column, no gradient, every element
/// an index in 0..count-1 (see checked_index).
inline void check_indices(std::string_view op, std::string_view argument, std::string_view what,
                          const Var& v, std::size_t count) {
  const Node& n = Recorder::node(v, op, argument);
  if (n.cols != 1) {
    fail(op, argument, "has shape {}; it must be one column (one {} per row)", n.shape(), what);
  }
  if ((n.flags & kRequiresGrad) != 0) {
    fail(op, argument, "depends on a param; it must be data (an input), with no gradient");
  }
  const TensorView values = v.value();
  for (std::size_t r = 0; r < values.size(); ++r) {
    checked_index(op, argument, what, values[r], count, r);
  }
}

}  // namespace tapegrad::detail
