#include "tapegrad/ops/record.hpp"

#include <limits>

#include "tapegrad/engine/error.hpp"

namespace tapegrad::detail {

const Node& Recorder::node(const Var& v, std::string_view op, std::string_view argument) {
  if (v.tape_ == nullptr) fail(op, argument, "empty Var (default-constructed, not from a tape)");
  return v.tape_->nodes_[v.index_];
}

Var Recorder::unary(std::string_view op, OpKind kind, const Var& x, Shape out, std::uint32_t aux,
                    bool stop_gradient) {
  const Node& xn = node(x, op, "x");
  Tape& tape = *x.tape_;
  const std::uint8_t flags = stop_gradient ? 0 : (xn.flags & kRequiresGrad);
  return Var(&tape, tape.push(kind, x.index_, aux, out, flags));
}

Var Recorder::binary(std::string_view op, OpKind kind, const Var& a, const Var& b, Shape out) {
  const Node& an = node(a, op, "a");
  const Node& bn = node(b, op, "b");
  if (a.tape_ != b.tape_) fail(op, "operands", "the two Vars belong to different tapes");
  const std::uint8_t flags = (an.flags | bn.flags) & kRequiresGrad;
  return Var(a.tape_, a.tape_->push(kind, a.index_, b.index_, out, flags));
}

std::uint32_t Recorder::constants(const Var& x, std::initializer_list<double> values) {
  std::vector<double>& consts = x.tape_->consts_;
  if (consts.size() + values.size() > std::numeric_limits<std::uint32_t>::max()) {
    fail("record", "constants", "more than 2^32 constants on one tape");
  }
  const auto first = static_cast<std::uint32_t>(consts.size());
  consts.insert(consts.end(), values.begin(), values.end());
  return first;
}

Shape broadcast_shape(std::string_view op, Shape a, Shape b) {
  const auto dim = [](std::size_t x, std::size_t y) { return x == y || x == 1 || y == 1; };
  if (!dim(a.rows, b.rows) || !dim(a.cols, b.cols)) {
    fail(op, "shapes", "{} and {} cannot be broadcast together", a, b);
  }
  return {std::max(a.rows, b.rows), std::max(a.cols, b.cols)};
}

}  // namespace tapegrad::detail
