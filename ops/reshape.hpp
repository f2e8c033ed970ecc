// reshape: the same elements, in the same row-major order, read as another shape with the same
// number of elements (a 2x3 value becomes 3x2, 1x6 or 6x1).
#pragma once

#include <span>
#include <string>

#include <fmt/format.h>

#include "tapegrad/ops/detail/kernels.hpp"
#include "tapegrad/ops/detail/record.hpp"

namespace tapegrad {
namespace detail {
struct ReshapeRule {
  static constexpr std::string_view name = "reshape";
  static constexpr std::string_view symbol = "reshape";
  static constexpr std::size_t arity = 1;
  // y_i = x_i in row-major order
  static void forward(const Ctx& t, const Node& n);
  // dy_i/dx_i = 1: the gradient is x's, element for element in row-major order
  static void backward(const Ctx& t, const Node& n);
  static std::string expression(const NodeInfo& n, std::span<const std::string> in) {
    return fmt::format("reshape({}, {})", in[0], n.shape);
  }
  static std::string bubble(const NodeInfo& n, int) { return fmt::format("→{}", n.shape); }
};
}  // namespace detail

/// x's elements in row-major order, as a value of `shape` (the same number of elements); throws
/// Error otherwise.
Var reshape(const Var& x, Shape shape);

}  // namespace tapegrad
