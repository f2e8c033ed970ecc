// W1: the lecture's step on one example with two features: gradient of the log-loss and the
// update w := w - alpha * dw. Compared in the same run against the hand-written closed form.
//   hand_written     dz = a - y, dw = x dz, db = dz, written out by hand
//   tape_record      the graph recorded anew every step on a cleared tape
//   tape_replay      the graph recorded once; each step sets the inputs and replays
// Before timing, each variant's gradient is checked against the closed form.
#include <array>
#include <cmath>
#include <cstdlib>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <tapegrad/tapegrad.hpp>

namespace tg = tapegrad;

namespace {

constexpr double kAlpha = 0.01;

// A fixed cycle of examples so the branch predictor cannot learn one constant input.
struct Example {
  double x1, x2, y;
};
constexpr std::array<Example, 4> kExamples = {
    {{1.0, 2.0, 1.0}, {-0.5, 0.25, 0.0}, {0.3, -1.2, 1.0}, {2.0, 0.1, 0.0}}};

struct Params {
  double w1 = 0.5, w2 = -0.25, b = 0.1;
};

// The closed-form step; returns the gradient (dw1, dw2, db).
std::array<double, 3> hand_step(Params& p, const Example& e) {
  const double z = p.w1 * e.x1 + p.w2 * e.x2 + p.b;
  const double a = 1.0 / (1.0 + std::exp(-z));
  const double dz = a - e.y;
  const std::array<double, 3> g = {e.x1 * dz, e.x2 * dz, dz};
  p.w1 -= kAlpha * g[0];
  p.w2 -= kAlpha * g[1];
  p.b -= kAlpha * g[2];
  return g;
}

struct Recorded {
  tg::Var x1, x2, y, w1, w2, b, L;
};

Recorded record(tg::Tape& tape, const Params& p, const Example& e) {
  Recorded r;
  r.x1 = tape.input(e.x1);
  r.x2 = tape.input(e.x2);
  r.y = tape.input(e.y);
  r.w1 = tape.param(p.w1);
  r.w2 = tape.param(p.w2);
  r.b = tape.param(p.b);
  r.L = tg::log_loss_with_logits(r.w1 * r.x1 + r.w2 * r.x2 + r.b, r.y);
  return r;
}

std::array<double, 3> record_step(tg::Tape& tape, Params& p, const Example& e) {
  tape.clear();
  const Recorded r = record(tape, p, e);
  tape.backward(r.L);
  const std::array<double, 3> g = {r.w1.grad()[0], r.w2.grad()[0], r.b.grad()[0]};
  p.w1 -= kAlpha * g[0];
  p.w2 -= kAlpha * g[1];
  p.b -= kAlpha * g[2];
  return g;
}

std::array<double, 3> replay_step(tg::Tape& tape, const Recorded& r, const Example& e) {
  tape.mutable_value(r.x1)[0] = e.x1;
  tape.mutable_value(r.x2)[0] = e.x2;
  tape.mutable_value(r.y)[0] = e.y;
  tape.forward();
  tape.zero_grad();
  tape.backward(r.L);
  const std::array<double, 3> g = {r.w1.grad()[0], r.w2.grad()[0], r.b.grad()[0]};
  for (const tg::Var& w : {r.w1, r.w2, r.b}) {
    tape.mutable_value(w)[0] -= kAlpha * w.grad()[0];
  }
  return g;
}

// Runs each variant for a few steps from the same start and aborts unless the gradients agree
// with the closed form to 1e-12 relative.
void verify() {
  Params hand, rec, rep;
  tg::Tape record_tape, replay_tape;
  const Recorded r = record(replay_tape, rep, kExamples[0]);
  for (int step = 0; step < 16; ++step) {
    const Example& e = kExamples[step % kExamples.size()];
    const auto gh = hand_step(hand, e);
    const auto gr = record_step(record_tape, rec, e);
    const auto gp = replay_step(replay_tape, r, e);
    for (int i = 0; i < 3; ++i) {
      const double tol = 1e-12 * std::max(1e-300, std::abs(gh[i]));
      if (std::abs(gr[i] - gh[i]) > tol || std::abs(gp[i] - gh[i]) > tol) {
        fmt::print(stderr, "W1 gradient mismatch at step {}: hand {} record {} replay {}\n", step,
                   gh[i], gr[i], gp[i]);
        std::exit(1);
      }
    }
  }
}

void W1_hand_written(benchmark::State& state) {
  Params p;
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(hand_step(p, kExamples[i++ & 3]));
  }
}

void W1_tape_record(benchmark::State& state) {
  Params p;
  tg::Tape tape;
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(record_step(tape, p, kExamples[i++ & 3]));
  }
}

void W1_tape_replay(benchmark::State& state) {
  Params p;
  tg::Tape tape;
  const Recorded r = record(tape, p, kExamples[0]);
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(replay_step(tape, r, kExamples[i++ & 3]));
  }
}

BENCHMARK(W1_hand_written);
BENCHMARK(W1_tape_record);
BENCHMARK(W1_tape_replay);

}  // namespace

int main(int argc, char** argv) {
  verify();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
