// Parameter updates from gradients: the lecture's gradient descent, momentum and Adam; L-BFGS
// for full-batch training; learning-rate schedules.
//
// With g the gradient of the cost for parameter p, learning rate α:
//   gd:        p := p - α g
//   momentum:  v := β1 v + (1 - β1) g;             p := p - α v
//   adam:      m := β1 m + (1 - β1) g;  s := β2 s + (1 - β2) g²;   t := t + 1
//              p := p - α (m / (1 - β1^t)) / (sqrt(s / (1 - β2^t)) + ε)
// (v, m, s start at zero; β^t is kept as a running product, so the updates are the same bits on
// every platform.)
//
// L-BFGS (Nocedal & Wright, Numerical Optimization, algorithms 7.4, 3.5 and 3.6) minimises a
// function f(x) of one flat vector x from its values and gradients. Each iteration takes the
// direction d = -H g, with H g computed by the two-loop recursion from the last `history` pairs
// s = x_{k+1} - x_k, y = g_{k+1} - g_k (H_0 = (sᵀy / yᵀy) I from the newest pair; the very
// first direction is -g scaled to length 1), then a line search for a step a > 0 along d
// satisfying the strong Wolfe conditions
//   f(x + a d) <= f(x) + c1 a gᵀd,   |g(x + a d)ᵀd| <= c2 |gᵀd|      (c1 = 1e-4, c2 = 0.9)
// (bracketing by doubling from a = 1, then zooming with safeguarded cubic interpolation; after 20
// trials of the zoom it accepts the best point satisfying the first, Armijo, condition if any).
// A pair with sᵀy <= 1e-10 yᵀy is not stored; a direction that is not a descent direction
// restarts from -g. It stops when max_i |g_i| <= tolerance (scipy's pgtol), when the relative
// decrease (f_k - f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) is at most min_decrease (scipy's ftol;
// both defaults are what scikit-learn's LogisticRegression passes, tol = 1e-4 and 64 ε), or when
// the line search finds no decrease even along -g. A relative decrease of 64 ε leaves x about
// √(64 ε) ≈ 1e-7 (relative) from the optimum; min_decrease 0 runs on until the gradient test.
// Everything is plain sequential arithmetic, so results are deterministic.
//
// Learning-rate schedules give the rate of epoch t = 0, 1, 2, ... from the base rate α and γ:
//   constant:      α
//   step:          α γ^floor(t / step_size)
//   exponential:   α γ^t
//   inverse_time:  α / (1 + γ t)
// (γ^k is a running product of k factors, so the rates are the same bits everywhere.)
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "tapegrad/engine/tensor.hpp"

namespace tapegrad {

/// The update rule. `automatic` lets fit() choose: lbfgs for full-batch logistic, softmax and
/// linear regression, adam otherwise (as scikit-learn's LogisticRegression and MLPClassifier).
enum class OptimizerKind { gd, momentum, adam, lbfgs, automatic };

/// "gd" / "momentum" / "adam" / "lbfgs" / "auto".
std::string_view to_string(OptimizerKind kind) noexcept;
/// Parses "gd", "momentum", "adam", "lbfgs" or "auto"; throws Error otherwise.
OptimizerKind parse_optimizer_kind(std::string_view text);

/// Learning rate 0 in OptimizerConfig picks this rate for the rule: 0.1 for gd and momentum,
/// 0.01 for adam (L-BFGS takes no learning rate; it returns 0 for lbfgs and automatic).
double default_learning_rate(OptimizerKind kind) noexcept;

/// How the learning rate changes from epoch to epoch (see the formulas at the top).
enum class ScheduleKind { constant, step, exponential, inverse_time };

/// "constant" / "step" / "exponential" / "inverse_time".
std::string_view to_string(ScheduleKind kind) noexcept;
/// Parses "constant", "step", "exponential" or "inverse_time"; throws Error otherwise.
ScheduleKind parse_schedule_kind(std::string_view text);

/// A learning-rate schedule.
struct Schedule {
  ScheduleKind kind = ScheduleKind::constant;  ///< the formula
  /// γ: the factor of step and exponential decay, in (0, 1]; inverse_time's rate, >= 0.
  double decay = 0.5;
  std::size_t step_size = 10;  ///< step decay: epochs per factor γ, >= 1
};

/// Throws Error ("schedule: decay: ...", "schedule: step_size: ...") for invalid settings.
void check_schedule(const Schedule& schedule);

/// The learning rate of 0-based epoch `epoch` for base rate `base` (formulas at the top).
[[nodiscard]] double scheduled_learning_rate(const Schedule& schedule, double base,
                                             std::size_t epoch) noexcept;

/// Update rule and its hyper-parameters.
struct OptimizerConfig {
  OptimizerKind kind = OptimizerKind::automatic;  ///< the update rule
  /// α; 0 picks default_learning_rate(kind) (fit() resolves it; Optimizer refuses 0).
  double learning_rate = 0.0;
  double beta1 = 0.9;        ///< momentum's β, Adam's first-moment decay
  double beta2 = 0.999;      ///< Adam's second-moment decay
  double epsilon = 1e-8;     ///< Adam's ε
  std::size_t history = 10;  ///< L-BFGS: number of (s, y) pairs kept, >= 1
  /// L-BFGS: converged when every gradient component is at most this in magnitude. 0 picks the
  /// model's default (fit() resolves it): 1e-4 for classifiers (scikit-learn's tol for
  /// LogisticRegression), 1e-10 for linear regression (solved to rounding, as LinearRegression's
  /// least squares are); Lbfgs refuses 0.
  double tolerance = 0.0;
  /// L-BFGS: stop when an iteration lowers f by at most this much, relative (>= 0).
  double min_decrease = 64.0 * 2.220446049250313e-16;
  Schedule schedule = {};  ///< learning rate per epoch (gd, momentum, adam; not lbfgs)
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

