// Internal: the three forms of an op rule (see ops/op_table.cpp), and running a rule of known
// type on one node: what the op table's switches and the recording path share.
#pragma once

#include <concepts>
#include <cstddef>

#include "tapegrad/engine/detail/rules.hpp"
#include "tapegrad/ops/detail/kernels.hpp"

namespace tapegrad::detail {

template <class R>
concept Leaf = R::leaf;
template <class R>
concept UnaryElementwise = requires(double x, const double* k) {
  { R::forward(x, k) } -> std::same_as<double>;
  { R::partial(x, x, k) } -> std::same_as<double>;
};
template <class R>
concept BinaryElementwise = requires(double a) {
  { R::forward(a, a) } -> std::same_as<double>;
  { R::partial_a(a, a, a) } -> std::same_as<double>;
  { R::partial_b(a, a, a) } -> std::same_as<double>;
};
template <class R>
concept General = requires(const Ctx& t, const Node& n) {
  R::forward(t, n);
};
template <class R>
concept HasBackward = requires(const Ctx& t, const Node& n) {
  R::backward(t, n);
};

template <class R, class In>
[[gnu::always_inline]] inline void forward_rule(const Ctx& t, const Node& n, In in) {
  if constexpr (UnaryElementwise<R>)
    forward_unary<R>(t, n, in);
  else if constexpr (BinaryElementwise<R>)
    forward_binary<R>(t, n, in);
  else if constexpr (General<R>)
    R::forward(t, n);
}

template <class R, class In>
[[gnu::always_inline]] inline void backward_rule(const Ctx& t, const Node& n, In in) {
  if constexpr (UnaryElementwise<R>)
    backward_unary<R>(t, n, in);
  else if constexpr (BinaryElementwise<R>)
    backward_binary<R>(t, n, in);
  else if constexpr (HasBackward<R>)
    R::backward(t, n);
}

// A kStored node (one element, element-wise rule, a gradient) in the replay loop: value and
// partials. Other forms never carry the flag.
template <class R, class In>
[[gnu::always_inline]] inline void forward_stored_rule(const Ctx& t, const Node& n, In in,
                                                       StoredOp& s) {
  if constexpr (UnaryElementwise<R>)
    forward_unary_stored<R>(t, n, in, s);
  else if constexpr (BinaryElementwise<R>)
    forward_binary_stored<R>(t, n, in, s);
}

}  // namespace tapegrad::detail
