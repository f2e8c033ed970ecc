// libFuzzer harness: bytes -> a random graph of random ops on random shapes (the same builder
// as the property test), then forward, backward and a finite-difference gradient check
// (check_random_graph). Any exception (every op was given operands it accepts), any sanitizer
// report, or a gradient that disagrees with finite differences is a crash.
#include <cstdio>
#include <cstdlib>

#include "support/random_graph.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace tg = tapegrad;
  tg::testing::ByteSource bytes({data, size});
  tg::Tape tape;
  const tg::testing::RandomGraph g = tg::testing::build_random_graph(tape, bytes);
  tape.forward();
  const tg::GradCheckResult r = tg::testing::check_random_graph(g);
  if (!r.ok) {
    std::fprintf(stderr, "graph_fuzz: gradient check failed\n%s%s\n", g.trace.c_str(),
                 r.summary().c_str());
    std::abort();
  }
  return 0;
}
