// tapegrad_bench: W1-W4 of docs/performance.md, each tape variant beside its hand-written
// baseline. Before any timing a workload checks, step by step from the same start, that every
// variant's gradient agrees with the hand-written one; a mismatch aborts the run.
//
//   tapegrad_bench [Google Benchmark flags]   time every variant (bench/run.sh makes the table)
//   tapegrad_bench --callgrind NAME ITERS     run ITERS steps of NAME with callgrind collection
//                                             on (run under valgrind --collect-atstart=no)
//   tapegrad_bench --memory W3|W4             peak resident memory over the size of X
//   tapegrad_bench --passes W2                W2's replay passes timed apart, beside the time
//                                             to read and to write the tape's bytes
//   tapegrad_bench --list                     the variant names
#include <sys/resource.h>
#include <valgrind/callgrind.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <Eigen/Core>

#include "workloads.hpp"

namespace tapegrad::bench {
namespace {

using Step = std::span<const double> (*)();

// Verification steps per workload; the callgrind mode lowers it to 1 (valgrind is slow).
int g_verify_steps = 0;

template <class W>
W& instance();

// Each workload is built once, on first use, and verified before anything is timed.
template <class W, class... Variants>
W& build(std::string_view name, int steps, double tolerance, Variants... variants) {
  static W* w = [&] {
    static W workload;
    W* p = &workload;
    const int count = g_verify_steps > 0 ? std::min(g_verify_steps, steps) : steps;
    for (int s = 0; s < count; ++s) {
      const auto h = p->hand_step();
      const std::vector<double> hand(h.begin(), h.end());
      const auto check = [&](auto variant, int index) {
        const double err = relative_error((p->*variant)(), hand);
        if (!(err <= tolerance)) {
          fmt::print(stderr,
                     "{}: variant {} disagrees with the hand-written gradient at step {}: "
                     "relative error {:.3g} > {:.1g}\n",
                     name, index, s, err, tolerance);
          std::exit(1);
        }
      };
      int index = 0;
      (check(variants, ++index), ...);
    }
    return p;
  }();
  return *w;
}

// The ADOL-C peers are verified like the tape's variants when they are built.
#ifdef TAPEGRAD_BENCH_ADOLC
#define TAPEGRAD_ADOLC_VARIANTS(W) , &W::adolc_record_step, &W::adolc_replay_step
#else
#define TAPEGRAD_ADOLC_VARIANTS(W)
#endif
template <>
W1& instance<W1>() {
  return build<W1>("W1", 64, 1e-12, &W1::record_step, &W1::replay_step TAPEGRAD_ADOLC_VARIANTS(W1));
}
template <>
W2& instance<W2>() {
  return build<W2>("W2", 3, 1e-10, &W2::record_step, &W2::replay_step, &W2::sketch_ops_step,
                   &W2::sketch_statements_step, &W2::sketch_nary_step TAPEGRAD_ADOLC_VARIANTS(W2));
}
template <>
W3& instance<W3>() {
  return build<W3>("W3", 3, 1e-10, &W3::hand_step_2t, &W3::replay_step, &W3::blocked_step,
                   &W3::blocked_step_2t);
}
template <>
W4& instance<W4>() {
  return build<W4>("W4", 3, 1e-10, &W4::replay_step, &W4::blocked_step);
}

template <class W, std::span<const double> (W::*variant)()>
std::span<const double> step() {
  return (instance<W>().*variant)();
}

template <class W, std::span<const double> (W::*variant)()>
void timed(benchmark::State& state) {
  W& w = instance<W>();
  for (auto _ : state) benchmark::DoNotOptimize((w.*variant)().data());
  if constexpr (std::is_same_v<W, W2>) {
    state.counters["ops"] = static_cast<double>(w.ops());
#ifdef TAPEGRAD_BENCH_ADOLC
    if constexpr (variant == &W2::adolc_record_step || variant == &W2::adolc_replay_step) {
      state.counters["bytes_per_op"] = w.adolc_bytes_per_op();
      return;
    }
#endif
    if constexpr (variant == &W2::sketch_ops_step || variant == &W2::sketch_statements_step ||
                  variant == &W2::sketch_nary_step) {
      state.counters["bytes_per_op"] = w.sketch_bytes_per_op();
    } else {
      state.counters["bytes_per_op"] = w.bytes_per_op();
    }
  }
  if constexpr (std::is_same_v<W, W3>) state.counters["tape_bytes_over_X"] = w.tape_memory_ratio();
}

struct Entry {
  const char* name;
  Step step;
  void (*timed)(benchmark::State&);
  benchmark::TimeUnit unit;
};

template <class W, std::span<const double> (W::*variant)()>
constexpr Entry entry(const char* name, benchmark::TimeUnit unit) {
  return {name, step<W, variant>, timed<W, variant>, unit};
}

const Entry kEntries[] = {
    entry<W1, &W1::hand_step>("W1_hand_written", benchmark::kNanosecond),
    entry<W1, &W1::record_step>("W1_tape_record", benchmark::kNanosecond),
    entry<W1, &W1::replay_step>("W1_tape_replay", benchmark::kNanosecond),
#ifdef TAPEGRAD_BENCH_ADOLC
    entry<W1, &W1::adolc_record_step>("W1_adolc_record", benchmark::kNanosecond),
    entry<W1, &W1::adolc_replay_step>("W1_adolc_replay", benchmark::kNanosecond),
#endif
    entry<W2, &W2::hand_step>("W2_hand_written", benchmark::kMicrosecond),
    entry<W2, &W2::record_step>("W2_tape_record", benchmark::kMicrosecond),
    entry<W2, &W2::replay_step>("W2_tape_replay", benchmark::kMicrosecond),
#ifdef TAPEGRAD_BENCH_ADOLC
    entry<W2, &W2::adolc_record_step>("W2_adolc_record", benchmark::kMicrosecond),
    entry<W2, &W2::adolc_replay_step>("W2_adolc_replay", benchmark::kMicrosecond),
#endif
    entry<W2, &W2::sketch_ops_step>("W2_sketch_ops", benchmark::kMicrosecond),
    entry<W2, &W2::sketch_statements_step>("W2_sketch_statements", benchmark::kMicrosecond),
    entry<W2, &W2::sketch_nary_step>("W2_sketch_nary", benchmark::kMicrosecond),
    entry<W3, &W3::hand_step>("W3_hand_written", benchmark::kMillisecond),
    entry<W3, &W3::replay_step>("W3_tape_replay", benchmark::kMillisecond),
    entry<W3, &W3::blocked_step>("W3_tape_blocked", benchmark::kMillisecond),
    entry<W3, &W3::hand_step_2t>("W3_hand_written_2t", benchmark::kMillisecond),
    entry<W3, &W3::blocked_step_2t>("W3_tape_blocked_2t", benchmark::kMillisecond),
    entry<W4, &W4::hand_step>("W4_hand_written", benchmark::kMillisecond),
    entry<W4, &W4::replay_step>("W4_tape_replay", benchmark::kMillisecond),
    entry<W4, &W4::blocked_step>("W4_tape_blocked", benchmark::kMillisecond),
};

void register_all() {
  for (const Entry& e : kEntries) {
    auto* b = benchmark::RegisterBenchmark(e.name, e.timed)->Unit(e.unit);
    // Two-thread variants: wall-clock time (CPU time would count the calling thread only).
    if (std::string_view(e.name).ends_with("_2t")) b->UseRealTime();
  }
}

int callgrind(std::string_view name, long iters) {
  for (const Entry& e : kEntries) {
    if (name != e.name) continue;
    e.step();  // builds and verifies the workload (which warms every variant), one more step
    CALLGRIND_TOGGLE_COLLECT;
    for (long i = 0; i < iters; ++i) benchmark::DoNotOptimize(e.step().data());
    CALLGRIND_TOGGLE_COLLECT;
    return 0;
  }
  fmt::print(stderr, "unknown variant {}\n", name);
  return 2;
}

double peak_rss_bytes() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) * 1024.0;
}

