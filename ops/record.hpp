// Internal: how op functions append nodes to a tape. Each public op function validates its
// arguments (same tape, compatible shapes) and records through Recorder; the node's value is
// computed at once by the op's forward rule.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "tapegrad/engine/tape.hpp"

namespace tapegrad::detail {

struct Recorder {
  /// The node behind v; throws Error("<op>: <argument>: empty Var ...") for an empty handle.
  static const Node& node(const Var& v, std::string_view op, std::string_view argument);
  /// Records a one-input node. `aux` goes to Node::in1 (constant index or axis code). The node
  /// needs a gradient when x does, unless `stop_gradient`.
  static Var unary(std::string_view op, OpKind kind, const Var& x, Shape out, std::uint32_t aux = 0,
                   bool stop_gradient = false);
  /// Records a two-input node; throws Error when a and b belong to different tapes.
  static Var binary(std::string_view op, OpKind kind, const Var& a, const Var& b, Shape out);
  /// Stores constants on x's tape; returns the index of the first.
  static std::uint32_t constants(const Var& x, std::initializer_list<double> values);
};

/// The NumPy broadcast of a and b (each dimension equal, or one of them 1); throws
/// Error("<op>: shapes: AxB and CxD cannot be broadcast together") otherwise.
Shape broadcast_shape(std::string_view op, Shape a, Shape b);

}  // namespace tapegrad::detail
