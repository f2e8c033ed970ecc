// slice_rows: rows begin..end-1 of x (a contiguous block of a row-major value).
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include <fmt/format.h>

#include "tapegrad/ops/detail/kernels.hpp"
#include "tapegrad/ops/detail/record.hpp"

namespace tapegrad {
namespace detail {
struct SliceRowsRule {
  static constexpr std::string_view name = "slice_rows";
  static constexpr std::string_view symbol = "rows";
  static constexpr std::size_t arity = 1;
  static constexpr std::size_t constants = 1;  // k = {begin}; the node's rows give end - begin
  // y_rc = x_(begin + r)c
  static void forward(const Ctx& t, const Node& n);
  // dy_rc/dx_(begin + r)c = 1: the gradient goes back to the rows taken, 0 to the others
  static void backward(const Ctx& t, const Node& n);
  static std::string expression(const NodeInfo& n, std::span<const std::string> in) {
    const auto begin = static_cast<std::size_t>(n.constants[0]);
    return fmt::format("slice_rows({}, {}, {})", in[0], begin, begin + n.shape.rows);
  }
  static std::string bubble(const NodeInfo& n, int) {
    const auto begin = static_cast<std::size_t>(n.constants[0]);
    return fmt::format("rows {}:{}", begin, begin + n.shape.rows);
  }
};
}  // namespace detail

/// Rows begin, begin + 1, ..., end - 1 of x (begin < end <= x's rows), all columns; throws Error
/// for an empty or out-of-range range.
Var slice_rows(const Var& x, std::size_t begin, std::size_t end);

}  // namespace tapegrad
