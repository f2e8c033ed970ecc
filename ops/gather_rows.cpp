#include "tapegrad/ops/gather_rows.hpp"

#include <algorithm>

#include "tapegrad/ops/detail/indices.hpp"

namespace tapegrad {
namespace detail {

namespace {
std::size_t row_of(const Node& xn, const double* indices, std::size_t r) {
  return checked_index("gather_rows", "indices", "row number", indices[r], xn.rows, r);
}
}  // namespace

void GatherRowsRule::forward(const Ctx& t, const Node& n) {
  const Node& xn = t.nodes[n.in0];
  const double* x = values_of(t, xn);
  const double* indices = values_of(t, t.nodes[n.in1]);
  double* y = t.values + n.value;
  for (std::size_t r = 0; r < n.rows; ++r) {
    std::copy_n(x + row_of(xn, indices, r) * n.cols, n.cols, y + r * n.cols);
  }
}

void GatherRowsRule::backward(const Ctx& t, const Node& n) {
  const Node& xn = t.nodes[n.in0];
  if (xn.grad == kNoGrad) return;
  const double* indices = values_of(t, t.nodes[n.in1]);
  const double* g = t.grads + n.grad;
  for (std::size_t r = 0; r < n.rows; ++r) {
    // dy_rc/dx_(i_r)c = 1: row r of the gradient adds into row i_r of x's
    double* gx = t.grads + xn.grad + row_of(xn, indices, r) * n.cols;
    for (std::size_t c = 0; c < n.cols; ++c) gx[c] += g[r * n.cols + c];
  }
}

}  // namespace detail

Var gather_rows(const Var& x, const Var& indices) {
  const Shape s = detail::Recorder::node(x, "gather_rows", "x").shape();
  const Shape si = detail::Recorder::node(indices, "gather_rows", "indices").shape();
  detail::check_indices("gather_rows", "indices", "row number", indices, s.rows);
  return detail::Recorder::binary("gather_rows", OpKind::GatherRows, x, indices,
                                  Shape{si.rows, s.cols});
}

}  // namespace tapegrad
