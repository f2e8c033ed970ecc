// The benchmark workloads W1-W4 of docs/performance.md. Each workload owns its data (drawn from
// one seeded generator) and three independent ways of taking a training step from the same
// starting parameters:
//   hand_step()    a hand-written closed-form gradient (the baseline the ratios divide by)
//   record_step()  the graph recorded anew on a cleared tape, then backward (W1, W2)
//   replay_step()  the graph recorded once; each step replays forward and backward
// W1 and W2 also have ADOL-C peers (adolc_record_step(), adolc_replay_step(), defined in
// bench/adolc.cpp, built when CMake finds ADOL-C: TAPEGRAD_BENCH_ADOLC).
// Every step computes the gradient of the loss at the current parameters, then applies the SGD
// update p -= lr * g, and returns the gradient it applied (flattened), so the variants can be
// compared step by step. The benchmark binary, its callgrind mode and the zero-allocation test all
// run this same code.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include <tapegrad/tapegrad.hpp>

#include "sketch.hpp"

namespace tapegrad::bench {

/// The one seeded generator behind every workload's data (splitmix64; the same numbers on every
/// platform).
class Rng {
 public:
  explicit Rng(std::uint64_t seed) noexcept : state_(seed) {}
  /// The next 64 random bits.
  std::uint64_t next() noexcept;
  /// Uniform in [lo, hi).
  double uniform(double lo, double hi) noexcept;

 private:
  std::uint64_t state_;
};

/// The median of `samples` (the upper one of an even count).
double median(std::vector<double> samples);

/// The step size of every workload's SGD update.
inline constexpr double kLearningRate = 0.1;

/// The seed every workload starts from.
inline constexpr std::uint64_t kSeed = 20261121;

/// W1: the lecture's step on one example with two features, z = w1 x1 + w2 x2 + b,
/// L = log_loss_with_logits(z, y). The examples cycle through a fixed set of 64.
class W1 {
 public:
  W1();
  std::span<const double> hand_step();
  std::span<const double> record_step();
  std::span<const double> replay_step();
  /// ADOL-C: traced anew each step (Taylors kept) and reversed; the trace replayed by
  /// gradient() with the example as tape parameters.
  std::span<const double> adolc_record_step();
  std::span<const double> adolc_replay_step();

 private:
  struct Example {
    double x1, x2, y;
  };
  struct Recorded {
    Var x1, x2, y, w1, w2, b, loss;
  };
  Recorded record(Tape& tape, const Example& e, const double* p);

