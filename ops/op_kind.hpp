// The list of node kinds a tape can record.
//
// Every kind has exactly one rule file in ops/ (forward, backward with its partial derivative,
// and its name for diagrams) and one case in each exhaustive switch in ops/dispatch.hpp; with
// -Wswitch-enum -Werror a kind without a rule does not build.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tapegrad {

/// What a node computes.
enum class OpKind : std::uint8_t {
  Input,              ///< leaf set by the user; no gradient
  Param,              ///< leaf set by the user; receives a gradient
  Detach,             ///< copy of its input that stops gradients
  Add,                ///< a + b, broadcasting
  Sub,                ///< a - b, broadcasting
  Mul,                ///< a * b element-wise, broadcasting
  Div,                ///< a / b element-wise, broadcasting
  Affine,             ///< alpha * x + beta (Var with double: x + c, c - x, c * x, -x, ...)
  RDiv,               ///< c / x
  Pow,                ///< x ^ p for a constant p
  Exp,                ///< e ^ x
  Log,                ///< natural logarithm
  Sigmoid,            ///< 1 / (1 + e ^ -x)
  Tanh,               ///< hyperbolic tangent
  Relu,               ///< max(x, 0)
  Sum,                ///< sum of all elements, or along an axis
  Mean,               ///< mean of all elements, or along an axis
  Matmul,             ///< matrix product
  Transpose,          ///< matrix transpose
  LogLoss,            ///< -(y log a + (1 - y) log(1 - a)), element-wise
  LogLossWithLogits,  ///< log_loss(sigmoid(z), y) computed stably from z, element-wise
  Mse,                ///< mean of (a - y)^2 over all elements
};

/// The last enumerator; keep it in step when adding a kind.
inline constexpr OpKind kLastOpKind = OpKind::Mse;
/// Number of kinds.
inline constexpr std::size_t kOpKindCount = static_cast<std::size_t>(kLastOpKind) + 1;

/// Short name used in messages and diagrams ("add", "sigmoid", ...).
[[nodiscard]] std::string_view op_name(OpKind op) noexcept;
/// Symbol used inside diagram op bubbles ("+", "σ", "@", ...).
[[nodiscard]] std::string_view op_symbol(OpKind op) noexcept;
/// Number of Var inputs (0 for leaves, 1 or 2 otherwise).
[[nodiscard]] std::size_t op_arity(OpKind op) noexcept;

}  // namespace tapegrad
