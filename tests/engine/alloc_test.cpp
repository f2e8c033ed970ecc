// Warm replay performs no heap allocation. This file replaces the global operator new and delete
// with counting versions (built on std::malloc and std::free, so AddressSanitizer still sees
// every block), and on Linux the executable is linked with --wrap for malloc, calloc and realloc
// so that direct C allocations inside the library (Eigen's) are counted too. It is its own
// executable, tapegrad_alloc_tests, so the replacement does not affect other tests.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <new>
#include <string>
#include <utility>
#include <vector>

#if defined(__GLIBC__)
#include <malloc.h>  // malloc_usable_size
#endif

#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

#include "support/graphs.hpp"
#include "support/random.hpp"

namespace tg = tapegrad;

namespace {
// Plain counters: the tests are single-threaded.
std::size_t g_news = 0;
std::size_t g_mallocs = 0;
std::size_t g_new_bytes = 0;  // bytes asked of operator new (not counting what was freed)
// Bytes of operator new's blocks alive now, and the most alive at once since the last reset
// (glibc's malloc_usable_size of each block: what was asked, rounded up a little).
std::size_t g_live_bytes = 0;
std::size_t g_peak_live_bytes = 0;

std::size_t block_size(void* p) noexcept {
#if defined(__GLIBC__)
  return p == nullptr ? 0 : malloc_usable_size(p);
#else
  (void)p;
  return 0;
#endif
}
void* live(void* p) noexcept {
  g_live_bytes += block_size(p);
  g_peak_live_bytes = std::max(g_peak_live_bytes, g_live_bytes);
  return p;
}
void counted_free(void* p) noexcept {
  g_live_bytes -= block_size(p);
  std::free(p);
}

void* counted_new(std::size_t size) {
  ++g_news;
  g_new_bytes += size;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return live(p);
  throw std::bad_alloc();
}
void* counted_new(std::size_t size, std::align_val_t align) {
  ++g_news;
  g_new_bytes += size;
  const auto a = static_cast<std::size_t>(align);
  void* p = nullptr;
  if (posix_memalign(&p, a < sizeof(void*) ? sizeof(void*) : a, size == 0 ? 1 : size) == 0) {
    return live(p);
  }
  throw std::bad_alloc();
}
}  // namespace

