#include "tapegrad/ops/detail/reduce.hpp"

#include <algorithm>

#include "tapegrad/engine/error.hpp"
#include "tapegrad/ops/detail/record.hpp"

namespace tapegrad::detail {

std::uint32_t axis_code(std::string_view op, int axis) {
  if (axis != 0 && axis != 1) {
    fail(op, "axis", "{} is neither 0 (over rows) nor 1 (over columns)", axis);
  }
  return static_cast<std::uint32_t>(axis) + 1;
}

Shape reduced_shape(Shape x, std::uint32_t code) {
  return code == 0 ? Shape{1, 1} : (code == 1 ? Shape{1, x.cols} : Shape{x.rows, 1});
}

void reduce_forward(const Ctx& t, const Node& n, double scale) {
  const Node& xn = t.nodes[n.in0];
  const double* x = values_of(t, xn);
  double* y = t.values + n.value;
  const std::size_t rows = xn.rows;
  const std::size_t cols = xn.cols;
  switch (n.in1) {
    case 0: {
      double s = 0.0;
      for (std::size_t i = 0; i < xn.size(); ++i) s += x[i];
      y[0] = s * scale;
      return;
    }
    case 1:
      std::fill_n(y, cols, 0.0);
      for (std::size_t r = 0; r < rows; ++r) {
        for (std::size_t c = 0; c < cols; ++c) y[c] += x[r * cols + c];
      }
      for (std::size_t c = 0; c < cols; ++c) y[c] *= scale;
      return;
    default:
      for (std::size_t r = 0; r < rows; ++r) {
        double s = 0.0;
        for (std::size_t c = 0; c < cols; ++c) s += x[r * cols + c];
        y[r] = s * scale;
      }
      return;
  }
}

void reduce_backward(const Ctx& t, const Node& n, double scale) {
  const Node& xn = t.nodes[n.in0];
  if (xn.grad == kNoGrad) return;
  const double* g = t.grads + n.grad;
  double* gx = t.grads + xn.grad;
  const std::size_t rows = xn.rows;
  const std::size_t cols = xn.cols;
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < cols; ++c) {
      const double gi = n.in1 == 0 ? g[0] : (n.in1 == 1 ? g[c] : g[r]);
      gx[r * cols + c] += gi * scale;
    }
  }
}

void extremum_forward(const Ctx& t, const Node& n, bool largest) {
  const Node& xn = t.nodes[n.in0];
  const double* x = values_of(t, xn);
  double* y = t.values + n.value;
  for_each_slice(xn, n.in1, [&](std::size_t out, std::size_t first, std::size_t k, std::size_t s) {
    y[out] = x[first + arg_extremum(x + first, k, s, largest) * s];
  });
}

void extremum_backward(const Ctx& t, const Node& n, bool largest) {
  const Node& xn = t.nodes[n.in0];
  if (xn.grad == kNoGrad) return;
  const double* x = values_of(t, xn);
  const double* g = t.grads + n.grad;
  double* gx = t.grads + xn.grad;
  // dy_j/dx_ij = 1 at the element the forward pass chose, 0 elsewhere
  for_each_slice(xn, n.in1, [&](std::size_t out, std::size_t first, std::size_t k, std::size_t s) {
    gx[first + arg_extremum(x + first, k, s, largest) * s] += g[out];
  });
}

Var record_reduction(std::string_view op, OpKind kind, const Var& x, std::uint32_t code) {
  const Shape s = Recorder::node(x, op, "x").shape();
  return Recorder::unary(op, kind, x, reduced_shape(s, code), code);
}

}  // namespace tapegrad::detail
