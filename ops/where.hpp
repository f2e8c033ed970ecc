// where: y = a where mask != 0, b elsewhere, element-wise with NumPy broadcasting of all three
// (each dimension equal, or 1). A NaN mask element is != 0, so it takes a. The gradient flows to a
// where the mask is non-zero and to b elsewhere; none flows to the mask (it is piecewise constant).
#pragma once

#include "tapegrad/ops/detail/kernels.hpp"
#include "tapegrad/ops/detail/record.hpp"

namespace tapegrad {
namespace detail {
struct WhereRule {
  static constexpr std::string_view name = "where";
  static constexpr std::string_view symbol = "?:";
  static constexpr std::size_t arity = 3;  // mask, a, b: listed inputs
  // row r of the result reads row r (or the only row) of each input
  static constexpr RowRule rows = RowRule::Elementwise;
  // y = mask != 0 ? a : b
  static void forward(const Ctx& t, const Node& n);
  // dy/da = [mask != 0], dy/db = [mask == 0], summed over broadcast axes; dy/dmask = 0
  static void backward(const Ctx& t, const Node& n);
};
}  // namespace detail

/// a where mask != 0, b elsewhere, element-wise, mask, a and b broadcasting together (NumPy
/// rules: each dimension equal or 1). The gradient goes to a where the mask is non-zero (NaN
/// counts as non-zero) and to b elsewhere; the mask gets none.
Var where(const Var& mask, const Var& a, const Var& b);

}  // namespace tapegrad
