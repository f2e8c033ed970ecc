// tapegrad_replay_alloc_tests: a warm replay step of W1, W2, W3 and W4 (bench/workloads.hpp)
// performs no heap allocation, Eigen's matrix products included.
//
// This executable replaces the C allocator (malloc and its relatives, which operator new and
// Eigen's aligned allocator both call) with a counting wrapper around glibc's own, so that any
// allocation in the measured window is seen. It is built only without sanitizers, which replace
// the allocator themselves.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <cerrno>
#include <cstddef>

#include "workloads.hpp"

extern "C" {
void* __libc_malloc(std::size_t size);
void* __libc_calloc(std::size_t count, std::size_t size);
void* __libc_realloc(void* p, std::size_t size);
void* __libc_memalign(std::size_t alignment, std::size_t size);
}

namespace {
// Single-threaded test: plain counters suffice.
bool g_counting = false;
long g_allocations = 0;

void note() noexcept {
  if (g_counting) ++g_allocations;
}
}  // namespace

extern "C" {
void* malloc(std::size_t size) {
  note();
  return __libc_malloc(size);
}
void* calloc(std::size_t count, std::size_t size) {
  note();
  return __libc_calloc(count, size);
}
void* realloc(void* p, std::size_t size) {
  note();
  return __libc_realloc(p, size);
}
void* aligned_alloc(std::size_t alignment, std::size_t size) {
  note();
  return __libc_memalign(alignment, size);
}
void* memalign(std::size_t alignment, std::size_t size) {
  note();
  return __libc_memalign(alignment, size);
}
int posix_memalign(void** out, std::size_t alignment, std::size_t size) {
  note();
  void* p = __libc_memalign(alignment, size);
  if (p == nullptr) return ENOMEM;
  *out = p;
  return 0;
}
}

namespace tapegrad::bench {
namespace {

// Heap allocations made by f().
template <class F>
long allocations(F&& f) {
  g_allocations = 0;
  g_counting = true;
  f();
  g_counting = false;
  return g_allocations;
}

// Two warm-up steps, then one measured step.
template <class W>
long warm_step_allocations(W& w, std::span<const double> (W::*step)()) {
  (w.*step)();
  (w.*step)();
  return allocations([&] { (w.*step)(); });
}

TEST_CASE("the counter sees allocations") {
  static int* volatile sink = nullptr;
  CHECK(allocations([] { sink = new int(1); }) >= 1);
  delete sink;
  CHECK(allocations([] {
          std::vector<double> v(1000);
          (void)v;
        }) >= 1);
}

TEST_CASE("W1: a warm replay step and a warm record step allocate nothing") {
  W1 w;
  CHECK(warm_step_allocations(w, &W1::replay_step) == 0);
  CHECK(warm_step_allocations(w, &W1::record_step) == 0);
}

TEST_CASE("W2: a warm replay step and a warm record step allocate nothing") {
  W2 w;
  CHECK(warm_step_allocations(w, &W2::replay_step) == 0);
  CHECK(warm_step_allocations(w, &W2::record_step) == 0);
}

TEST_CASE("W3: a warm replay step and a warm blocked step allocate nothing") {
  W3 w(50'000, 100);  // large enough for Eigen's heap paths (above its 128 KB stack limit)
  CHECK(warm_step_allocations(w, &W3::replay_step) == 0);
  CHECK(warm_step_allocations(w, &W3::blocked_step) == 0);
}

TEST_CASE("W4: a warm replay step and a warm blocked step allocate nothing") {
  W4 w;
  CHECK(warm_step_allocations(w, &W4::replay_step) == 0);
  CHECK(warm_step_allocations(w, &W4::blocked_step) == 0);
}

}  // namespace
}  // namespace tapegrad::bench
