// The playground's engine: compiled to WebAssembly with emscripten (tools/CMakeLists.txt, when
// em++ is found), not into the native tool. The page calls tg_lecture() with the values a student
// typed; it records the lecture example on a tapegrad tape (tools/examples.cpp, the same code as
// `tapegrad explain lecture`), runs backward and the update w := w - alpha dw, and leaves the
// numbers in tg_results() for the page to read.
#include <array>
#include <cmath>

#include <emscripten/emscripten.h>

#include "examples.hpp"

namespace {

// The numbers the page reads, by index (see kResultNames in tools/playground.cpp).
enum Result : int {
  kZ,
  kA,
  kL,
  kGradA,
  kGradZ,
  kGradW1,
  kGradW2,
  kGradB,
  kLocalDLDa,  // dL/da = -y/a + (1-y)/(1-a)
  kLocalDaDz,  // da/dz = a(1-a)
  kNextW1,
  kNextW2,
  kNextB,
  kNextL,
  kCount
};
std::array<double, kCount> results{};

}  // namespace

extern "C" {

/// The results of the last tg_lecture(), kCount doubles.
EMSCRIPTEN_KEEPALIVE const double* tg_results() { return results.data(); }

/// Records the lecture example at these values, runs backward and one update; returns the number
/// of results (0 if a value is not finite).
EMSCRIPTEN_KEEPALIVE int tg_lecture(double x1, double x2, double w1, double w2, double b, double y,
                                    double alpha) {
  for (const double v : {x1, x2, w1, w2, b, y, alpha}) {
    if (!std::isfinite(v)) return 0;
  }
  using namespace tapegrad;
  using namespace tapegrad::tool;
  const Example ex =
      make_example("lecture", {{"x1", x1}, {"x2", x2}, {"w1", w1}, {"w2", w2}, {"b", b}, {"y", y}});
  const Tape& t = *ex.tape;
  const auto find = [&](const char* name) {
    std::size_t i = 0;
    while (node_name(t, i) != name) ++i;
    return i;
  };
  const std::size_t z = find("z"), a = find("a"), L = find("L");
  results[kZ] = t.value(z)[0];
  results[kA] = t.value(a)[0];
  results[kL] = t.value(L)[0];
  results[kGradA] = t.grad(a)[0];
  results[kGradZ] = t.grad(z)[0];
  results[kGradW1] = t.grad(find("w1"))[0];
  results[kGradW2] = t.grad(find("w2"))[0];
  results[kGradB] = t.grad(find("b"))[0];
  results[kLocalDLDa] = t.local_partial(L, 0).value_or(std::nan(""));
  results[kLocalDaDz] = t.local_partial(a, 0).value_or(std::nan(""));
  const Update u = gradient_step(ex, alpha);
  results[kNextW1] = u.params.at(0).next;
  results[kNextW2] = u.params.at(1).next;
  results[kNextB] = u.params.at(2).next;
  results[kNextL] = u.next_loss;
  return kCount;
}

}  // extern "C"
