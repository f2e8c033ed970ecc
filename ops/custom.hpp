// custom: ops defined by the user, without editing the library, in two forms.
//
//   ElementwiseOp   y = f(x) element by element, given f and its derivative dy/dx = df(x, y)
//                   (which may reuse the output y, as sigmoid's y (1 - y) does);
//   CustomOp        any function of one or more tensors, given its output shape, a forward
//                   callback and a backward callback that adds the vector-Jacobian products
//                   g · d out / d input_i into each input's gradient (the way PyTorch's
//                   autograd.Function, JAX's custom_vjp and CppAD's atomic functions work).
//
// Both record one node (kind OpKind::Custom, named by the op's own name in diagrams, messages and
// NodeInfo::name), are recomputed by forward() on replay, differentiate through backward(), and
// work with grad_check, anomaly detection and forward_backward(): an element-wise op, or a
// CustomOp declared row_wise, runs over blocks of rows; any other CustomOp makes
// forward_backward() fall back to forward() + backward(). The definition is shared (one
// shared_ptr, kept alive by every tape that records it); a callback's exception propagates out
// of the call that ran it (recording, forward() or backward()).
#pragma once

#include <cstddef>
#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "tapegrad/ops/detail/kernels.hpp"
#include "tapegrad/ops/detail/record.hpp"

namespace tapegrad {

/// A user-defined op over tensors.
struct CustomOp {
  /// Its name in diagrams, messages and NodeInfo::name.
  std::string name{};
  /// The output's shape for the inputs' shapes; throw Error to refuse them. Null: the shape of
  /// the first input.
  std::function<Shape(std::span<const Shape> inputs)> shape{};
  /// Writes the output from the inputs' values.
  std::function<void(std::span<const TensorView> inputs, MutableTensorView out)> forward{};
  /// Adds grad_out · d out / d inputs[i] into grads[i] (accumulate: +=, never assign) for every
  /// input whose gradient view is not empty (inputs that need no gradient get an empty view).
  /// `out` is the forward value, to reuse. Null: no gradient flows through the op.
  std::function<void(std::span<const TensorView> inputs, TensorView out, TensorView grad_out,
                     std::span<const MutableTensorView> grads)>
      backward{};
  /// True when row r of the output depends only on row r of each input (and every input has
  /// the output's rows, or one row): forward_backward() may then run it over blocks of rows.
  bool row_wise = false;
};

/// Records `op` applied to `inputs` (at least one, all on one tape).
Var custom(const std::shared_ptr<const CustomOp>& op, std::span<const Var> inputs);
inline Var custom(const std::shared_ptr<const CustomOp>& op, std::initializer_list<Var> inputs) {
  return custom(op, std::span<const Var>(inputs.begin(), inputs.size()));
}

/// A user-defined element-wise function: y = value(x), dy/dx = derivative(x, y).
class ElementwiseOp {
 public:
  ElementwiseOp(std::string name, std::function<double(double x)> value,
                std::function<double(double x, double y)> derivative);
  /// Records y = f(x) element-wise.
  Var operator()(const Var& x) const;
  /// The op as a CustomOp (row-wise), e.g. to share with custom().
  [[nodiscard]] const std::shared_ptr<const CustomOp>& op() const noexcept { return op_; }

 private:
  std::shared_ptr<const CustomOp> op_;
};

namespace detail {
struct CustomRule {
  static constexpr std::string_view name = "custom";
  static constexpr std::string_view symbol = "f";
  static constexpr std::size_t arity = kVariadic;
  // y = the op's forward callback of the inputs
  static void forward(const Ctx& t, const Node& n);
  // d J / d input_i += the op's backward callback (its vector-Jacobian product)
  static void backward(const Ctx& t, const Node& n);
  static std::string_view node_name(const Ctx& t, const Node& n) noexcept;
  static RowRule rows(const Ctx& t, const Node& n) noexcept;
  static std::string bubble(const NodeInfo& n, int) { return std::string(n.name); }
};
}  // namespace detail

}  // namespace tapegrad
