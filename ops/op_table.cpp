// The op table: everything the engine and the tools ask of an op kind, generated from the op list
// (ops/op_list.hpp) and the traits of each kind's rule struct. Nothing here names a particular op.
//
// A rule is one of three forms, told apart by its members:
//   leaf                 `static constexpr bool leaf = true` (input, param): never recomputed;
//   element-wise         forward(x, k) and partial(x, y, k), or forward(a, b), partial_a(a, b, y)
//                        and partial_b(a, b, y): the drivers in ops/detail/kernels.hpp run them
//                        over whole values with broadcasting, and one-element nodes inline;
//   general              forward(ctx, node) and, unless no gradient flows through it,
//                        backward(ctx, node).
// and may add: value_and_partials(a, b, p) (a binary element-wise rule's value and both partial
// derivatives at once, for one-element nodes that store them; ops/detail/kernels.hpp),
// `constants` (how many it keeps at consts[in1]), axis(node), rows (a RowRule, or
// rows(ctx, node)), partial_of_all(ctx, node), `linear` (an element-wise rule whose partials
// read no value, for the root chains of forward_backward() and the replay of stored scalar
// nodes), node_name(ctx, node), `infix` (drawn as "a + b"), expression(info, inputs) and
// bubble(info, precision).
#include <algorithm>
#include <array>
#include <cmath>
#include <type_traits>

#include <fmt/format.h>

#include "tapegrad/engine/detail/rules.hpp"
#include "tapegrad/op_headers.hpp"  // every rule header, generated from the op list by CMake
#include "tapegrad/ops/detail/forms.hpp"

