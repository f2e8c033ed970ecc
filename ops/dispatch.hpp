// Internal: the two exhaustive switches that run a node's forward and backward rule. With
// -Wswitch-enum and -Werror, an OpKind without a case here fails the build. Included only by the
// tape's implementation, where the element-wise rules inline into the forward and reverse loops.
#pragma once

#include "tapegrad/ops/add.hpp"
#include "tapegrad/ops/affine.hpp"
#include "tapegrad/ops/detach.hpp"
#include "tapegrad/ops/div.hpp"
#include "tapegrad/ops/exp.hpp"
#include "tapegrad/ops/kernels.hpp"
#include "tapegrad/ops/leaf.hpp"
#include "tapegrad/ops/log.hpp"
#include "tapegrad/ops/log_loss.hpp"
#include "tapegrad/ops/log_loss_with_logits.hpp"
#include "tapegrad/ops/matmul.hpp"
#include "tapegrad/ops/mean.hpp"
#include "tapegrad/ops/mse.hpp"
#include "tapegrad/ops/mul.hpp"
#include "tapegrad/ops/pow.hpp"
#include "tapegrad/ops/rdiv.hpp"
#include "tapegrad/ops/relu.hpp"
#include "tapegrad/ops/sigmoid.hpp"
#include "tapegrad/ops/sub.hpp"
#include "tapegrad/ops/sum.hpp"
#include "tapegrad/ops/tanh.hpp"
#include "tapegrad/ops/transpose.hpp"

namespace tapegrad::detail {

/// Computes n's value from its inputs' values; `in` says where one-element nodes find their
/// inputs (ViaNodes or Resolved, see kernels.hpp).
template <class In>
[[gnu::always_inline]] inline void forward_node(const Ctx& t, const Node& n, In in) {
  switch (n.op) {
    case OpKind::Input:
    case OpKind::Param:
      return;
    case OpKind::Detach:
      return DetachRule::forward(t, n);
    case OpKind::Add:
      return forward_binary<AddRule>(t, n, in);
    case OpKind::Sub:
      return forward_binary<SubRule>(t, n, in);
    case OpKind::Mul:
      return forward_binary<MulRule>(t, n, in);
    case OpKind::Div:
      return forward_binary<DivRule>(t, n, in);
    case OpKind::Affine:
      return forward_unary<AffineRule>(t, n, in);
    case OpKind::RDiv:
      return forward_unary<RDivRule>(t, n, in);
    case OpKind::Pow:
      return forward_unary<PowRule>(t, n, in);
    case OpKind::Exp:
      return forward_unary<ExpRule>(t, n, in);
    case OpKind::Log:
      return forward_unary<LogRule>(t, n, in);
    case OpKind::Sigmoid:
      return forward_unary<SigmoidRule>(t, n, in);
    case OpKind::Tanh:
      return forward_unary<TanhRule>(t, n, in);
    case OpKind::Relu:
      return forward_unary<ReluRule>(t, n, in);
    case OpKind::Sum:
      return SumRule::forward(t, n);
    case OpKind::Mean:
      return MeanRule::forward(t, n);
    case OpKind::Matmul:
      return MatmulRule::forward(t, n);
    case OpKind::Transpose:
      return TransposeRule::forward(t, n);
    case OpKind::LogLoss:
      return forward_binary<LogLossRule>(t, n, in);
    case OpKind::LogLossWithLogits:
      return forward_binary<LogLossWithLogitsRule>(t, n, in);
    case OpKind::Mse:
      return MseRule::forward(t, n);
  }
}

/// Adds n's gradient times each local partial derivative into its inputs' gradients.
template <class In>
[[gnu::always_inline]] inline void backward_node(const Ctx& t, const Node& n, In in) {
  switch (n.op) {
    case OpKind::Input:
    case OpKind::Param:
    case OpKind::Detach:
      return;
    case OpKind::Add:
      return backward_binary<AddRule>(t, n, in);
    case OpKind::Sub:
      return backward_binary<SubRule>(t, n, in);
    case OpKind::Mul:
      return backward_binary<MulRule>(t, n, in);
    case OpKind::Div:
      return backward_binary<DivRule>(t, n, in);
    case OpKind::Affine:
      return backward_unary<AffineRule>(t, n, in);
    case OpKind::RDiv:
      return backward_unary<RDivRule>(t, n, in);
    case OpKind::Pow:
      return backward_unary<PowRule>(t, n, in);
    case OpKind::Exp:
      return backward_unary<ExpRule>(t, n, in);
    case OpKind::Log:
      return backward_unary<LogRule>(t, n, in);
    case OpKind::Sigmoid:
      return backward_unary<SigmoidRule>(t, n, in);
    case OpKind::Tanh:
      return backward_unary<TanhRule>(t, n, in);
    case OpKind::Relu:
      return backward_unary<ReluRule>(t, n, in);
    case OpKind::Sum:
      return SumRule::backward(t, n);
    case OpKind::Mean:
      return MeanRule::backward(t, n);
    case OpKind::Matmul:
      return MatmulRule::backward(t, n);
    case OpKind::Transpose:
      return TransposeRule::backward(t, n);
    case OpKind::LogLoss:
      return backward_binary<LogLossRule>(t, n, in);
    case OpKind::LogLossWithLogits:
      return backward_binary<LogLossWithLogitsRule>(t, n, in);
    case OpKind::Mse:
      return MseRule::backward(t, n);
  }
}

[[gnu::always_inline]] inline void forward_node(const Ctx& t, const Node& n) {
  forward_node(t, n, ViaNodes{t.nodes});
}
[[gnu::always_inline]] inline void backward_node(const Ctx& t, const Node& n) {
  backward_node(t, n, ViaNodes{t.nodes});
}

/// Calls f.template operator()<Rule>() with the rule struct of `op`.
template <class F>
decltype(auto) with_rule(OpKind op, F&& f) {
  switch (op) {
    case OpKind::Input:
      return f.template operator()<InputRule>();
    case OpKind::Param:
      return f.template operator()<ParamRule>();
    case OpKind::Detach:
      return f.template operator()<DetachRule>();
    case OpKind::Add:
      return f.template operator()<AddRule>();
    case OpKind::Sub:
      return f.template operator()<SubRule>();
    case OpKind::Mul:
      return f.template operator()<MulRule>();
    case OpKind::Div:
      return f.template operator()<DivRule>();
    case OpKind::Affine:
      return f.template operator()<AffineRule>();
    case OpKind::RDiv:
      return f.template operator()<RDivRule>();
    case OpKind::Pow:
      return f.template operator()<PowRule>();
    case OpKind::Exp:
      return f.template operator()<ExpRule>();
    case OpKind::Log:
      return f.template operator()<LogRule>();
    case OpKind::Sigmoid:
      return f.template operator()<SigmoidRule>();
    case OpKind::Tanh:
      return f.template operator()<TanhRule>();
    case OpKind::Relu:
      return f.template operator()<ReluRule>();
    case OpKind::Sum:
      return f.template operator()<SumRule>();
    case OpKind::Mean:
      return f.template operator()<MeanRule>();
    case OpKind::Matmul:
      return f.template operator()<MatmulRule>();
    case OpKind::Transpose:
      return f.template operator()<TransposeRule>();
    case OpKind::LogLoss:
      return f.template operator()<LogLossRule>();
    case OpKind::LogLossWithLogits:
      return f.template operator()<LogLossWithLogitsRule>();
    case OpKind::Mse:
      return f.template operator()<MseRule>();
  }
  return f.template operator()<InputRule>();  // unreachable for valid enumerators
}

}  // namespace tapegrad::detail
