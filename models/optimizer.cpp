#include "tapegrad/models/optimizer.hpp"

#include <algorithm>
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
    case OptimizerKind::lbfgs:
      return "lbfgs";
    case OptimizerKind::automatic:
      return "auto";
  }
  return "?";
}

OptimizerKind parse_optimizer_kind(std::string_view text) {
  if (text == "gd") return OptimizerKind::gd;
  if (text == "momentum") return OptimizerKind::momentum;
  if (text == "adam") return OptimizerKind::adam;
  if (text == "lbfgs") return OptimizerKind::lbfgs;
  if (text == "auto") return OptimizerKind::automatic;
  detail::fail("optimizer", "kind",
               "expected 'gd', 'momentum', 'adam', 'lbfgs' or 'auto', found '{}'", text);
}

double default_learning_rate(OptimizerKind kind) noexcept {
  switch (kind) {
    case OptimizerKind::gd:
    case OptimizerKind::momentum:
      return 0.1;
    case OptimizerKind::adam:
      return 0.01;
    case OptimizerKind::lbfgs:
    case OptimizerKind::automatic:
      return 0.0;
  }
  return 0.0;
}

std::string_view to_string(ScheduleKind kind) noexcept {
  switch (kind) {
    case ScheduleKind::constant:
      return "constant";
    case ScheduleKind::step:
      return "step";
    case ScheduleKind::exponential:
      return "exponential";
    case ScheduleKind::inverse_time:
      return "inverse_time";
  }
  return "?";
}

ScheduleKind parse_schedule_kind(std::string_view text) {
  if (text == "constant") return ScheduleKind::constant;
  if (text == "step") return ScheduleKind::step;
  if (text == "exponential") return ScheduleKind::exponential;
  if (text == "inverse_time") return ScheduleKind::inverse_time;
  detail::fail("schedule", "kind",
               "expected 'constant', 'step', 'exponential' or 'inverse_time', found '{}'", text);
}

void check_schedule(const Schedule& schedule) {
  if (schedule.kind == ScheduleKind::step || schedule.kind == ScheduleKind::exponential) {
    if (!(schedule.decay > 0.0 && schedule.decay <= 1.0)) {
      detail::fail("schedule", "decay", "expected a factor in (0, 1] for {} decay, found {}",
                   to_string(schedule.kind), schedule.decay);
    }
  }
  if (schedule.kind == ScheduleKind::inverse_time &&
      !(schedule.decay >= 0.0 && std::isfinite(schedule.decay))) {
    detail::fail("schedule", "decay",
                 "expected a finite rate >= 0 for inverse_time decay, found {}", schedule.decay);
  }
  if (schedule.kind == ScheduleKind::step && schedule.step_size == 0) {
    detail::fail("schedule", "step_size", "expected at least 1 epoch, found 0");
  }
}

double scheduled_learning_rate(const Schedule& schedule, double base, std::size_t epoch) noexcept {
  auto power = [&](std::size_t k) {  // γ^k as a running product
    double p = 1.0;
    for (std::size_t i = 0; i < k; ++i) p *= schedule.decay;
    return p;
  };
  switch (schedule.kind) {
    case ScheduleKind::constant:
      return base;
    case ScheduleKind::step:
      return base * power(epoch / std::max<std::size_t>(schedule.step_size, 1));
    case ScheduleKind::exponential:
      return base * power(epoch);
    case ScheduleKind::inverse_time:
      return base / (1.0 + schedule.decay * static_cast<double>(epoch));
  }
  return base;
}

Optimizer::Optimizer(const OptimizerConfig& config, std::span<const Shape> shapes)
    : config_(config), shapes_(shapes.begin(), shapes.end()) {
  if (config.kind == OptimizerKind::lbfgs || config.kind == OptimizerKind::automatic) {
    detail::fail("optimizer", "kind",
                 "expected 'gd', 'momentum' or 'adam' for step updates, found '{}'",
                 to_string(config.kind));
  }
  set_learning_rate(config.learning_rate);
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

void Optimizer::set_learning_rate(double learning_rate) {
  if (!(std::isfinite(learning_rate) && learning_rate > 0.0)) {
    detail::fail("optimizer", "learning_rate", "expected a positive number, found {}",
                 learning_rate);
  }
  config_.learning_rate = learning_rate;
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
      case OptimizerKind::lbfgs:
      case OptimizerKind::automatic:
        break;  // refused by the constructor
    }
  }
}

// ---- L-BFGS -------------------------------------------------------------------------------

namespace {

double dot(std::span<const double> a, std::span<const double> b) noexcept {
  double sum = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) sum += a[i] * b[i];
  return sum;
}

double max_abs(std::span<const double> a) noexcept {
  double top = 0.0;
  for (double v : a) top = std::max(top, std::abs(v));
  return top;
}

