#include "tapegrad/ops/concat.hpp"

#include <algorithm>

#include "tapegrad/engine/error.hpp"

namespace tapegrad {
namespace detail {

namespace {
// Calls f(input node, offset of its block in the result, result row stride) for each input:
// input element (r, c) is result element offset + r * stride + c.
template <class F>
void for_each_block(const Ctx& t, const Node& n, F&& f) {
  std::size_t offset = 0;
  for (std::uint32_t s = 0; s < n.in1; ++s) {
    const Node& x = t.nodes[t.links[n.in0 + s]];
    f(x, offset, std::size_t{n.cols});
    offset += n.extra == 0 ? x.size() : x.cols;
  }
}
}  // namespace

void ConcatRule::forward(const Ctx& t, const Node& n) {
  double* y = t.values + n.value;
  for_each_block(t, n, [&](const Node& x, std::size_t offset, std::size_t stride) {
    const double* xv = values_of(t, x);
    for (std::size_t r = 0; r < x.rows; ++r) {
      std::copy_n(xv + r * x.cols, x.cols, y + offset + r * stride);
    }
  });
}

void ConcatRule::backward(const Ctx& t, const Node& n) {
  const double* g = t.grads + n.grad;
  for_each_block(t, n, [&](const Node& x, std::size_t offset, std::size_t stride) {
    if (x.grad == kNoGrad) return;
    double* gx = t.grads + x.grad;
    // dy/dx = 1 on x's block
    for (std::size_t r = 0; r < x.rows; ++r) {
      for (std::size_t c = 0; c < x.cols; ++c) gx[r * x.cols + c] += g[offset + r * stride + c];
    }
  });
}

}  // namespace detail

Var concat(std::span<const Var> xs, int axis) {
  if (axis != 0 && axis != 1) {
    detail::fail("concat", "axis", "{} is neither 0 (stack rows) nor 1 (side by side)", axis);
  }
  if (xs.empty()) detail::fail("concat", "inputs", "none given; at least one Var is needed");
  Shape out = detail::Recorder::node(xs[0], "concat", "inputs").shape();
  for (std::size_t i = 1; i < xs.size(); ++i) {
    const Shape s = detail::Recorder::node(xs[i], "concat", "inputs").shape();
    if (axis == 0 && s.cols != out.cols) {
      detail::fail("concat", "shapes",
                   "input {} is {}, input 0 has {} columns; axis 0 needs equal "
                   "columns",
                   i, s, out.cols);
    }
    if (axis == 1 && s.rows != out.rows) {
      detail::fail("concat", "shapes",
                   "input {} is {}, input 0 has {} rows; axis 1 needs equal "
                   "rows",
                   i, s, out.rows);
    }
    (axis == 0 ? out.rows : out.cols) += axis == 0 ? s.rows : s.cols;
  }
  detail::check_shape("concat", "shape", out);
  return detail::Recorder::listed("concat", OpKind::Concat, xs, out,
                                  static_cast<std::uint16_t>(axis));
}

}  // namespace tapegrad
