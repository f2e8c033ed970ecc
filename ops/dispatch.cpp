#include "tapegrad/ops/dispatch.hpp"

namespace tapegrad {

std::string_view op_name(OpKind op) noexcept {
  return detail::with_rule(op, []<class Rule>() { return Rule::name; });
}

std::string_view op_symbol(OpKind op) noexcept {
  return detail::with_rule(op, []<class Rule>() { return Rule::symbol; });
}

std::size_t op_arity(OpKind op) noexcept {
  switch (op) {
    case OpKind::Input:
    case OpKind::Param:
      return 0;
    case OpKind::Detach:
    case OpKind::Affine:
    case OpKind::RDiv:
    case OpKind::Pow:
    case OpKind::Exp:
    case OpKind::Log:
    case OpKind::Sigmoid:
    case OpKind::Tanh:
    case OpKind::Relu:
    case OpKind::Sum:
    case OpKind::Mean:
    case OpKind::Transpose:
      return 1;
    case OpKind::Add:
    case OpKind::Sub:
    case OpKind::Mul:
    case OpKind::Div:
    case OpKind::Matmul:
    case OpKind::LogLoss:
    case OpKind::LogLossWithLogits:
    case OpKind::Mse:
      return 2;
  }
  return 0;
}

}  // namespace tapegrad
