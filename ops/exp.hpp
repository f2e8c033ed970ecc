// exp: e ^ x, element-wise.
#pragma once

#include <cmath>

#include "tapegrad/ops/detail/kernels.hpp"
#include "tapegrad/ops/detail/record.hpp"

namespace tapegrad {
namespace detail {
struct ExpRule {
  static constexpr std::string_view name = "exp";
  static constexpr std::string_view symbol = "exp";
  static double forward(double x, const double*) noexcept { return std::exp(x); }
  // dy/dx = e^x = y, the saved output
  static double partial(double, double y, const double*) noexcept { return y; }
};
}  // namespace detail

/// e ^ x, element-wise.
inline Var exp(const Var& x) { return detail::Recorder::map<detail::ExpRule>("exp", x); }

}  // namespace tapegrad
