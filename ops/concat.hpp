// concat: values joined along an axis: axis 0 stacks them top to bottom (equal column counts),
// axis 1 side by side (equal row counts). Any number of inputs, one or more.
#pragma once

#include <initializer_list>
#include <span>

#include "tapegrad/ops/detail/kernels.hpp"
#include "tapegrad/ops/detail/record.hpp"

namespace tapegrad {
namespace detail {
struct ConcatRule {
  static constexpr std::string_view name = "concat";
  static constexpr std::string_view symbol = "concat";
  static constexpr std::size_t arity = kVariadic;  // listed inputs; Node::extra holds the axis
  static int axis(const Node& n) noexcept { return n.extra; }
  // side by side (axis 1), row r of the result is row r of each input; stacking (axis 0) is not
  // row by row
  static RowRule rows(const Ctx&, const Node& n) noexcept {
    return n.extra == 1 ? RowRule::Elementwise : RowRule::Never;
  }
  // y = [x_1; x_2; ...] (axis 0) or [x_1, x_2, ...] (axis 1)
  static void forward(const Ctx& t, const Node& n);
  // dy/dx_s = 1 on x_s's block: each input gets its block of the gradient back
  static void backward(const Ctx& t, const Node& n);
};
}  // namespace detail

/// xs joined along `axis`: 0 (the default) stacks them top to bottom (they must have the same
/// number of columns), 1 side by side (the same number of rows). Takes one or more Vars of one
/// tape; throws Error otherwise.
Var concat(std::span<const Var> xs, int axis = 0);
inline Var concat(std::initializer_list<Var> xs, int axis = 0) {
  return concat(std::span<const Var>(xs.begin(), xs.size()), axis);
}

}  // namespace tapegrad
