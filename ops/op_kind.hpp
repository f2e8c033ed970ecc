// OpKind and what can be asked of any kind: its name, symbol and number of inputs, and the
// readable expression of a recorded node. All of it comes from the op list (ops/op_list.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "tapegrad/engine/tape.hpp"
#include "tapegrad/ops/op_list.hpp"

namespace tapegrad {

/// What a node computes: one enumerator per line of the op list, in its order.
enum class OpKind : std::uint8_t {
#define TAPEGRAD_ENUMERATOR(kind, stem) kind,
  TAPEGRAD_OP_LIST(TAPEGRAD_ENUMERATOR)
#undef TAPEGRAD_ENUMERATOR
};

namespace detail {
// The rule struct of each kind, and the kind of each rule struct (kind_of<SigmoidRule>).
#define TAPEGRAD_DECLARE_RULE(kind, stem) struct kind##Rule;
TAPEGRAD_OP_LIST(TAPEGRAD_DECLARE_RULE)
#undef TAPEGRAD_DECLARE_RULE
inline constexpr OpKind kNotListed{255};
template <class Rule>
inline constexpr OpKind kind_of = kNotListed;
#define TAPEGRAD_KIND_OF(kind, stem) \
  template <>                        \
  inline constexpr OpKind kind_of<kind##Rule> = OpKind::kind;
TAPEGRAD_OP_LIST(TAPEGRAD_KIND_OF)
#undef TAPEGRAD_KIND_OF
}  // namespace detail

/// Number of kinds.
inline constexpr std::size_t kOpKindCount = 0
#define TAPEGRAD_COUNT(kind, stem) +1
    TAPEGRAD_OP_LIST(TAPEGRAD_COUNT)
#undef TAPEGRAD_COUNT
    ;
static_assert(kOpKindCount <= 256, "OpKind is one byte");
static_assert(OpKind::Input == detail::kInputKind && OpKind::Param == detail::kParamKind,
              "the op list starts with the two leaves the engine creates");

/// Number of inputs of a kind whose count is not fixed (custom ops).
inline constexpr std::size_t kVariadic = static_cast<std::size_t>(-1);

/// Short name used in messages and diagrams ("add", "sigmoid", ...).
[[nodiscard]] std::string_view op_name(OpKind op) noexcept;
/// Symbol used inside diagram op bubbles ("+", "σ", "@", ...).
[[nodiscard]] std::string_view op_symbol(OpKind op) noexcept;
/// Number of Var inputs: 0 for leaves, 1 or 2, or kVariadic.
[[nodiscard]] std::size_t op_arity(OpKind op) noexcept;
/// The stem of the kind's files: ops/<stem>.hpp, tests/ops/<stem>_test.cpp.
[[nodiscard]] std::string_view op_stem(OpKind op) noexcept;

/// A recorded node as an expression of its inputs' names, e.g. "w1 * x1", "sigmoid(z)",
/// "sum(x, axis=0)", "-x + 1"; leaves give their kind ("param", "input").
[[nodiscard]] std::string op_expression(const NodeInfo& node, std::span<const std::string> inputs);
/// The text of a node's op bubble in diagrams: its symbol, with constants and axis where it has
/// them ("×2", "^3", "Σ axis 0"), numbers with `precision` significant digits.
[[nodiscard]] std::string op_bubble(const NodeInfo& node, int precision);

}  // namespace tapegrad