  std::vector<Example> examples_;
  double init_[3];
  // hand-written
  double hand_p_[3];
  double hand_g_[3];
  std::size_t hand_i_ = 0;
  // recorded anew
  Tape record_tape_;
  double record_p_[3];
  double record_g_[3];
  std::size_t record_i_ = 0;
  // replayed
  Tape replay_tape_;
  Recorded replay_;
  double replay_g_[3];
  std::size_t replay_i_ = 0;
  // ADOL-C peers
  double adolc_record_p_[3], adolc_replay_p_[3], adolc_g_[3];
  std::size_t adolc_record_i_ = 0, adolc_replay_i_ = 0;
  bool adolc_traced_ = false;
};

/// W2: logistic regression over m examples of n features as a scalar graph: every multiply,
/// add, sigmoid and log is its own node (29 per example, m * 29 in all), J = mean log-loss.
class W2 {
 public:
  explicit W2(std::size_t m = 10'000, std::size_t n = 10);
  std::span<const double> hand_step();
  std::span<const double> record_step();
  std::span<const double> replay_step();
  /// ADOL-C: traced anew each step (Taylors kept) and reversed; the trace replayed by gradient().
  std::span<const double> adolc_record_step();
  std::span<const double> adolc_replay_step();
  /// The floor of a record-only design (bench/sketch.hpp, not tapegrad), each step recorded anew
  /// and reversed: one statement per operation of the tape's graph (29 per example); one per
  /// source statement as Adept's expression templates fuse them (z = z + w_j x_j, a =
  /// sigmoid(z), L = -(y log a + (1 - y) log(1 - a)), J = J + L: 14 per example); and with z =
  /// sum_j w_j x_j + b as one n-ary statement (4 per example).
  std::span<const double> sketch_ops_step();
  std::span<const double> sketch_statements_step();
  std::span<const double> sketch_nary_step();
  /// Bytes of the last sketch recording per tapegrad operation.
  [[nodiscard]] double sketch_bytes_per_op() const noexcept { return sketch_bytes_per_op_; }
  /// Bytes of ADOL-C's trace (operations, locations, constants, and the Taylor values kept for
  /// the reverse sweep) per tapegrad operation.
  [[nodiscard]] double adolc_bytes_per_op() const noexcept { return adolc_bytes_per_op_; }
  /// Median times of the replay step's two passes, forward() and zero_grad() + backward(), in
  /// seconds, over `rounds` rounds (bench.cpp's --passes).
  struct PassTimes {
    double forward;
    double backward;
  };
  PassTimes pass_times(int rounds);
  /// Operations recorded per gradient (leaves excluded).
  [[nodiscard]] std::size_t ops() const noexcept { return ops_; }
  /// Bytes of the replay tape (nodes, values, gradients, constants) per recorded operation.
  [[nodiscard]] double bytes_per_op() const noexcept;

 private:
  Var record(Tape& tape, const double* p, std::vector<Var>& params);

  std::size_t m_, n_;
  std::vector<double> x_, y_, init_;
  std::size_t ops_ = 0;
  std::vector<double> hand_p_, hand_g_;
  Tape record_tape_;
  std::vector<Var> record_params_;
  std::vector<double> record_p_, record_g_;
  Tape replay_tape_;
  std::vector<Var> replay_params_;
  Var replay_loss_;
  std::vector<double> replay_g_;
  std::vector<double> adolc_record_p_, adolc_replay_p_, adolc_g_;
  bool adolc_traced_ = false;
  double adolc_bytes_per_op_ = 0;
  enum class Fusion { kOps, kStatements, kNary };
  std::span<const double> sketch_step(Fusion fusion, std::vector<double>& p);
  sketch::Stream stream_;
  std::vector<double> sketch_ops_p_, sketch_statements_p_, sketch_nary_p_, sketch_g_;
  double sketch_bytes_per_op_ = 0;
};

/// W3: vectorized logistic regression, X m x n float64, z = X w + b, J = mean log-loss. X lives
/// once, in the tape's input leaf; the hand-written gradient reads that same memory, once, in
/// cache-sized blocks of rows. Each variant keeps its own parameters (loaded into the one tape
/// at the start of its step), so that every variant steps from the same start.
class W3 {
 public:
  explicit W3(std::size_t m = 200'000, std::size_t n = 100);
  std::span<const double> hand_step() { return hand(hand_p_, 1); }
  /// The hand-written gradient with the rows split between two threads.
  std::span<const double> hand_step_2t() { return hand(hand2_p_, 2); }
  /// forward(), zero_grad(), backward().
  std::span<const double> replay_step() { return tape_step(replay_p_, nullptr); }
  /// zero_grad(), forward_backward() over blocks of rows, on one thread and on two.
  std::span<const double> blocked_step();
  std::span<const double> blocked_step_2t();
  /// The tape's bytes (X included) over the bytes of X.
  [[nodiscard]] double tape_memory_ratio() const noexcept;

 private:
  std::span<const double> hand(std::vector<double>& p, std::size_t threads);
  std::span<const double> tape_step(std::vector<double>& p, const BlockOptions* blocks);

  std::size_t m_, n_;
  Tape tape_;
  Var x_, y_, w_, b_, loss_;
  std::vector<double> init_;
  std::vector<double> hand_p_, hand2_p_, replay_p_, blocked_p_, blocked2_p_;
  std::vector<double> hand_g_, hand_z_, tape_g_;
};

/// W4: a {n, hidden, 1} MLP with tanh, m examples: H = tanh(X W1 + b1), z = H W2 + b2,
/// J = mean log-loss. One training step; the baseline is hand-written Eigen backprop reading the
/// same X.
class W4 {
 public:
  explicit W4(std::size_t m = 50'000, std::size_t n = 100, std::size_t hidden = 64);
  ~W4();
  W4(const W4&) = delete;
  W4& operator=(const W4&) = delete;
  std::span<const double> hand_step();
  /// forward(), zero_grad(), backward().
  std::span<const double> replay_step();
  /// zero_grad(), forward_backward() over blocks of rows.
  std::span<const double> blocked_step();

 private:
  struct Hand;  // Eigen buffers of the hand-written backprop
  std::span<const double> tape_step(std::vector<double>& p, const BlockOptions* blocks);

  std::size_t m_, n_, h_;
  Tape tape_;
  Var x_, y_, w1_, b1_, w2_, b2_, loss_;
  std::vector<double> init_;  // W1 | b1 | W2 | b2, row-major
  std::vector<double> replay_p_, blocked_p_;
  std::unique_ptr<Hand> hand_;
  std::vector<double> replay_g_;
};

/// Largest |a_i - b_i| / max(|b|_inf, tiny): 0 for identical gradients.
double relative_error(std::span<const double> a, std::span<const double> b);

}  // namespace tapegrad::bench
