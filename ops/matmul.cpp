#include "tapegrad/ops/matmul.hpp"

#include <Eigen/Core>

#include "tapegrad/engine/error.hpp"

namespace tapegrad {
namespace detail {

namespace {
using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Map = Eigen::Map<Matrix>;
using ConstMap = Eigen::Map<const Matrix>;
ConstMap value_of(const Ctx& t, const Node& n) {
  return {t.values + n.value, static_cast<Eigen::Index>(n.rows), static_cast<Eigen::Index>(n.cols)};
}
Map grad_of(const Ctx& t, const Node& n) {
  return {t.grads + n.grad, static_cast<Eigen::Index>(n.rows), static_cast<Eigen::Index>(n.cols)};
}
}  // namespace

void MatmulRule::forward(const Ctx& t, const Node& n) {
  Map y(t.values + n.value, n.rows, n.cols);
  y.noalias() = value_of(t, t.nodes[n.in0]) * value_of(t, t.nodes[n.in1]);
}

void MatmulRule::backward(const Ctx& t, const Node& n) {
  const Node& an = t.nodes[n.in0];
  const Node& bn = t.nodes[n.in1];
  const ConstMap g(t.grads + n.grad, n.rows, n.cols);
  if (an.grad != kNoGrad) grad_of(t, an).noalias() += g * value_of(t, bn).transpose();
  if (bn.grad != kNoGrad) grad_of(t, bn).noalias() += value_of(t, an).transpose() * g;
}

}  // namespace detail

Var matmul(const Var& a, const Var& b) {
  const Shape sa = detail::Recorder::node(a, "matmul", "a").shape();
  const Shape sb = detail::Recorder::node(b, "matmul", "b").shape();
  if (sa.cols != sb.rows) {
    detail::fail("matmul", "shapes", "{} and {} do not chain: a has {} columns, b has {} rows", sa,
                 sb, sa.cols, sb.rows);
  }
  return detail::Recorder::binary("matmul", OpKind::Matmul, a, b, Shape{sa.rows, sb.cols});
}

}  // namespace tapegrad
