#include "tapegrad/engine/grad_check.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "tapegrad/engine/error.hpp"

namespace tapegrad {

std::string GradCheckResult::summary() const {
  const std::string_view label = worst.leaf.valid() ? worst.leaf.label() : std::string_view{};
  const std::string name = label.empty()
                               ? fmt::format("node {}", worst.leaf.valid() ? worst.leaf.index() : 0)
                               : std::string(label);
  return fmt::format(
      "{}: {}, worst {}[{},{}]: analytic {:.17g} numeric {:.17g} "
      "(abs error {:.3g}, rel error {:.3g})",
      ok ? "ok" : "FAILED", detail::plural(checked, "element"), name, worst.row, worst.col,
      worst.analytic, worst.numeric, worst.abs_error, worst.rel_error);
}

GradCheckResult grad_check(Var root, std::span<const Var> leaves, GradCheckOptions options) {
  Tape& tape = root.tape();
  for (const Var& leaf : leaves) {
    if (!leaf.valid() || &leaf.tape() != &tape) {
      detail::fail("grad_check", "leaves", "every leaf must belong to the root's tape");
    }
    if (const NodeInfo info = tape.node(leaf.index()); !info.is_param()) {
      detail::fail("grad_check", "leaves", "node {} ({}) is not a param", leaf.index(), info.name);
    }
  }
  tape.forward();
  tape.zero_grad();
  tape.backward(root);

  GradCheckResult result;
  double worst_ratio = -1.0;
  for (const Var& leaf : leaves) {
    const std::vector<double> analytic(leaf.grad().begin(), leaf.grad().end());
    const MutableTensorView x = tape.mutable_value(leaf);
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double saved = x[i];
      const double h = options.step * std::max(1.0, std::abs(saved));
      x[i] = saved + h;
      tape.forward();
      const double up = root.item();
      x[i] = saved - h;
      tape.forward();
      const double down = root.item();
      x[i] = saved;
      const double numeric = (up - down) / (2.0 * h);

      const double a = analytic[i];
      const double abs_error = std::abs(a - numeric);
      const double scale = std::max(std::abs(a), std::abs(numeric));
      const bool finite = std::isfinite(a) && std::isfinite(numeric);
      const double noise = options.fd_noise * std::numeric_limits<double>::epsilon() *
                           std::max(std::abs(up), std::abs(down)) / h;
      const double tolerance = options.atol + options.rtol * scale + noise;
      const double ratio = finite ? abs_error / tolerance : INFINITY;
      ++result.checked;
      if (!(ratio <= 1.0)) result.ok = false;
      if (ratio > worst_ratio || std::isnan(ratio)) {
        worst_ratio = std::isnan(ratio) ? INFINITY : ratio;
        result.worst = {leaf,
                        i / x.cols(),
                        i % x.cols(),
                        a,
                        numeric,
                        abs_error,
                        scale > 0.0 ? abs_error / scale : (finite ? 0.0 : abs_error)};
      }
    }
  }
  tape.forward();
  return result;
}

GradCheckResult grad_check(Var root, GradCheckOptions options) {
  const std::vector<Var> params = root.tape().params();
  return grad_check(root, params, options);
}

}  // namespace tapegrad
