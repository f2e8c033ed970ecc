// mse: J = mean over all elements of (a - y)^2, the squared error the lecture contrasts with
// cross-entropy. a and y must have the same shape.
#pragma once

#include "tapegrad/ops/detail/kernels.hpp"
#include "tapegrad/ops/detail/record.hpp"

namespace tapegrad {
namespace detail {
struct MseRule {
  static constexpr std::string_view name = "mse";
  static constexpr std::string_view symbol = "mse";
  static constexpr std::size_t arity = 2;
  // y = (1/N) sum_i (a_i - t_i)^2
  static void forward(const Ctx& t, const Node& n);
  // dy/da_i = 2 (a_i - t_i) / N,  dy/dt_i = -2 (a_i - t_i) / N
  static void backward(const Ctx& t, const Node& n);
};
}  // namespace detail

/// Mean squared error between a prediction a and a target y of the same shape: a 1x1 value.
Var mse(const Var& a, const Var& y);

}  // namespace tapegrad
