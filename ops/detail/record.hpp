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
#include <type_traits>
#include <vector>

#include "tapegrad/engine/detail/rules.hpp"
#include "tapegrad/engine/tape.hpp"
#include "tapegrad/ops/detail/forms.hpp"
#include "tapegrad/ops/op_kind.hpp"

namespace tapegrad::detail {

/// The NumPy broadcast of a and b (each dimension equal, or one of them 1); throws
/// Error("<op>: shapes: AxB and CxD cannot be broadcast together") otherwise.
Shape broadcast_shapes(std::string_view op, Shape a, Shape b);
inline Shape broadcast_shape(std::string_view op, Shape a, Shape b) {
  return a == b ? a : broadcast_shapes(op, a, b);  // equal shapes, the common case, inline
}

// The recording path runs once per node when a graph is recorded anew, so its checks are inline
// and their failures (the "op: argument: reason" errors) out of line. The typed forms
// (unary<SigmoidRule>(...)) run the rule's forward inline, one-element nodes in a few
// instructions; the untyped ones (unary(op, OpKind::Sigmoid, ...)) through the op table.
struct Recorder {
  /// The node behind v; throws Error("<op>: <argument>: ...") for an empty handle or one kept
  /// across tape.clear().
  static const Node& node(const Var& v, std::string_view op, std::string_view argument) {
    return v.node(op, argument);
  }
  /// Records a one-input node. `aux` goes to Node::in1 (constant index or axis code). The node
  /// needs a gradient when x does, unless `stop_gradient`.
  template <class Rule = void>
  static Var unary(std::string_view op, OpKind kind, const Var& x, Shape out, std::uint32_t aux = 0,
                   bool stop_gradient = false) {
    const Node& xn = node(x, op, "x");
    Tape& tape = *x.tape_;
    const auto flags =
        static_cast<std::uint8_t>(kUnary | (stop_gradient ? 0 : (xn.flags & kRequiresGrad)));
    const std::uint32_t index = tape.push(kind, x.index_, aux, out, flags);
    if ((flags & kRequiresGrad) != 0) tape.consume(x.index_);
    return finish<Rule>(tape, index);
  }
  template <class Rule>
  static Var unary(std::string_view op, const Var& x, Shape out, std::uint32_t aux = 0,
                   bool stop_gradient = false) {
    static_assert(kind_of<Rule> != kNotListed, "the rule is not in ops/op_list.hpp");
    return unary<Rule>(op, kind_of<Rule>, x, out, aux, stop_gradient);
  }
  /// Records a two-input node; throws Error when a and b belong to different tapes. `extra` goes
  /// to Node::extra (cross_entropy's reduction).
  template <class Rule = void>
  static Var binary(std::string_view op, OpKind kind, const Var& a, const Var& b, Shape out,
                    std::uint16_t extra = 0) {
    const Node& an = node(a, op, "a");
    const Node& bn = node(b, op, "b");
    if (a.tape_ != b.tape_) [[unlikely]]
      different_tapes(op);
    const auto flags = static_cast<std::uint8_t>(kBinary | ((an.flags | bn.flags) & kRequiresGrad));
    const std::uint32_t index = a.tape_->push(kind, a.index_, b.index_, out, flags, extra);
    consume_both(*a.tape_, flags, a, b);
    return finish<Rule>(*a.tape_, index);
  }
  template <class Rule>
  static Var binary(std::string_view op, const Var& a, const Var& b, Shape out,
                    std::uint16_t extra = 0) {
    static_assert(kind_of<Rule> != kNotListed, "the rule is not in ops/op_list.hpp");
    return binary<Rule>(op, kind_of<Rule>, a, b, out, extra);
  }
  /// Records an element-wise node of Rule over a and b broadcast together (NumPy rules); the
  /// names are the arguments' in messages.
  template <class Rule>
  [[gnu::always_inline]] static Var broadcast(std::string_view op, const Var& a, const Var& b,
                                              std::string_view a_name = "a",
                                              std::string_view b_name = "b") {
    static_assert(kind_of<Rule> != kNotListed, "the rule is not in ops/op_list.hpp");
    const Node& an = node(a, op, a_name);
    const Node& bn = node(b, op, b_name);
    if (a.tape_ != b.tape_) [[unlikely]]
      different_tapes(op);
    if ((an.flags & bn.flags & kScalar) != 0) return binary_scalar<Rule>(a, b, an, bn);
    return broadcast_n<Rule>(op, a, b, an, bn);
  }
  template <class Rule>
  [[gnu::noinline]] static Var broadcast_n(std::string_view op, const Var& a, const Var& b,
                                           const Node& an, const Node& bn) {
    const Shape out = broadcast_shape(op, an.shape(), bn.shape());
    const auto flags = static_cast<std::uint8_t>(kBinary | ((an.flags | bn.flags) & kRequiresGrad));
    const std::uint32_t index = a.tape_->push(kind_of<Rule>, a.index_, b.index_, out, flags);
    consume_both(*a.tape_, flags, a, b);
    return finish<Rule>(*a.tape_, index);
  }
  /// Records an element-wise node of Rule over x (x's shape), with its constants if any.
  template <class Rule>
  [[gnu::always_inline]] static Var map(std::string_view op, const Var& x,
                                        std::initializer_list<double> constants = {},
                                        std::string_view x_name = "x") {
    static_assert(kind_of<Rule> != kNotListed, "the rule is not in ops/op_list.hpp");
    const Node& xn = node(x, op, x_name);
    if ((xn.flags & kScalar) == 0) return map_n<Rule>(x, xn, constants);
    const auto flags = static_cast<std::uint8_t>(kUnary | (xn.flags & kRequiresGrad));
    const std::uint32_t k = constants.size() == 0 ? 0 : Recorder::constants(x, constants);
    return unary_scalar<Rule>(x, xn, flags, k);
  }
  template <class Rule>
  [[gnu::noinline]] static Var map_n(const Var& x, const Node& xn,
                                     std::initializer_list<double> constants) {
    const Shape out = xn.shape();
    const auto flags = static_cast<std::uint8_t>(kUnary | (xn.flags & kRequiresGrad));
    const std::uint32_t k = constants.size() == 0 ? 0 : Recorder::constants(x, constants);
    const std::uint32_t index = x.tape_->push(kind_of<Rule>, x.index_, k, out, flags);
    if ((flags & kRequiresGrad) != 0) x.tape_->consume(x.index_);
    return finish<Rule>(*x.tape_, index);
  }
  /// The scalar fast path: a one-element node of an element-wise rule, its value and (with a
  /// gradient) its partial derivatives computed here and appended in one step.
  template <class Rule>
  [[gnu::always_inline]] static Var binary_scalar(const Var& a, const Var& b, const Node& an,
                                                  const Node& bn) {
    Tape& tape = *a.tape_;
    const auto flags = static_cast<std::uint8_t>(kBinary | ((an.flags | bn.flags) & kRequiresGrad));
    const double x = tape.values_[an.value];
    const double y = tape.values_[bn.value];
    StoredOp s{{0.0, 0.0}, kNoGrad, an.grad, bn.grad};  // push_scalar sets g
    const double v = (flags & kRequiresGrad) != 0 ? detail::scalar_binary<Rule>(x, y, s.partial)
                                                  : Rule::forward(x, y);
    const std::uint32_t index = tape.push_scalar(kind_of<Rule>, a.index_, b.index_, flags, v, s);
    consume_both(tape, flags, a, b);
    return scalar_done(tape, index);
  }
  template <class Rule>
  [[gnu::always_inline]] static Var unary_scalar(const Var& x, const Node& xn, std::uint8_t flags,
                                                 std::uint32_t k) {
    Tape& tape = *x.tape_;
    const double* constants = tape.consts_.data() + k;
    const double in = tape.values_[xn.value];
    StoredOp s{{0.0, 0.0}, kNoGrad, xn.grad, kNoGrad};  // push_scalar sets g
    const double v = (flags & kRequiresGrad) != 0
                         ? detail::scalar_unary<Rule>(in, constants, s.partial)
                         : Rule::forward(in, constants);
    const std::uint32_t index = tape.push_scalar(kind_of<Rule>, x.index_, k, flags, v, s);
    if ((flags & kRequiresGrad) != 0) tape.consume(x.index_);
    return scalar_done(tape, index);
  }
  static Var scalar_done(Tape& tape, std::uint32_t index) {
    // (While local values are recorded, inputs may not be evaluated yet: nothing is checked.)
    if (tape.detect_anomalies_ && tape.local_value_rows_ == 0) [[unlikely]]
      tape.check_finite(index, false);
    return Var(&tape, index, tape.generation_);
  }
  static void consume_both(Tape& tape, std::uint8_t flags, const Var& a, const Var& b) noexcept {
    if ((flags & kRequiresGrad) == 0) return;
    tape.consume(a.index_);
    tape.consume(b.index_);
  }
  /// Computes the value of the node just pushed (by its rule Rule inline, or for void through
  /// the op table), checks it in anomaly mode, and returns its Var. While local values are
  /// recorded (Tape::set_local_values) nothing is evaluated: the next pass computes it.
  template <class Rule>
  static Var finish(Tape& tape, std::uint32_t index) {
    if (tape.local_value_rows_ != 0) [[unlikely]]
      return Var(&tape, index, tape.generation_);
    const Node& n = tape.nodes_[index];
    if constexpr (std::is_void_v<Rule>) {
      forward_node(tape.context(), n);
    } else {
      const Ctx ctx{tape.nodes_.data(),   tape.consts_.data(),  tape.values_.data(),
                    tape.grads_.data(),   &tape.workspace_,     tape.links_.data(),
                    tape.objects_.data(), tape.borrowed_.data()};
      forward_rule<Rule>(ctx, n, ViaNodes{ctx.nodes});
    }
    if (tape.detect_anomalies_) [[unlikely]]
      tape.check_finite(index, false);
    return Var(&tape, index, tape.generation_);
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

}  // namespace tapegrad::detail
