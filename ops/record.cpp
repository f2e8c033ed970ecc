#include "tapegrad/ops/record.hpp"

#include <limits>

#include "tapegrad/engine/error.hpp"

namespace tapegrad::detail {

void Recorder::empty_var(std::string_view op, std::string_view argument) {
  fail(op, argument, "empty Var (default-constructed, not from a tape)");
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
