#include "tapegrad/ops/detail/record.hpp"

#include <algorithm>
#include <limits>

#include "tapegrad/engine/error.hpp"

namespace tapegrad::detail {

Var Recorder::listed(std::string_view op, OpKind kind, std::span<const Var> inputs, Shape out,
                     std::uint16_t extra) {
  if (inputs.empty()) fail(op, "inputs", "none given; at least one Var is needed");
  std::uint8_t grad = 0;
  for (const Var& v : inputs) {
    grad |= node(v, op, "inputs").flags & kRequiresGrad;
    if (v.tape_ != inputs[0].tape_) fail(op, "inputs", "the Vars belong to different tapes");
  }
  Tape& tape = *inputs[0].tape_;
  std::vector<std::uint32_t>& links = tape.links_;
  if (links.size() + inputs.size() > std::numeric_limits<std::uint32_t>::max()) {
    fail(op, "tape", "full: more than 2^32 listed inputs");
  }
  const auto first = static_cast<std::uint32_t>(links.size());
  for (const Var& v : inputs) links.push_back(v.index_);
  const auto flags = static_cast<std::uint8_t>(kListed | grad);
  const std::uint32_t index =
      tape.push(kind, first, static_cast<std::uint32_t>(inputs.size()), out, flags, extra);
  if (grad != 0) {
    for (const Var& v : inputs) tape.consume(v.index_);
  }
  return Recorder::finish<void>(tape, index);
}

std::uint16_t Recorder::object(const Var& x, std::shared_ptr<const void> object) {
  std::vector<std::shared_ptr<const void>>& objects = x.tape_->objects_;
  const auto it = std::find(objects.begin(), objects.end(), object);
  if (it != objects.end()) return static_cast<std::uint16_t>(it - objects.begin());
  if (objects.size() > std::numeric_limits<std::uint16_t>::max()) {
    fail("custom", "tape", "more than 65,536 distinct custom ops on one tape");
  }
  objects.push_back(std::move(object));
  return static_cast<std::uint16_t>(objects.size() - 1);
}

void Recorder::different_tapes(std::string_view op) {
  fail(op, "operands", "the two Vars belong to different tapes");
}

void Recorder::too_many_constants() {
  fail("record", "constants", "more than 2^32 constants on one tape");
}

Shape broadcast_shapes(std::string_view op, Shape a, Shape b) {
  const auto dim = [](std::size_t x, std::size_t y) { return x == y || x == 1 || y == 1; };
  if (!dim(a.rows, b.rows) || !dim(a.cols, b.cols)) {
    fail(op, "shapes", "{} and {} cannot be broadcast together", a, b);
  }
  return {std::max(a.rows, b.rows), std::max(a.cols, b.cols)};
}

}  // namespace tapegrad::detail
