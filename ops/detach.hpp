// detach: a copy of x through which no gradient flows.
#pragma once

#include <algorithm>

#include "tapegrad/ops/detail/kernels.hpp"
#include "tapegrad/ops/detail/record.hpp"

namespace tapegrad {
namespace detail {
struct DetachRule {
  static constexpr std::string_view name = "detach";
  static constexpr std::string_view symbol = "stop";
  static constexpr std::size_t arity = 1;
  static constexpr RowRule rows = RowRule::Elementwise;
  // y = x, recomputed on replay
  static void forward(const Ctx& t, const Node& n) {
    const double* x = values_of(t, t.nodes[n.in0]);
    std::copy(x, x + n.size(), t.values + n.value);
  }
  // dy/dx is taken as 0: nothing flows back (the node has no gradient storage, so no backward)
};
}  // namespace detail

/// x's value as a constant: it follows x on replay, but no gradient flows back through it.
Var detach(const Var& x);

}  // namespace tapegrad
