// ADOL-C peers of W1 and W2 (docs/performance.md), built when CMake finds ADOL-C (Debian
// libadolc-dev; bench/run.sh installs it). Two ways of taking the same SGD step as the tape:
//   adolc_record_step()  trace_on(tag, keep = 1), the function on adoubles, trace_off(), then one
//                        reverse sweep over the Taylors kept while tracing (recorded every step)
//   adolc_replay_step()  the trace made once; each step gradient(), a zero-order forward sweep and
//                        a reverse sweep (W1's example enters as tape parameters, set_param_vec)
// Each trace gets buffers large enough to stay in memory (no tape files). The loss is written as
// a user of ADOL-C would: log(1 + e^z) - z y for W1 (|z| stays small), the log-loss of sigmoid
// for W2, as the tape's graph.
#include <adolc/adolc.h>

#include <algorithm>
#include <array>

#include "workloads.hpp"

namespace tapegrad::bench {
namespace {

constexpr short kW1Record = 11, kW1Replay = 12, kW2Record = 13, kW2Replay = 14;
constexpr unsigned kBuffer = 1u << 24;  // elements per trace buffer: W2 fits in memory

void sgd(double* p, const double* g, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) p[i] -= kLearningRate * g[i];
}

}  // namespace

// ---------------------------------------------------------------- W1

std::span<const double> W1::adolc_record_step() {
  const Example& e = examples_[adolc_record_i_++ & 63];
  trace_on(kW1Record, 1);  // default buffers: W1 is small
  adouble w1, w2, b;
  w1 <<= adolc_record_p_[0];
  w2 <<= adolc_record_p_[1];
  b <<= adolc_record_p_[2];
  const adouble z = w1 * e.x1 + w2 * e.x2 + b;
  adouble L = log(1.0 + exp(z)) - z * e.y;
  double loss = 0;
  L >>= loss;
  trace_off();
  reverse(kW1Record, 1, 3, 0, 1.0, adolc_g_);
  sgd(adolc_record_p_, adolc_g_, 3);
  return adolc_g_;
}

std::span<const double> W1::adolc_replay_step() {
  const Example& e = examples_[adolc_replay_i_++ & 63];
  if (!adolc_traced_) {
    trace_on(kW1Replay, 0);
    adouble w1, w2, b;
    w1 <<= adolc_replay_p_[0];
    w2 <<= adolc_replay_p_[1];
    b <<= adolc_replay_p_[2];
    // parameters 0, 1, 2 in this order (operands of one expression are unsequenced)
    const locint x1 = mkparam_idx(e.x1);
    const locint x2 = mkparam_idx(e.x2);
    const locint y = mkparam_idx(e.y);
    const adouble z = w1 * getparam(x1) + w2 * getparam(x2) + b;
    adouble L = log(1.0 + exp(z)) - z * getparam(y);
    double loss = 0;
    L >>= loss;
    trace_off();
    adolc_traced_ = true;
  }
  std::array<double, 3> params = {e.x1, e.x2, e.y};
  set_param_vec(kW1Replay, params.size(), params.data());
  gradient(kW1Replay, 3, adolc_replay_p_, adolc_g_);
  sgd(adolc_replay_p_, adolc_g_, 3);
  return adolc_g_;
}

// ---------------------------------------------------------------- W2

namespace {
// J = mean over examples of -(y log a + (1 - y) log(1 - a)), a = sigmoid(w . x + b), on adoubles
// (the tape's W2 graph, node for node).
void w2_trace(short tag, int keep, const double* p, const double* x, const double* y, std::size_t m,
              std::size_t n) {
  trace_on(tag, keep, kBuffer, kBuffer, kBuffer, kBuffer);
  std::vector<adouble> w(n + 1);
  for (std::size_t j = 0; j <= n; ++j) w[j] <<= p[j];
  adouble J = 0.0;
  for (std::size_t i = 0; i < m; ++i) {
    adouble z = w[0] * x[i * n];
    for (std::size_t j = 1; j < n; ++j) z = z + w[j] * x[i * n + j];
    z = z + w[n];
    const adouble a = 1.0 / (1.0 + exp(-z));
    J = J - (log(a) * y[i] + log(1.0 - a) * (1.0 - y[i]));
  }
  J = J * (1.0 / static_cast<double>(m));
  double value = 0;
  J >>= value;
  trace_off();
}
}  // namespace

std::span<const double> W2::adolc_record_step() {
  w2_trace(kW2Record, 1, adolc_record_p_.data(), x_.data(), y_.data(), m_, n_);
  reverse(kW2Record, 1, static_cast<int>(n_ + 1), 0, 1.0, adolc_g_.data());
  sgd(adolc_record_p_.data(), adolc_g_.data(), n_ + 1);
  return adolc_g_;
}

std::span<const double> W2::adolc_replay_step() {
  if (!adolc_traced_) {
    w2_trace(kW2Replay, 0, adolc_replay_p_.data(), x_.data(), y_.data(), m_, n_);
    std::array<std::size_t, STAT_SIZE> stats{};
    tapestats(kW2Replay, stats.data());
    // operations are one byte, locations a locint each, constants and Taylors a double each
    const double bytes =
        static_cast<double>(stats[NUM_OPERATIONS]) +
        static_cast<double>(stats[NUM_LOCATIONS]) * sizeof(locint) +
        static_cast<double>(stats[NUM_VALUES] + stats[TAY_STACK_SIZE]) * sizeof(double);
    adolc_bytes_per_op_ = bytes / static_cast<double>(ops_);
    adolc_traced_ = true;
  }
  gradient(kW2Replay, static_cast<int>(n_ + 1), adolc_replay_p_.data(), adolc_g_.data());
  sgd(adolc_replay_p_.data(), adolc_g_.data(), n_ + 1);
  return adolc_g_;
}

}  // namespace tapegrad::bench
