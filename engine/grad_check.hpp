// Gradient checking: compares backward()'s gradients with central finite differences.
//
// For every element x of every chosen leaf, the numeric derivative is
//   (f(x + h) - f(x - h)) / (2h),   h = step * max(1, |x|),
// with f the root's value after forward(). An element passes when
//   |analytic - numeric| <= atol + rtol * max(|analytic|, |numeric|) + noise,
//   noise = fd_noise * eps * max(|f(x + h)|, |f(x - h)|) / h,
// and fails when either value is not finite. `noise` is the rounding error of the difference
// quotient itself (eps = 2^-52): where |f| is large and a gradient element small, the numeric
// derivative cannot resolve that element, and the check does not pretend it can. The check leaves
// every leaf value as it found it, re-runs forward(), and leaves the analytic gradients of root in
// the chosen leaves.
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "tapegrad/engine/tape.hpp"

namespace tapegrad {

/// Finite-difference settings.
struct GradCheckOptions {
  double step = 1e-6;      ///< relative step h / max(1, |x|)
  double rtol = 1e-6;      ///< relative tolerance
  double atol = 1e-9;      ///< absolute tolerance
  double fd_noise = 64.0;  ///< multiples of the difference quotient's rounding error allowed
};

/// Outcome of a check; `worst` is the element with the largest error relative to its tolerance.
struct GradCheckResult {
  bool ok = true;
  std::size_t checked = 0;  ///< number of elements compared
  struct Element {
    Var leaf;               ///< the leaf the element belongs to
    std::size_t row = 0;    ///< its row in the leaf
    std::size_t col = 0;    ///< its column in the leaf
    double analytic = 0.0;  ///< backward()'s value
    double numeric = 0.0;   ///< the central difference
    double abs_error = 0.0;
    double rel_error = 0.0;  ///< abs_error / max(|analytic|, |numeric|), 0 when both are 0
  } worst;

  /// One line: "ok: 12 elements, worst w1[0,0]: analytic ... numeric ... (rel error ...)".
  [[nodiscard]] std::string summary() const;
};

/// Checks d root / d leaf for every element of every leaf in `leaves` (each must be a Param of
/// root's tape). Throws Error for a root that backward() rejects or a leaf that is not a param.
GradCheckResult grad_check(Var root, std::span<const Var> leaves, GradCheckOptions options = {});
/// Checks every param of root's tape.
GradCheckResult grad_check(Var root, GradCheckOptions options = {});

}  // namespace tapegrad
