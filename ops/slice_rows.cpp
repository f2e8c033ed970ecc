#include "tapegrad/ops/slice_rows.hpp"

#include <algorithm>

#include "tapegrad/engine/error.hpp"

namespace tapegrad {
namespace detail {

namespace {
std::size_t first_element(const Ctx& t, const Node& n) {
  return static_cast<std::size_t>(t.consts[n.in1]) * n.cols;  // row `begin` of x
}
}  // namespace

void SliceRowsRule::forward(const Ctx& t, const Node& n) {
  std::copy_n(values_of(t, t.nodes[n.in0]) + first_element(t, n), n.size(), t.values + n.value);
}

void SliceRowsRule::backward(const Ctx& t, const Node& n) {
  const Node& xn = t.nodes[n.in0];
  if (xn.grad == kNoGrad) return;
  const double* g = t.grads + n.grad;
  double* gx = t.grads + xn.grad + first_element(t, n);
  for (std::size_t i = 0; i < n.size(); ++i) gx[i] += g[i];  // dy/dx = 1 on the rows taken
}

}  // namespace detail

Var slice_rows(const Var& x, std::size_t begin, std::size_t end) {
  const Shape s = detail::Recorder::node(x, "slice_rows", "x").shape();
  if (begin >= end || end > s.rows) {
    detail::fail("slice_rows", "range", "[{}, {}) is {}; x has rows 0..{}", begin, end,
                 begin >= end ? "empty" : "out of range", s.rows - 1);
  }
  return detail::Recorder::unary("slice_rows", OpKind::SliceRows, x, Shape{end - begin, s.cols},
                                 detail::Recorder::constants(x, {static_cast<double>(begin)}));
}

}  // namespace tapegrad
