// gather_rows: the rows of x named by an m x 1 value of integer row numbers, in that order
// (repeats allowed): y_r = x_(indices_r). The indices are data, an input Var (no gradient), so a
// replay can pick another mini-batch with tape.set(indices, ...) and forward(), without recording
// again or copying the data set. Each must be an integer in 0..rows-1: recording refuses others
// with "gather_rows: indices: ...", and forward() and backward() throw that same Error if a replay
// sets one (values and gradients are then incomplete: set valid indices and run the pass again).
#pragma once

#include "tapegrad/ops/detail/kernels.hpp"
#include "tapegrad/ops/detail/record.hpp"

namespace tapegrad {
namespace detail {
struct GatherRowsRule {
  static constexpr std::string_view name = "gather_rows";
  static constexpr std::string_view symbol = "x[i]";
  static constexpr std::size_t arity = 2;
  // y_rc = x_(i_r)c
  static void forward(const Ctx& t, const Node& n);
  // dy_rc/dx_jc = [i_r = j]: row r of the gradient is added into row i_r of x's, so a row taken
  // twice receives both; no gradient flows to the indices
  static void backward(const Ctx& t, const Node& n);
  // row r from row r of the indices (a mini-batch's), x whole: forward_backward() runs it over
  // blocks of the indices' rows when x is not a batch node
  static constexpr RowRule rows = RowRule::SecondInput;
};
}  // namespace detail

/// The rows of x named by `indices` (m x 1, an input holding row numbers 0..rows-1, repeats
/// allowed), in that order: an m x cols value. Its gradient is scattered back, adding up over
/// repeated rows. Change the indices with tape.set() and replay with forward() to take another
/// mini-batch. Throws Error for indices that are not one column of integers in range or that need
/// a gradient.
Var gather_rows(const Var& x, const Var& indices);

}  // namespace tapegrad