constexpr double kC1 = 1e-4;  // sufficient decrease (Armijo)
constexpr double kC2 = 0.9;   // curvature
constexpr int kMaxTrials = 20;

/// The minimiser of the cubic through (a, fa, da) and (b, fb, db), kept at least a tenth of the
/// interval away from its ends; the midpoint when the cubic gives nothing usable.
double interpolate(double a, double fa, double da, double b, double fb, double db) noexcept {
  const double lo = std::min(a, b), hi = std::max(a, b), width = hi - lo;
  const double mid = 0.5 * (a + b);
  if (!std::isfinite(fa) || !std::isfinite(fb)) return mid;
  const double d1 = da + db - 3.0 * (fa - fb) / (a - b);
  const double radicand = d1 * d1 - da * db;
  if (!(radicand >= 0.0)) return mid;
  const double d2 = std::copysign(std::sqrt(radicand), b - a);
  const double t = b - (b - a) * (db + d2 - d1) / (db - da + 2.0 * d2);
  if (!std::isfinite(t) || t < lo + 0.1 * width || t > hi - 0.1 * width) return mid;
  return t;
}

}  // namespace

std::string_view to_string(LbfgsStatus status) noexcept {
  switch (status) {
    case LbfgsStatus::progressed:
      return "progressed";
    case LbfgsStatus::converged:
      return "converged";
    case LbfgsStatus::stalled:
      return "stalled";
    case LbfgsStatus::line_search_failed:
      return "line search failed";
  }
  return "?";
}

Lbfgs::Lbfgs(std::size_t size, std::size_t history, double tolerance, double min_decrease)
    : size_(size), history_(history), tolerance_(tolerance), min_decrease_(min_decrease) {
  if (history == 0) detail::fail("lbfgs", "history", "expected at least 1 pair, found 0");
  if (!(tolerance > 0.0 && std::isfinite(tolerance))) {
    detail::fail("lbfgs", "tolerance", "expected a positive number, found {}", tolerance);
  }
  if (!(min_decrease >= 0.0 && std::isfinite(min_decrease))) {
    detail::fail("lbfgs", "min_decrease", "expected a finite number >= 0, found {}", min_decrease);
  }
  s_.assign(history, std::vector<double>(size));
  y_.assign(history, std::vector<double>(size));
  rho_.assign(history, 0.0);
  alpha_.assign(history, 0.0);
  d_.resize(size);
  trial_x_.resize(size);
  trial_g_.resize(size);
  best_x_.resize(size);
  best_g_.resize(size);
}

void Lbfgs::reset() noexcept { count_ = next_ = 0; }

double Lbfgs::line_search(std::span<const double> x, double f0, std::span<const double> g,
                          const Objective& objective, LbfgsStep& step) {
  // Returns the accepted step length (best_x_, best_g_, best_f_ hold the point), or 0.
  const double dphi0 = dot(g, d_);
  double accepted = 0.0;
  best_f_ = f0;
  auto keep = [&](double a, double fa) {
    best_x_ = trial_x_;
    best_g_ = trial_g_;
    best_f_ = fa;
    step.accepted = step.evaluations - 1;
    accepted = a;
  };
  auto evaluate = [&](double a, double& fa, double& da) {
    for (std::size_t i = 0; i < size_; ++i) trial_x_[i] = x[i] + a * d_[i];
    fa = objective(trial_x_, trial_g_);
    ++step.evaluations;
    da = dot(trial_g_, d_);
    // Remember the lowest point with sufficient decrease, the fallback if Wolfe is not met.
    if (std::isfinite(fa) && fa <= f0 + kC1 * a * dphi0 && fa < best_f_) keep(a, fa);
  };
  auto armijo_fails = [&](double a, double fa) {
    return !std::isfinite(fa) || fa > f0 + kC1 * a * dphi0;
  };

  // Bracketing (Nocedal & Wright algorithm 3.5).
  double a_prev = 0.0, f_prev = f0, d_prev = dphi0;
  double a = 1.0;
  double lo = 0.0, f_lo = 0.0, d_lo = 0.0, hi = 0.0, f_hi = 0.0, d_hi = 0.0;
  bool bracketed = false;
  for (int i = 0; i < kMaxTrials; ++i) {
    double fa = 0.0, da = 0.0;
    evaluate(a, fa, da);
    if (armijo_fails(a, fa) || (i > 0 && fa >= f_prev)) {
      lo = a_prev, f_lo = f_prev, d_lo = d_prev, hi = a, f_hi = fa, d_hi = da;
      bracketed = true;
      break;
    }
    if (std::abs(da) <= -kC2 * dphi0) {
      keep(a, fa);  // strong Wolfe
      return accepted;
    }
    if (da >= 0.0) {
      lo = a, f_lo = fa, d_lo = da, hi = a_prev, f_hi = f_prev, d_hi = d_prev;
      bracketed = true;
      break;
    }
    a_prev = a, f_prev = fa, d_prev = da;
    a *= 2.0;
  }
  if (!bracketed) return accepted;

  // Zoom (algorithm 3.6): lo always satisfies sufficient decrease and has the lowest f so far.
  for (int j = 0; j < kMaxTrials; ++j) {
    const double aj = interpolate(lo, f_lo, d_lo, hi, f_hi, d_hi);
    if (!(aj > 0.0) || aj == lo || aj == hi) break;
    double fj = 0.0, dj = 0.0;
    evaluate(aj, fj, dj);
    if (armijo_fails(aj, fj) || fj >= f_lo) {
      hi = aj, f_hi = fj, d_hi = dj;
    } else {
      if (std::abs(dj) <= -kC2 * dphi0) {
        keep(aj, fj);
        return accepted;
      }
      if (dj * (hi - lo) >= 0.0) hi = lo, f_hi = f_lo, d_hi = d_lo;
      lo = aj, f_lo = fj, d_lo = dj;
    }
  }
  return accepted;
}

