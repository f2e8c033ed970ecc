#include "tapegrad/models/optimizer.hpp"

#include <cmath>

#include "tapegrad/engine/error.hpp"

namespace tapegrad {

std::string_view to_string(OptimizerKind kind) noexcept {
  switch (kind) {
    case OptimizerKind::gd:
      return "gd";
    case OptimizerKind::momentum:
      return "momentum";
    case OptimizerKind::adam:
      return "adam";
  }
  return "?";
}

OptimizerKind parse_optimizer_kind(std::string_view text) {
  if (text == "gd") return OptimizerKind::gd;
  if (text == "momentum") return OptimizerKind::momentum;
  if (text == "adam") return OptimizerKind::adam;
  detail::fail("optimizer", "kind", "expected 'gd', 'momentum' or 'adam', found '{}'", text);
}

Optimizer::Optimizer(const OptimizerConfig& config, std::span<const Shape> shapes)
    : config_(config), shapes_(shapes.begin(), shapes.end()) {
  if (!(std::isfinite(config.learning_rate) && config.learning_rate > 0.0)) {
    detail::fail("optimizer", "learning_rate", "expected a positive number, found {}",
                 config.learning_rate);
  }
  if (!(config.beta1 >= 0.0 && config.beta1 < 1.0) ||
      !(config.beta2 >= 0.0 && config.beta2 < 1.0)) {
    detail::fail("optimizer", "beta", "expected beta1 and beta2 in [0, 1), found {} and {}",
                 config.beta1, config.beta2);
  }
  if (!(std::isfinite(config.epsilon) && config.epsilon > 0.0)) {
    detail::fail("optimizer", "epsilon", "expected a positive number, found {}", config.epsilon);
  }
  for (Shape s : shapes) {
    if (config.kind != OptimizerKind::gd) first_.emplace_back(s.rows, s.cols);
    if (config.kind == OptimizerKind::adam) second_.emplace_back(s.rows, s.cols);
  }
}

void Optimizer::step(std::span<const MutableTensorView> params, std::span<const TensorView> grads) {
  if (params.size() != shapes_.size() || grads.size() != shapes_.size()) {
    detail::fail("optimizer", "params", "expected {} parameters and gradients, found {} and {}",
                 shapes_.size(), params.size(), grads.size());
  }
  ++steps_;
  const double lr = config_.learning_rate, b1 = config_.beta1, b2 = config_.beta2;
  beta1_power_ *= b1;
  beta2_power_ *= b2;
  for (std::size_t i = 0; i < params.size(); ++i) {
    const MutableTensorView p = params[i];
    const TensorView g = grads[i];
    if (p.shape() != shapes_[i] || g.shape() != shapes_[i]) {
      detail::fail("optimizer", "params", "parameter {}: expected shape {}, found {} and {}", i,
                   shapes_[i], p.shape(), g.shape());
    }
    const std::size_t size = p.size();
    switch (config_.kind) {
      case OptimizerKind::gd:
        for (std::size_t k = 0; k < size; ++k) p[k] -= lr * g[k];  // w := w - α dw
        break;
      case OptimizerKind::momentum: {
        double* v = first_[i].data();
        for (std::size_t k = 0; k < size; ++k) {
          v[k] = b1 * v[k] + (1.0 - b1) * g[k];
          p[k] -= lr * v[k];
        }
        break;
      }
      case OptimizerKind::adam: {
        double* m = first_[i].data();
        double* s = second_[i].data();
        for (std::size_t k = 0; k < size; ++k) {
          m[k] = b1 * m[k] + (1.0 - b1) * g[k];
          s[k] = b2 * s[k] + (1.0 - b2) * g[k] * g[k];
          const double m_hat = m[k] / (1.0 - beta1_power_);
          const double s_hat = s[k] / (1.0 - beta2_power_);
          p[k] -= lr * m_hat / (std::sqrt(s_hat) + config_.epsilon);
        }
        break;
      }
    }
  }
}

}  // namespace tapegrad