int memory(std::string_view name) {
  double x_bytes = 0;
  if (name == "W3") {
    for (int i = 0; i < 2; ++i) {
      instance<W3>().replay_step();
      instance<W3>().blocked_step();
      instance<W3>().blocked_step_2t();
    }
    x_bytes = 200'000.0 * 100 * 8;
  } else if (name == "W4") {
    for (int i = 0; i < 2; ++i) {
      instance<W4>().replay_step();
      instance<W4>().blocked_step();
    }
    x_bytes = 50'000.0 * 100 * 8;
  } else {
    fmt::print(stderr, "--memory takes W3 or W4\n");
    return 2;
  }
  // Both the tape and the hand-written variant ran; X exists once, in the tape.
  fmt::print("{} peak_rss_bytes {:.0f} x_bytes {:.0f} ratio {:.3f}\n", name, peak_rss_bytes(),
             x_bytes, peak_rss_bytes() / x_bytes);
  return 0;
}

// W2's replay step split into its passes, beside what this machine takes to read and to write
// as many bytes as the tape holds: whether the passes are bound by memory bandwidth.
int passes(std::string_view name) {
  if (name != "W2") {
    fmt::print(stderr, "--passes takes W2\n");
    return 2;
  }
  W2& w = instance<W2>();
  const W2::PassTimes t = w.pass_times(101);
  const double ops = static_cast<double>(w.ops());
  const double bytes = w.bytes_per_op() * ops;
  // The probes: one buffer of the tape's size, summed (Eigen's vectorized sum, so that the loads
  // and not the additions set the pace) and filled; medians of 21.
  std::vector<double> buffer(static_cast<std::size_t>(bytes / sizeof(double)), 1.0);
  std::vector<double> reads, writes;
  double sink = 0;
  for (int r = 0; r < 21; ++r) {
    using Clock = std::chrono::steady_clock;
    const auto t0 = Clock::now();
    const double s =
        Eigen::Map<const Eigen::VectorXd>(buffer.data(), static_cast<Eigen::Index>(buffer.size()))
            .sum();
    const auto t1 = Clock::now();
    std::fill(buffer.begin(), buffer.end(), static_cast<double>(r));
    benchmark::DoNotOptimize(buffer.data());
    const auto t2 = Clock::now();
    sink += s;
    reads.push_back(std::chrono::duration<double>(t1 - t0).count());
    writes.push_back(std::chrono::duration<double>(t2 - t1).count());
  }
  benchmark::DoNotOptimize(sink);
  const double read = median(std::move(reads)), write = median(std::move(writes));
  fmt::print("W2 replay: {:.0f} ops, {:.1f} bytes per op on the tape ({:.1f} MB)\n", ops,
             w.bytes_per_op(), bytes / 1e6);
  fmt::print("  forward()                 {:8.0f} us  {:5.2f} ns per op\n", t.forward * 1e6,
             t.forward * 1e9 / ops);
  fmt::print("  zero_grad() + backward()  {:8.0f} us  {:5.2f} ns per op\n", t.backward * 1e6,
             t.backward * 1e9 / ops);
  fmt::print("  reading {:.1f} MB          {:8.0f} us  ({:.1f} GB/s)\n", bytes / 1e6, read * 1e6,
             bytes / read / 1e9);
  fmt::print("  writing {:.1f} MB          {:8.0f} us  ({:.1f} GB/s)\n", bytes / 1e6, write * 1e6,
             bytes / write / 1e9);
  return 0;
}

}  // namespace
}  // namespace tapegrad::bench

int main(int argc, char** argv) {
  using namespace tapegrad::bench;
  if (argc >= 2 && std::strcmp(argv[1], "--list") == 0) {
    for (const Entry& e : kEntries) fmt::print("{}\n", e.name);
    return 0;
  }
  if (argc == 4 && std::strcmp(argv[1], "--callgrind") == 0) {
    g_verify_steps = 1;
    return callgrind(argv[2], std::strtol(argv[3], nullptr, 10));
  }
  if (argc == 3 && std::strcmp(argv[1], "--memory") == 0) return memory(argv[2]);
  if (argc == 3 && std::strcmp(argv[1], "--passes") == 0) return passes(argv[2]);
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
