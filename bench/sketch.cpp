// W2 on the record-only statement stream of bench/sketch.hpp (not tapegrad): the floor of that
// design, at three degrees of statement fusion, verified against the hand-written gradient like
// every variant.
#include <cmath>

#include "workloads.hpp"

namespace tapegrad::bench {

std::span<const double> W2::sketch_ops_step() { return sketch_step(Fusion::kOps, sketch_ops_p_); }
std::span<const double> W2::sketch_statements_step() {
  return sketch_step(Fusion::kStatements, sketch_statements_p_);
}
std::span<const double> W2::sketch_nary_step() {
  return sketch_step(Fusion::kNary, sketch_nary_p_);
}

std::span<const double> W2::sketch_step(Fusion fusion, std::vector<double>& p) {
  using sketch::Active;
  sketch::Stream& s = stream_;
  const auto leaves = static_cast<std::uint32_t>(n_ + 1);
  s.clear(leaves);
  const auto param = [&](std::size_t j) { return Active{p[j], static_cast<std::uint32_t>(j)}; };
  const Active b = param(n_);
  Active J{};
  for (std::size_t i = 0; i < m_; ++i) {
    const double* x = &x_[i * n_];
    const double y = y_[i];
    Active z{};
    if (fusion == Fusion::kNary) {  // z = sum_j w_j x_j + b: dz/dw_j = x_j, dz/db = 1
      double v = 0.0;
      s.reserve(n_ + 1);
      for (std::size_t j = 0; j < n_; ++j) {
        v += p[j] * x[j];
        s.term(param(j), x[j]);
      }
      s.term(b, 1.0);
      z = s.close(v + b.value);
    } else if (fusion == Fusion::kStatements) {  // z = z + w_j x_j, one statement each
      z = s.record(p[0] * x[0], param(0), x[0]);
      for (std::size_t j = 1; j < n_; ++j) {
        z = s.record(z.value + p[j] * x[j], z, 1.0, param(j), x[j]);
      }
      z = s.record(z.value + b.value, z, 1.0, b, 1.0);
    } else {  // every multiply and add its own statement, as the tape records them
      z = s.record(p[0] * x[0], param(0), x[0]);
      for (std::size_t j = 1; j < n_; ++j) {
        const Active t = s.record(p[j] * x[j], param(j), x[j]);
        z = s.record(z.value + t.value, z, 1.0, t, 1.0);
      }
      z = s.record(z.value + b.value, z, 1.0, b, 1.0);
    }
    const double av = 1.0 / (1.0 + std::exp(-z.value));
    const Active a = s.record(av, z, av * (1.0 - av));  // da/dz = a (1 - a)
    Active L{};
    if (fusion == Fusion::kOps) {  // log(a) * y, 1 - a, log(1 - a) * (1 - y), +, neg
      const Active la = s.record(std::log(a.value), a, 1.0 / a.value);
      const Active t1 = s.record(la.value * y, la, y);
      const Active om = s.record(1.0 - a.value, a, -1.0);
      const Active lo = s.record(std::log(om.value), om, 1.0 / om.value);
      const Active t2 = s.record(lo.value * (1.0 - y), lo, 1.0 - y);
      const Active sum = s.record(t1.value + t2.value, t1, 1.0, t2, 1.0);
      L = s.record(-sum.value, sum, -1.0);
    } else {  // one statement: dL/da = -y / a (first term) + (1 - y) / (1 - a) (second)
      const double v = -(std::log(a.value) * y + std::log(1.0 - a.value) * (1.0 - y));
      L = s.record(v, a, -y / a.value, a, (1.0 - y) / (1.0 - a.value));
    }
    J = i == 0 ? L : s.record(J.value + L.value, J, 1.0, L, 1.0);
  }
  const double scale = 1.0 / static_cast<double>(m_);
  J = s.record(J.value * scale, J, scale);
  s.reverse(J);
  for (std::uint32_t j = 0; j < leaves; ++j) {
    sketch_g_[j] = s.grad(j);
    p[j] -= kLearningRate * sketch_g_[j];
  }
  sketch_bytes_per_op_ = static_cast<double>(s.bytes()) / static_cast<double>(ops_);
  return sketch_g_;
}

}  // namespace tapegrad::bench
