// Parameter updates from gradients: the lecture's gradient descent, momentum and Adam.
//
// With g the gradient of the cost for parameter p, learning rate α:
//   gd:        p := p - α g
//   momentum:  v := β1 v + (1 - β1) g;             p := p - α v
//   adam:      m := β1 m + (1 - β1) g;  s := β2 s + (1 - β2) g²;   t := t + 1
//              p := p - α (m / (1 - β1^t)) / (sqrt(s / (1 - β2^t)) + ε)
// (v, m, s start at zero; β^t is kept as a running product, so the updates are the same bits on
// every platform.)
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "tapegrad/engine/tensor.hpp"

namespace tapegrad {

/// The update rule.
enum class OptimizerKind { gd, momentum, adam };

/// "gd" / "momentum" / "adam".
std::string_view to_string(OptimizerKind kind) noexcept;
/// Parses "gd", "momentum" or "adam"; throws Error otherwise.
OptimizerKind parse_optimizer_kind(std::string_view text);

/// Update rule and its hyper-parameters.
struct OptimizerConfig {
  OptimizerKind kind = OptimizerKind::gd;  ///< the update rule
  double learning_rate = 0.1;              ///< α
  double beta1 = 0.9;                      ///< momentum's β, Adam's first-moment decay
  double beta2 = 0.999;                    ///< Adam's second-moment decay
  double epsilon = 1e-8;                   ///< Adam's ε
};

/// Applies one rule to a fixed list of parameters, keeping its state between steps.
class Optimizer {
 public:
  /// State for parameters of the given shapes; throws Error for a non-positive or non-finite
  /// learning rate or betas outside [0, 1).
  Optimizer(const OptimizerConfig& config, std::span<const Shape> shapes);

  /// One update of every parameter in place from its gradient (same order and shapes as at
  /// construction). Performs no allocation.
  void step(std::span<const MutableTensorView> params, std::span<const TensorView> grads);

  /// Number of steps taken.
  [[nodiscard]] std::size_t steps() const noexcept { return steps_; }

 private:
  OptimizerConfig config_;
  std::vector<Shape> shapes_;
  std::vector<Tensor> first_;   // momentum's v, Adam's m
  std::vector<Tensor> second_;  // Adam's s
  double beta1_power_ = 1.0;    // β1^t
  double beta2_power_ = 1.0;    // β2^t
  std::size_t steps_ = 0;
};

}  // namespace tapegrad