namespace tapegrad {
namespace detail {
namespace {

// Each rule has exactly one form and a name and symbol: a rule out of step with the list fails
// the build here, whatever the warning flags.
template <class R>
constexpr bool kWellFormed = (int{Leaf<R>} + int{UnaryElementwise<R>} + int{BinaryElementwise<R>} +
                              int{General<R>}) == 1 &&
                             requires {
  { R::name } -> std::convertible_to<std::string_view>;
  { R::symbol } -> std::convertible_to<std::string_view>;
};
#define TAPEGRAD_CHECK_RULE(kind, stem)                           \
  static_assert(kWellFormed<kind##Rule>, #kind "Rule (ops/" #stem \
                                               ".hpp) needs "     \
                                               "a name, a symbol and exactly one form");
TAPEGRAD_OP_LIST(TAPEGRAD_CHECK_RULE)
#undef TAPEGRAD_CHECK_RULE

template <class R>
constexpr std::size_t arity() {
  if constexpr (Leaf<R>)
    return 0;
  else if constexpr (UnaryElementwise<R>)
    return 1;
  else if constexpr (BinaryElementwise<R>)
    return 2;
  else
    return R::arity;
}

// The table of per-kind facts that need no node.
struct Facts {
  std::string_view name;
  std::string_view symbol;
  std::string_view stem;
  std::size_t arity;
};
constexpr std::array<Facts, kOpKindCount> kFacts = {{
#define TAPEGRAD_FACTS(kind, stem) \
  {kind##Rule::name, kind##Rule::symbol, #stem, arity<kind##Rule>()},
    TAPEGRAD_OP_LIST(TAPEGRAD_FACTS)
#undef TAPEGRAD_FACTS
}};

// Names are unique: diagrams, messages and the coverage test tell kinds apart by them.
constexpr bool unique_names() {
  for (std::size_t i = 0; i < kFacts.size(); ++i) {
    for (std::size_t j = i + 1; j < kFacts.size(); ++j) {
      if (kFacts[i].name == kFacts[j].name) return false;
    }
  }
  return true;
}
static_assert(unique_names(), "two rules in the op list share a name");

/// Calls f.template operator()<Rule>() with the rule struct of `op`.
template <class F>
[[gnu::always_inline]] inline decltype(auto) with_rule(OpKind op, F&& f) {
  switch (op) {
#define TAPEGRAD_CASE(kind, stem) \
  case OpKind::kind:              \
    return f.template operator()<kind##Rule>();
    TAPEGRAD_OP_LIST(TAPEGRAD_CASE)
#undef TAPEGRAD_CASE
  }
  return f.template operator()<InputRule>();  // unreachable for valid enumerators
}

// The two dispatch switches, generated from the list: the element-wise rules inline into the
// forward and reverse loops below.
template <class In>
[[gnu::always_inline]] inline void forward_one(const Ctx& t, const Node& n, In in) {
  switch (n.op) {
#define TAPEGRAD_CASE(kind, stem) \
  case OpKind::kind:              \
    return forward_rule<kind##Rule>(t, n, in);
    TAPEGRAD_OP_LIST(TAPEGRAD_CASE)
#undef TAPEGRAD_CASE
  }
}

template <class In>
[[gnu::always_inline]] inline void backward_one(const Ctx& t, const Node& n, In in) {
  switch (n.op) {
#define TAPEGRAD_CASE(kind, stem) \
  case OpKind::kind:              \
    return backward_rule<kind##Rule>(t, n, in);
    TAPEGRAD_OP_LIST(TAPEGRAD_CASE)
#undef TAPEGRAD_CASE
  }
}

template <class In>
[[gnu::always_inline]] inline void forward_stored_one(const Ctx& t, const Node& n, In in,
                                                      StoredOp& s) {
  switch (n.op) {
#define TAPEGRAD_CASE(kind, stem) \
  case OpKind::kind:              \
    return forward_stored_rule<kind##Rule>(t, n, in, s);
    TAPEGRAD_OP_LIST(TAPEGRAD_CASE)
#undef TAPEGRAD_CASE
  }
}

// One node of the replay loop: its value (and stored partials, moving s past its StoredOp), and
// its gradient set to zero unless it is a param's. Leaves have nothing to compute.
template <class In>
[[gnu::always_inline]] inline void replay_one(const Ctx& t, const Node& n, In in, StoredOp*& s) {
  if (n.flags & kStored) {
    forward_stored_one(t, n, in, *s++);
    t.grads[n.grad] = 0.0;
    return;
  }
  if (n.flags & kLeaf) return;
  forward_one(t, n, in);
  if (n.grad != kNoGrad) std::fill_n(t.grads + n.grad, n.size(), 0.0);
}

// backward for a kStored node: g times each stored partial into the inputs' gradients.
[[gnu::always_inline]] inline void backward_stored(const Ctx& t, const StoredOp& s) {
  const double g = t.grads[s.g];
  if (s.ga != kNoGrad) t.grads[s.ga] += g * s.partial[0];
  if (s.gb != kNoGrad) t.grads[s.gb] += g * s.partial[1];
}

template <class R>
RowRule row_rule(const Ctx& t, const Node& n) {
  if constexpr (requires { R::rows(t, n); })
    return R::rows(t, n);
  else if constexpr (requires { R::rows; })
    return R::rows;
  else if constexpr (UnaryElementwise<R> || BinaryElementwise<R>)
    return RowRule::Elementwise;
  else
    return RowRule::Never;
}

std::string number(double x, int precision) { return fmt::format("{:.{}g}", x, precision); }

}  // namespace

// ---------------------------------------------------------------- the engine's interface

void forward_node(const Ctx& t, const Node& n) { forward_one(t, n, ViaNodes{t.nodes}); }
void backward_node(const Ctx& t, const Node& n) { backward_one(t, n, ViaNodes{t.nodes}); }

void forward_nodes(const Ctx& t, std::size_t begin, std::size_t end, const Operands* plan,
                   StoredOp* s) {
  const Node* const last = t.nodes + end;
  if (plan == nullptr) {
    for (const Node* n = t.nodes + begin; n != last; ++n) replay_one(t, *n, ViaNodes{t.nodes}, s);
    return;
  }
  plan += begin;
  for (const Node* n = t.nodes + begin; n != last; ++n, ++plan) {
    replay_one(t, *n, Resolved{*plan}, s);
  }
}

namespace {
// The reverse loop; kUseStored: kStored nodes take their StoredOp (s moves back over them).
template <bool kUseStored, class In>
[[gnu::always_inline]] inline void reverse_one(const Ctx& t, const Node& n, In in,
                                               const StoredOp*& s) {
  if (kUseStored && (n.flags & kStored)) {
    backward_stored(t, *--s);
  } else if ((n.flags & (kLeaf | kRequiresGrad)) == kRequiresGrad) {  // params: nothing to do
    backward_one(t, n, in);
  }
}

template <bool kUseStored>
void reverse_nodes(const Ctx& t, std::size_t end, const Operands* plan, const StoredOp* s) {
  const Node* n = t.nodes + end;
  if (plan == nullptr) {
    while (n-- != t.nodes) reverse_one<kUseStored>(t, *n, ViaNodes{t.nodes}, s);
    return;
  }
  for (const Operands* o = plan + end; n-- != t.nodes;) {
    --o;
    reverse_one<kUseStored>(t, *n, Resolved{*o}, s);
  }
}
}  // namespace

void backward_nodes(const Ctx& t, std::size_t end, const Operands* plan, const StoredOp* s) {
  if (s != nullptr) return reverse_nodes<true>(t, end, plan, s);
  reverse_nodes<false>(t, end, plan, s);
}

void backward_live_nodes(const Ctx& t, std::size_t end, const Operands* plan,
                         const std::uint8_t* live, const StoredOp* s) {
  for (std::size_t i = end; i-- > 0;) {
    const Node& n = t.nodes[i];
    if (s != nullptr && (n.flags & kStored)) {
      --s;  // a node off every path still moves s back past its StoredOp
      if (live[i] != 0) backward_stored(t, *s);
      continue;
    }
    if (n.grad == kNoGrad || live[i] == 0) continue;
    if (plan != nullptr) {
      backward_one(t, n, Resolved{plan[i]});
    } else {
      backward_one(t, n, ViaNodes{t.nodes});
    }
  }
}

bool backward_marking_nodes(const Ctx& t, std::size_t end, std::uint8_t* live) {
  bool all = true;
  for (std::size_t i = end; i-- > 0;) {
    const Node& n = t.nodes[i];
    if (n.grad == kNoGrad) continue;
    if (live[i] == 0) {
      all = false;
      continue;
    }
    if (n.flags & kUnary) {
      live[n.in0] = 1;
    } else if (n.flags & kBinary) {
      live[n.in0] = 1;
      live[n.in1] = 1;
    } else if (n.flags & kListed) {
      for (std::uint32_t s = 0; s < n.in1; ++s) live[t.links[n.in0 + s]] = 1;
    }
    backward_one(t, n, ViaNodes{t.nodes});
  }
  return all;
}

std::string_view node_op_name(const Ctx& t, const Node& n) noexcept {
  return with_rule(n.op, [&]<class R>() -> std::string_view {
    if constexpr (requires { R::node_name(t, n); })
      return R::node_name(t, n);
    else
      return R::name;
  });
}

RowRule node_row_rule(const Ctx& t, const Node& n) noexcept {
  return with_rule(n.op, [&]<class R>() { return row_rule<R>(t, n); });
}

double node_partial_of_all(const Ctx& t, const Node& n) noexcept {
  return with_rule(n.op, [&]<class R>() -> double {
    if constexpr (requires { R::partial_of_all(t, n); })
      return R::partial_of_all(t, n);
    else
      return 0.0;
  });
}

bool node_constant_partial(const Ctx& t, const Node& n, std::uint32_t slot,
                           double& partial) noexcept {
  return with_rule(n.op, [&]<class R>() -> bool {
    if constexpr (requires { R::linear; }) {
      // The partials of a linear rule read no value: they are evaluated at zero.
      if constexpr (BinaryElementwise<R>) {
        if (slot > 1) return false;
        partial = slot == 0 ? R::partial_a(0.0, 0.0, 0.0) : R::partial_b(0.0, 0.0, 0.0);
        return true;
      } else if constexpr (UnaryElementwise<R>) {
        if (slot != 0) return false;
        partial = R::partial(0.0, 0.0, t.consts + n.in1);
        return true;
      }
    }
    return false;
  });
}

std::size_t node_constant_count(const Node& n) noexcept {
  return with_rule(n.op, [&]<class R>() -> std::size_t {
    if constexpr (requires { R::constants; })
      return R::constants;
    else
      return 0;
  });
}

int node_axis(const Node& n) noexcept {
  return with_rule(n.op, [&]<class R>() -> int {
    if constexpr (requires { R::axis(n); })
      return R::axis(n);
    else
      return -1;
  });
}

}  // namespace detail

// ---------------------------------------------------------------- the public op table

std::string_view op_name(OpKind op) noexcept {
  const auto i = static_cast<std::size_t>(op);
  return i < kOpKindCount ? detail::kFacts[i].name : std::string_view("?");
}
std::string_view op_symbol(OpKind op) noexcept {
  const auto i = static_cast<std::size_t>(op);
  return i < kOpKindCount ? detail::kFacts[i].symbol : std::string_view("?");
}
std::size_t op_arity(OpKind op) noexcept {
  const auto i = static_cast<std::size_t>(op);
  return i < kOpKindCount ? detail::kFacts[i].arity : 0;
}
std::string_view op_stem(OpKind op) noexcept {
  const auto i = static_cast<std::size_t>(op);
  return i < kOpKindCount ? detail::kFacts[i].stem : std::string_view("?");
}

std::string op_expression(const NodeInfo& node, std::span<const std::string> inputs) {
  return detail::with_rule(node.op, [&]<class R>() -> std::string {
    if constexpr (requires { R::expression(node, inputs); }) {
      return R::expression(node, inputs);
    } else if constexpr (detail::Leaf<R>) {
      return std::string(node.name);
    } else if constexpr (requires { R::infix; }) {
      return fmt::format("{} {} {}", inputs[0], R::symbol, inputs[1]);
    } else {
      std::string args;
      for (const std::string& in : inputs) args += (args.empty() ? "" : ", ") + in;
      if (node.axis >= 0) args += fmt::format(", axis={}", node.axis);
      return fmt::format("{}({})", node.name, args);
    }
  });
}

std::string op_bubble(const NodeInfo& node, int precision) {
  return detail::with_rule(node.op, [&]<class R>() -> std::string {
    if constexpr (requires { R::bubble(node, precision); }) {
      return R::bubble(node, precision);
    } else {
      std::string text(R::symbol);
      for (const double k : node.constants) text += detail::number(k, precision);
      if (node.axis >= 0) text += fmt::format(" axis {}", node.axis);
      return text;
    }
  });
}

}  // namespace tapegrad
