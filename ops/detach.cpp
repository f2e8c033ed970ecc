#include "tapegrad/ops/detach.hpp"

namespace tapegrad {

Var detach(const Var& x) {
  const Shape s = detail::Recorder::node(x, "detach", "x").shape();
  // Recorded without a gradient: no storage, and backward never visits it.
  return detail::Recorder::unary("detach", OpKind::Detach, x, s, 0, /*stop_gradient=*/true);
}

}  // namespace tapegrad