LbfgsStep Lbfgs::iterate(std::span<double> x, double& f, std::span<double> g,
                         const Objective& objective) {
  if (x.size() != size_ || g.size() != size_) {
    detail::fail("lbfgs", "x", "expected {} numbers, found {} and gradient {}", size_, x.size(),
                 g.size());
  }
  LbfgsStep step;
  if (max_abs(g) <= tolerance_) {
    step.status = LbfgsStatus::converged;
    return step;
  }
  bool found = false;
  for (int attempt = 0; attempt < 2; ++attempt) {
    // Two-loop recursion: d = -H g.
    for (std::size_t i = 0; i < size_; ++i) d_[i] = -g[i];
    double gamma = 1.0;
    if (count_ == 0) {
      gamma = 1.0 / std::sqrt(dot(g, g));  // first step: length 1 along -g
    } else {
      for (std::size_t k = 0; k < count_; ++k) {  // newest to oldest
        const std::size_t p = (next_ + history_ - 1 - k) % history_;
        alpha_[p] = rho_[p] * dot(s_[p], d_);
        for (std::size_t i = 0; i < size_; ++i) d_[i] -= alpha_[p] * y_[p][i];
      }
      const std::size_t newest = (next_ + history_ - 1) % history_;
      gamma = 1.0 / (rho_[newest] * dot(y_[newest], y_[newest]));  // sᵀy / yᵀy
    }
    for (std::size_t i = 0; i < size_; ++i) d_[i] *= gamma;
    for (std::size_t k = count_; k-- > 0;) {  // oldest to newest
      const std::size_t p = (next_ + history_ - 1 - k) % history_;
      const double beta = rho_[p] * dot(y_[p], d_);
      for (std::size_t i = 0; i < size_; ++i) d_[i] += s_[p][i] * (alpha_[p] - beta);
    }
    if (!(dot(g, d_) < 0.0) && count_ > 0) {  // not a descent direction: restart from -g
      reset();
      continue;
    }
    if (line_search(x, f, g, objective, step) > 0.0) {
      found = true;
      break;
    }
    if (count_ == 0) break;
    reset();  // retry once along the steepest descent
  }
  if (!found) {
    step.status = LbfgsStatus::line_search_failed;
    return step;
  }

  // Store the pair s = x_new - x, y = g_new - g when its curvature is positive.
  std::vector<double>& s = s_[next_];
  std::vector<double>& y = y_[next_];
  for (std::size_t i = 0; i < size_; ++i) {
    s[i] = best_x_[i] - x[i];
    y[i] = best_g_[i] - g[i];
  }
  const double sy = dot(s, y), yy = dot(y, y);
  if (sy > 1e-10 * yy && sy > 0.0) {
    rho_[next_] = 1.0 / sy;
    next_ = (next_ + 1) % history_;
    count_ = std::min(count_ + 1, history_);
  }
  const double f_old = f;
  std::copy(best_x_.begin(), best_x_.end(), x.begin());
  std::copy(best_g_.begin(), best_g_.end(), g.begin());
  f = best_f_;
  const double scale = std::max({std::abs(f_old), std::abs(f), 1.0});
  step.status =
      (f_old - f) <= min_decrease_ * scale ? LbfgsStatus::stalled : LbfgsStatus::progressed;
  return step;
}

std::pair<std::size_t, LbfgsStatus> Lbfgs::minimize(std::span<double> x, const Objective& objective,
                                                    std::size_t max_iterations) {
  std::vector<double> g(size_);
  double f = objective(x, g);
  LbfgsStatus status = LbfgsStatus::progressed;
  std::size_t iterations = 0;
  while (iterations < max_iterations) {
    status = iterate(x, f, g, objective).status;
    if (status == LbfgsStatus::converged || status == LbfgsStatus::line_search_failed) break;
    ++iterations;
    if (status == LbfgsStatus::stalled) break;
  }
  return {iterations, status};
}

}  // namespace tapegrad
