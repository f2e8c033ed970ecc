// log: natural logarithm, element-wise (log 0 = -inf, log of a negative = NaN, as IEEE).
#pragma once

#include <cmath>

#include "tapegrad/ops/detail/kernels.hpp"
#include "tapegrad/ops/detail/record.hpp"

namespace tapegrad {
namespace detail {
struct LogRule {
  static constexpr std::string_view name = "log";
  static constexpr std::string_view symbol = "log";
  static double forward(double x, const double*) noexcept { return std::log(x); }
  // dy/dx = 1 / x
  static double partial(double x, double, const double*) noexcept { return 1.0 / x; }
};
}  // namespace detail

/// natural logarithm, element-wise (log 0 = -inf, log of a negative = NaN, as IEEE).
inline Var log(const Var& x) { return detail::Recorder::map<detail::LogRule>("log", x); }

}  // namespace tapegrad
