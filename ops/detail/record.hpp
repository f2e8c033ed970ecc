// Internal: how op functions append nodes to a tape. Each public op function validates its
// arguments (same tape, compatible shapes) and records through Recorder; the node's value is
// computed at once by the op's forward rule.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "tapegrad/engine/tape.hpp"
#include "tapegrad/ops/op_kind.hpp"

namespace tapegrad::detail {

// The recording path runs once per node when a graph is recorded anew, so its checks are inline
// and their failures (the "op: argument: reason" errors) out of line.
struct Recorder {
  /// The node behind v; throws Error("<op>: <argument>: ...") for an empty handle or one kept
  /// across tape.clear().
  static const Node& node(const Var& v, std::string_view op, std::string_view argument) {
    return v.node(op, argument);
  }
  /// Records a one-input node. `aux` goes to Node::in1 (constant index or axis code). The node
  /// needs a gradient when x does, unless `stop_gradient`.
  static Var unary(std::string_view op, OpKind kind, const Var& x, Shape out, std::uint32_t aux = 0,
                   bool stop_gradient = false) {
    const Node& xn = node(x, op, "x");
    Tape& tape = *x.tape_;
    const auto flags =
        static_cast<std::uint8_t>(kUnary | (stop_gradient ? 0 : (xn.flags & kRequiresGrad)));
    return Var(&tape, tape.push(kind, x.index_, aux, out, flags), tape.generation_);
  }
  /// Records a two-input node; throws Error when a and b belong to different tapes.
  static Var binary(std::string_view op, OpKind kind, const Var& a, const Var& b, Shape out) {
    const Node& an = node(a, op, "a");
    const Node& bn = node(b, op, "b");
    if (a.tape_ != b.tape_) [[unlikely]]
      different_tapes(op);
    const auto flags = static_cast<std::uint8_t>(kBinary | ((an.flags | bn.flags) & kRequiresGrad));
    return Var(a.tape_, a.tape_->push(kind, a.index_, b.index_, out, flags), a.tape_->generation_);
  }
  /// Records a node with any number (at least one) of inputs, all on one tape, listed in the
  /// tape's links; `extra` goes to Node::extra. The node needs a gradient when any input does.
  static Var listed(std::string_view op, OpKind kind, std::span<const Var> inputs, Shape out,
                    std::uint16_t extra = 0);
  /// Stores constants on x's tape; returns the index of the first.
  static std::uint32_t constants(const Var& x, std::initializer_list<double> values) {
    std::vector<double>& consts = x.tape_->consts_;
    if (consts.size() + values.size() > std::numeric_limits<std::uint32_t>::max()) [[unlikely]]
      too_many_constants();
    const auto first = static_cast<std::uint32_t>(consts.size());
    for (const double v : values) consts.push_back(v);
    return first;
  }
  /// Keeps `object` alive on x's tape for as long as its graph (once, however often it is
  /// stored); returns its index, for Node::extra. Throws Error beyond 65,536 distinct objects.
  static std::uint16_t object(const Var& x, std::shared_ptr<const void> object);

  [[noreturn, gnu::cold]] static void different_tapes(std::string_view op);
  [[noreturn, gnu::cold]] static void too_many_constants();
};

/// The NumPy broadcast of a and b (each dimension equal, or one of them 1); throws
/// Error("<op>: shapes: AxB and CxD cannot be broadcast together") otherwise.
Shape broadcast_shapes(std::string_view op, Shape a, Shape b);
inline Shape broadcast_shape(std::string_view op, Shape a, Shape b) {
  return a == b ? a : broadcast_shapes(op, a, b);  // equal shapes, the common case, inline
}

}  // namespace tapegrad::detail