  /// Changes α for the following steps (schedules); throws Error unless positive and finite.
  void set_learning_rate(double learning_rate);

 private:
  OptimizerConfig config_;
  std::vector<Shape> shapes_;
  std::vector<Tensor> first_;   // momentum's v, Adam's m
  std::vector<Tensor> second_;  // Adam's s
  double beta1_power_ = 1.0;    // β1^t
  double beta2_power_ = 1.0;    // β2^t
  std::size_t steps_ = 0;
};

/// f(x) and its gradient: writes ∇f(x) into `gradient` (same size as x) and returns f(x).
using Objective = std::function<double(std::span<const double> x, std::span<double> gradient)>;

/// Why an L-BFGS iteration ended.
enum class LbfgsStatus {
  progressed,          ///< took a step; not converged yet
  converged,           ///< max |g| <= tolerance (no step taken)
  stalled,             ///< took a step whose relative decrease of f is <= min_decrease
  line_search_failed,  ///< no step decreased f; x left unchanged
};

/// "progressed" / "converged" / "stalled" / "line search failed".
std::string_view to_string(LbfgsStatus status) noexcept;

/// What one L-BFGS iteration did.
struct LbfgsStep {
  LbfgsStatus status = LbfgsStatus::progressed;  ///< see LbfgsStatus
  std::size_t evaluations = 0;                   ///< calls of the objective in this iteration
  /// 0-based index among this iteration's evaluations of the one at the accepted point
  /// (meaningful when a step was taken).
  std::size_t accepted = 0;
};

/// Limited-memory BFGS with a strong-Wolfe line search (see the top of this file).
class Lbfgs {
 public:
  /// For vectors of `size` numbers, keeping `history` >= 1 pairs; tolerance > 0 on max |g|,
  /// min_decrease >= 0 on the relative decrease of f. Throws Error for invalid settings.
  Lbfgs(std::size_t size, std::size_t history, double tolerance,
        double min_decrease = 64.0 * 2.220446049250313e-16);

  /// One iteration from x, where f and g are f(x) and ∇f(x): on a step, updates x, f and g in
  /// place to the accepted point. Never changes x when the status is converged or
  /// line_search_failed.
  LbfgsStep iterate(std::span<double> x, double& f, std::span<double> g,
                    const Objective& objective);

  /// Iterates from x until a status other than progressed or `max_iterations` iterations;
  /// returns the number of iterations taken and the last status. f and g need not be given.
  std::pair<std::size_t, LbfgsStatus> minimize(std::span<double> x, const Objective& objective,
                                               std::size_t max_iterations);

  /// Forgets the stored pairs (the next direction is steepest descent).
  void reset() noexcept;

 private:
  double line_search(std::span<const double> x, double f, std::span<const double> g,
                     const Objective& objective, LbfgsStep& step);

  std::size_t size_;
  std::size_t history_;
  double tolerance_;
  double min_decrease_;
  std::vector<std::vector<double>> s_, y_;  // ring buffers of pairs
  std::vector<double> rho_;                 // 1 / (sᵀy)
  std::size_t count_ = 0, next_ = 0;        // pairs held, slot for the next
  std::vector<double> d_, alpha_, trial_x_, trial_g_, best_x_, best_g_;
  double best_f_ = 0.0;
};

}  // namespace tapegrad