void* operator new(std::size_t size) { return counted_new(size); }
void* operator new[](std::size_t size) { return counted_new(size); }
void* operator new(std::size_t size, std::align_val_t a) { return counted_new(size, a); }
void* operator new[](std::size_t size, std::align_val_t a) { return counted_new(size, a); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  ++g_news;
  return live(std::malloc(size == 0 ? 1 : size));
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  ++g_news;
  return live(std::malloc(size == 0 ? 1 : size));
}
void operator delete(void* p) noexcept { counted_free(p); }
void operator delete[](void* p) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::size_t) noexcept { counted_free(p); }
void operator delete(void* p, std::align_val_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { counted_free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { counted_free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { counted_free(p); }

#if defined(TAPEGRAD_COUNT_MALLOC)
// The linker routes every malloc, calloc and realloc of this executable's objects (the static
// tapegrad library included) here; __real_* is the C library's (or the sanitizer's) function.
extern "C" {
void* __real_malloc(std::size_t size);
void* __real_calloc(std::size_t count, std::size_t size);
void* __real_realloc(void* p, std::size_t size);
void* __wrap_malloc(std::size_t size) {
  ++g_mallocs;
  return __real_malloc(size);
}
void* __wrap_calloc(std::size_t count, std::size_t size) {
  ++g_mallocs;
  return __real_calloc(count, size);
}
void* __wrap_realloc(void* p, std::size_t size) {
  ++g_mallocs;
  return __real_realloc(p, size);
}
}
#endif

namespace {

struct Counts {
  std::size_t news;
  std::size_t mallocs;
};
Counts counts() { return {g_news, g_mallocs}; }

}  // namespace

namespace tapegrad::test {

// Matrices large enough for Eigen's blocked matrix product (not its small-size coefficient loop).
struct WideValues {
  Tensor X, W, b;

  [[nodiscard]] std::array<TensorView, 3> leaves() const { return {X, W, b}; }
  static WideValues random(Rng& rng) {
    const Range r{-1.0, 1.0};
    return {r.draw(rng, {24, 40}), r.draw(rng, {16, 24}), r.draw(rng, {16, 1})};
  }
};

struct WideGraph {
  Var X, W, b, J;

  [[nodiscard]] std::array<Var, 3> leaves() const { return {X, W, b}; }
  [[nodiscard]] Var root() const { return J; }
};

// J = mean(sigmoid(W X + b)) + mean(sum(W^T W, 1))
WideGraph record(Tape& tape, const WideValues& v) {
  WideGraph g{tape.input(v.X), tape.param(v.W), tape.param(v.b), {}};
  g.J = mean(sigmoid(matmul(g.W, g.X) + g.b)) + mean(sum(matmul(transpose(g.W), g.W), 1));
  return g;
}

}  // namespace tapegrad::test

namespace {

// Records a graph, replays it once to warm up, then replays it at 8 more random points (drawn
// beforehand) and checks that those replays allocated nothing.
template <class Values>
void check_warm_replay_allocates_nothing() {
  tg::test::Rng rng;
  std::vector<Values> values;
  for (int i = 0; i < 9; ++i) values.push_back(Values::random(rng));
  tg::Tape tape;
  const auto g = tg::test::record(tape, values[0]);
  tg::test::replay(tape, g, values[0]);
  const Counts before = counts();
  for (std::size_t i = 1; i < values.size(); ++i) tg::test::replay(tape, g, values[i]);
  const Counts after = counts();
  CHECK(after.news - before.news == 0);
  CHECK(after.mallocs - before.mallocs == 0);
  // The replays did run: the root's value is that of the last point.
  tg::Tape fresh;
  CHECK(g.root().value() == tg::test::record(fresh, values.back()).root().value());
}

}  // namespace

TEST_CASE("allocation counters see operator new, std::vector and the tape's recording") {
  const Counts before = counts();
  void* volatile p = ::operator new(32);
  ::operator delete(p);
  CHECK(counts().news == before.news + 1);
  tg::Tape tape;
  const Counts recorded = counts();
  const tg::Var w = tape.param(tg::Tensor::row({1.0, 2.0}));
  (void)tg::sum(w * w);
  CHECK(counts().news > recorded.news);
#if defined(TAPEGRAD_COUNT_MALLOC)
  const Counts c_before = counts();
  void* volatile q = std::malloc(16);
  std::free(q);
  CHECK(counts().mallocs >= c_before.mallocs + 1);  // operator new above went through malloc too
#endif
}

TEST_CASE(
    "warm replay of the lecture graph (set, forward, zero_grad, backward) allocates nothing") {
  check_warm_replay_allocates_nothing<tg::test::LogisticPoint>();
}

TEST_CASE("warm replay of a tensor graph (matmul, broadcasting, reductions) allocates nothing") {
  check_warm_replay_allocates_nothing<tg::test::NetValues>();
}

TEST_CASE(
    "warm replay of a graph with blocked matrix products (16x24 by 24x40) allocates nothing") {
  check_warm_replay_allocates_nothing<tg::test::WideValues>();
}

namespace {
// A batch of 300 examples as rows through a tanh layer into the mean log-loss: blockable, and its
// 40 x 300 blocks of matmul would make Eigen's GEMM allocate.
struct RowBatch {
  tg::Tensor X{300, 40}, y{300, 1}, W{40, 8};
  RowBatch() {
    tg::test::Rng rng;
    for (double& v : X) v = rng.uniform(-1.0, 1.0);
    for (double& v : y) v = rng.bit();
    for (double& v : W) v = rng.uniform(-0.5, 0.5);
  }
  /// Records the cost with X and y copied (input) or borrowed (input_view); returns J and the
  /// bias b.
  std::pair<tg::Var, tg::Var> record(tg::Tape& tape, bool borrow) const {
    const tg::Var x = borrow ? tape.input_view(X) : tape.input(X);
    const tg::Var labels = borrow ? tape.input_view(y) : tape.input(y);
    const tg::Var w = tape.param(W);
    const tg::Var v = tape.param(tg::Tensor(8, 1, 0.25)), b = tape.param(0.1);
    return {
        tg::mean(tg::log_loss_with_logits(tg::matmul(tg::tanh(tg::matmul(x, w)), v) + b, labels)),
        b};
  }
};
}  // namespace

TEST_CASE(
    "a warm forward_backward over row blocks (one thread, two threads on the tape's pool, "
    "anomaly detection) allocates nothing") {
  const RowBatch data;
  for (const std::size_t threads : {1, 2}) {
    for (const bool anomalies : {false, true}) {
      INFO("threads ", threads, ", anomaly detection ", anomalies);
      tg::Tape tape;
      tape.set_detect_anomalies(anomalies);
      const auto [cost, b] = data.record(tape, /*borrow=*/false);
      // the models' cost: a mean over rows plus a weight penalty (of the first param, w)
      const tg::Var w = tape.params().front();
      const tg::Var J = cost + 0.5 * tg::sum(w * w);
      REQUIRE(tape.blockable(J));
      tape.forward_backward(J, {64, threads});  // warm: scratch, the pool's threads
      const double first = J.item();
      const Counts before = counts();
      for (int step = 0; step < 5; ++step) {
        tape.mutable_value(b)[0] += 0.5;
        tape.zero_grad();
        tape.forward_backward(J, {64, threads});
      }
      const Counts after = counts();
      CHECK(after.news - before.news == 0);
      CHECK(after.mallocs - before.mallocs == 0);
      CHECK(J.item() != first);  // the passes did run
    }
  }
}

TEST_CASE(
    "a warm forward_backward with local values and gradients and an on_block watch allocates "
    "nothing") {
  const RowBatch data;
  for (const std::size_t threads : {1, 2}) {
    INFO("threads ", threads);
    tg::Tape tape;
    tape.set_local_gradients(300);
    tape.set_local_values(300);
    const auto [J, b] = data.record(tape, /*borrow=*/true);
    tape.set_local_values(0);
    tape.set_local_gradients(0);
    REQUIRE(tape.local_value_nodes() == 5);  // X w, tanh, H v, + b, the per-row loss
    tg::BlockOptions options{64, threads};
    options.watch = tape.var(tape.size() - 2);  // the per-row loss's input, z = H v + b
    std::vector<double> seen(threads, 0.0);
    options.on_block = [&seen](std::size_t thread, std::size_t, tg::TensorView z) {
      for (const double v : z) seen[thread] += v;
    };
    tape.forward_backward(J, options);  // warm: storage of the per-row loss, slots, the pool
    const double first = J.item();
    const Counts before = counts();
    for (int step = 0; step < 5; ++step) {
      tape.mutable_value(b)[0] += 0.5;
      tape.zero_grad();
      tape.forward_backward(J, options);
    }
    const Counts after = counts();
    CHECK(after.news - before.news == 0);
    CHECK(after.mallocs - before.mallocs == 0);
    CHECK(J.item() != first);  // the passes did run
    CHECK(tape.local_value_nodes() == 4);
  }
}

TEST_CASE("warm passes over a borrowed leaf (Tape::input_view) allocate nothing") {
  RowBatch data;
  tg::Tape tape;
  const tg::Var J = data.record(tape, /*borrow=*/true).first;
  REQUIRE(tape.blockable(J));
  tape.forward_backward(J, {64, 1});
  tape.forward();
  tape.zero_grad();
  tape.backward(J);
  const double first = J.item();
  const Counts before = counts();
  for (int step = 0; step < 5; ++step) {
    data.X[static_cast<std::size_t>(step)] += 0.5;  // the caller's memory, read by the next pass
    tape.zero_grad();
    tape.forward_backward(J, {64, 1});
    tape.forward();
    tape.zero_grad();
    tape.backward(J);
  }
  const Counts after = counts();
  CHECK(after.news - before.news == 0);
  CHECK(after.mallocs - before.mallocs == 0);
  CHECK(J.item() != first);  // the passes did run
}

TEST_CASE(
    "a warm re-record of a scalar graph (clear, input, param, ops, backward) allocates "
    "nothing") {
  // The lecture graph without labels (a label is a string on the heap), recorded anew at each
  // point: the one-element leaves and ops append into the storage that clear() kept.
  tg::test::Rng rng;
  std::vector<tg::test::LogisticPoint> points;
  for (int i = 0; i < 9; ++i) points.push_back(tg::test::LogisticPoint::random(rng));
  std::vector<std::array<double, 4>> grads(points.size());  // dw1, dw2, db, L
  tg::Tape tape;
  const auto step = [&](std::size_t i) {
    const tg::test::LogisticPoint& p = points[i];
    tape.clear();
    const tg::Var x1 = tape.input(p.x1), x2 = tape.input(p.x2), y = tape.input(p.y);
    const tg::Var w1 = tape.param(p.w1), w2 = tape.param(p.w2), b = tape.param(p.b);
    const tg::Var L = tg::log_loss(tg::sigmoid(w1 * x1 + w2 * x2 + b), y);
    tape.backward(L);
    grads[i] = {w1.grad()[0], w2.grad()[0], b.grad()[0], L.item()};
  };
  step(0);
  const Counts before = counts();
  for (std::size_t i = 1; i < points.size(); ++i) step(i);
  const Counts after = counts();
  CHECK(after.news - before.news == 0);
  CHECK(after.mallocs - before.mallocs == 0);
  // Every step differentiated its own point: dL/dz = a - y, dL/dw = x dL/dz (closed form).
  for (std::size_t i = 0; i < points.size(); ++i) {
    const tg::test::LogisticPoint& p = points[i];
    const double a = 1.0 / (1.0 + std::exp(-(p.w1 * p.x1 + p.w2 * p.x2 + p.b)));
    const double dz = a - p.y;
    CHECK(grads[i][0] == doctest::Approx(p.x1 * dz).epsilon(1e-10));
    CHECK(grads[i][1] == doctest::Approx(p.x2 * dz).epsilon(1e-10));
    CHECK(grads[i][2] == doctest::Approx(dz).epsilon(1e-10));
    CHECK(grads[i][3] ==
          doctest::Approx(-(p.y * std::log(a) + (1 - p.y) * std::log(1 - a))).epsilon(1e-10));
  }
}

TEST_CASE(
    "full-batch fit of a softmax regression keeps no per-example values or gradients on its "
    "tape but the per-row loss") {
  // What fit() allocates, in bytes asked of operator new (std::vector's arrays among them): the
  // tape's values of the per-row loss (m doubles, which the mean reads whole), block-sized slots
  // for the values and gradients of Z = X W + b (one dense node), and small things (L-BFGS'
  // vectors). With Z's values on the tape (k m doubles) it would be at least (k + 1) m doubles;
  // with the per-example gradients too, (k + 1) m more.
  const std::size_t m = 20000, n = 4, k = 3;
  tg::test::Rng rng;
  tg::Tensor X(m, n), y(m, 1);
  for (double& v : X) v = rng.uniform(-1.0, 1.0);
  for (double& v : y) v = std::floor(rng.uniform(0.0, 3.0 - 1e-9));
  tg::Model model = tg::make_softmax(n, k);  // no standardizer: fit() copies no features
  tg::FitOptions options;
  options.epochs = 2;
  options.threads = 1;
  options.weight_decay = 1.0 / static_cast<double>(m);
  const std::size_t before = g_new_bytes;
  const std::vector<tg::EpochStats> history = tg::fit(model, X, y, options);
  const std::size_t used = g_new_bytes - before;
  CHECK(history.size() == 2);
  CHECK(history.back().loss < history.front().loss);  // it trained
  CHECK(used >= m * sizeof(double));
  CHECK(used < (k + 1) * m * sizeof(double));
}

#if defined(__GLIBC__)
TEST_CASE("train() keeps no per-row array of its own beside the per-row loss while it trains") {
  // What train() holds at once on top of the data it is given (bytes of live operator new
  // blocks): the tape's values of the per-row loss, m_train doubles (Z = X W + b keeps its
  // values and gradients per block only), and small things that do not grow with the rows
  // (block-sized slots, L-BFGS' vectors, after training the evaluation's blocks of 16,384 rows).
  // Anything of 4 bytes a row more fails: the split's permutation of all m rows (8 bytes a row),
  // freed before the tape is recorded, or Z's values (8 k bytes a row).
  const std::size_t m = 1000000, n = 4;
  const std::size_t m_train = m - m / 5;  // test_fraction 0.2
  tg::test::Rng rng;
  tg::Dataset data;
  data.X = tg::Tensor(m, n);
  data.y = tg::Tensor(m, 1);
  for (double& v : data.X) v = rng.uniform(-1.0, 1.0);
  for (double& v : data.y) v = std::floor(rng.uniform(0.0, 3.0 - 1e-9));
  data.feature_names = {"a", "b", "c", "d"};
  data.target_name = std::string("y");  // (GCC 12 -Wrestrict misfires on = "y")
  tg::TrainConfig config;
  config.kind = tg::ModelKind::softmax;
  config.epochs = 2;
  config.threads = 1;
  const std::size_t before = g_live_bytes;
  g_peak_live_bytes = before;
  const tg::TrainResult result = tg::train(std::move(data), config);
  const std::size_t peak = g_peak_live_bytes - before;
  CHECK_FALSE(result.history.empty());
  const std::size_t loss = m_train * sizeof(double);
  CHECK(peak >= loss);
  CHECK(peak < loss + m * 4);
}
#endif
