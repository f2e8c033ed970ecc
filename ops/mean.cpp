#include "tapegrad/ops/mean.hpp"

#include "tapegrad/ops/sum.hpp"

namespace tapegrad {
namespace detail {

void reduce_forward(const Ctx& t, const Node& n, double scale);
void reduce_backward(const Ctx& t, const Node& n, double scale);
Shape reduced_shape(Shape x, std::uint32_t code);

namespace {
// 1/k for the number k of elements each output averages.
double inverse_count(const Ctx& t, const Node& n) {
  const Node& xn = t.nodes[n.in0];
  const std::size_t k = n.in1 == 0 ? xn.size() : (n.in1 == 1 ? xn.rows : xn.cols);
  return 1.0 / static_cast<double>(k);
}
}  // namespace

void MeanRule::forward(const Ctx& t, const Node& n) { reduce_forward(t, n, inverse_count(t, n)); }
void MeanRule::backward(const Ctx& t, const Node& n) { reduce_backward(t, n, inverse_count(t, n)); }

}  // namespace detail

Var mean(const Var& x) {
  detail::Recorder::node(x, "mean", "x");
  return detail::Recorder::unary("mean", OpKind::Mean, x, Shape{1, 1}, 0);
}

Var mean(const Var& x, int axis) {
  const Shape s = detail::Recorder::node(x, "mean", "x").shape();
  const std::uint32_t code = detail::axis_code("mean", axis);
  return detail::Recorder::unary("mean", OpKind::Mean, x, detail::reduced_shape(s, code), code);
}

}  // namespace tapegrad
