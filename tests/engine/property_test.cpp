// Property: for 1,000 random graphs (mixed ops, broadcast shapes, fixed seed), backward()'s
// gradients agree with central finite differences, and replay reproduces recording exactly.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <string_view>

#include "support/random_graph.hpp"

namespace tg = tapegrad;

namespace {
std::vector<std::uint8_t> seeded_bytes(std::uint64_t seed, std::size_t n) {
  std::mt19937_64 rng(seed);  // the raw output of mt19937_64 is specified by the standard
  std::vector<std::uint8_t> bytes(n);
  for (auto& b : bytes) b = static_cast<std::uint8_t>(rng() >> 56);
  return bytes;
}
}  // namespace

TEST_CASE("property: 1000 random graphs have gradients that match finite differences") {
  std::size_t ops_recorded = 0;
  for (std::uint64_t seed = 1; seed <= 1000; ++seed) {
    const std::vector<std::uint8_t> bytes = seeded_bytes(seed, 256);
    tg::testing::ByteSource source(bytes);
    tg::Tape tape;
    const tg::testing::RandomGraph g = tg::testing::build_random_graph(tape, source);
    ops_recorded += g.ops.size();
    const tg::GradCheckResult r = tg::testing::check_random_graph(g);
    INFO("seed ", seed, "\n", g.trace, r.summary());
    REQUIRE(r.checked > 0);
    CHECK(r.ok);
  }
  // The generator must actually exercise ops, not mostly skip them.
  CHECK(ops_recorded > 1500);  // a step picks one of 64 slots, 36 of them ops
}

TEST_CASE("property: every op slot of the random-graph builder records its op") {
  // Not every OpKind: an op joins the builder optionally (its own test file checks it).
  std::vector<bool> seen(tg::testing::kUsedSlots, false);
  for (std::uint64_t seed = 1; seed <= 1000; ++seed) {
    const std::vector<std::uint8_t> bytes = seeded_bytes(seed, 256);
    tg::testing::ByteSource source(bytes);
    tg::Tape tape;
    const tg::testing::RandomGraph g = tg::testing::build_random_graph(tape, source);
    for (const std::size_t slot : g.slots) {
      REQUIRE(slot < tg::testing::kUsedSlots);
      seen[slot] = true;
    }
  }
  for (std::size_t slot = 0; slot < tg::testing::kUsedSlots; ++slot) {
    INFO("slot ", slot);
    CHECK(seen[slot]);
  }
}

TEST_CASE(
    "regression (graph fuzzer): a large root with a small gradient element is checked "
    "within the difference quotient's own rounding error") {
  // rdiv -> exp -> ... -> mse gives a root near 1e8 while d root / d p0[1,2] is about 1e-3:
  // (f(x+h) - f(x-h)) / 2h cannot resolve that element to 1e-5 relative. Found by graph_fuzz.
  // (The op bytes are those of the first decoding, op = byte % 22, rewritten to their slots.)
  const std::vector<std::uint8_t> bytes = {0xba, 0x64, 0xc8, 0xcf, 0x94, 0xd9, 0xd0, 0x00, 0x10,
                                           0x4e, 0x31, 0x30, 0x07, 0x5f, 0x63, 0x78, 0x0a, 0x61,
                                           0x62, 0x11, 0x76, 0x61, 0x00, 0x00, 0x00, 0x0d, 0x52,
                                           0x56, 0x02, 0x4a, 0x22, 0x15, 0x9e, 0x9e, 0x9e};
  tg::testing::ByteSource source(bytes);
  tg::Tape tape;
  const tg::testing::RandomGraph g = tg::testing::build_random_graph(tape, source);
  INFO(g.trace);
  const tg::GradCheckOptions options{.step = 1e-6, .rtol = 1e-5, .atol = 1e-6};
  CHECK(tg::grad_check(g.root, g.params, options).ok);
  // Without the rounding-error allowance the same comparison fails: the allowance is what
  // separates this case from a wrong gradient.
  tg::GradCheckOptions strict = options;
  strict.fd_noise = 0.0;
  CHECK_FALSE(tg::grad_check(g.root, g.params, strict).ok);
}

namespace {
// Bytes from base64 text, as libFuzzer prints a failing input.
std::vector<std::uint8_t> from_base64(std::string_view text) {
  constexpr std::string_view digits =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::vector<std::uint8_t> out;
  unsigned bits = 0;
  int count = 0;
  for (const char c : text) {
    if (c == '=') break;
    bits = (bits << 6) | static_cast<unsigned>(digits.find(c));
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<std::uint8_t>((bits >> count) & 0xffu));
    }
  }
  return out;
}

// The random graph that libFuzzer's base64 input decodes to, recorded on `tape`.
tg::testing::RandomGraph graph_from_base64(tg::Tape& tape, std::string_view input) {
  const std::vector<std::uint8_t> bytes = from_base64(input);
  tg::testing::ByteSource source(bytes);
  return tg::testing::build_random_graph(tape, source);
}
}  // namespace

TEST_CASE(
    "regression (graph fuzzer): softmax is not recorded on logits in the hundreds of thousands") {
  // p0 (3x3) -> concat -> matmuls, whose entries are the 4th and 8th powers of the params and
  // reach 38,518 and 616,289 -> softmax: a step of 2e-6 in p0 moves those logits by whole units,
  // and the difference quotients were 2e-5 and 4e-3 away from backward()'s values. Found by
  // graph_fuzz (the first in CI); both inputs are in its corpus.
  for (const std::string_view input : {"zyChoQAAAAAAAAAAoaGhoaGhodF/0UvR0dHR0dHR19HR/wEAYHc=",
                                       "zyChoQAAAAAAAAAAoaEfAKGhofF/0UvR0dHR0dHR1w=="}) {
    tg::Tape tape;
    const tg::testing::RandomGraph g = graph_from_base64(tape, input);
    INFO(input, "\n", g.trace);
    CHECK(std::count(g.ops.begin(), g.ops.end(), tg::OpKind::Matmul) >= 3);
    CHECK(std::count(g.ops.begin(), g.ops.end(), tg::OpKind::Softmax) == 0);
    CHECK(tg::testing::check_random_graph(g).ok);
  }
}

TEST_CASE(
    "regression (graph fuzzer): no node grows past 1,024 elements, where the root's rounding "
    "exceeds the difference quotient's allowance") {
  // Repeated concats to 144x3 and 120x3, then matmul 144x144 -> softmax (twice) or 120x60 ->
  // log_softmax -> concat 240x60: roots about 144 and 68,940 summing 20,736 and 14,400 terms
  // round by about a thousand ulps, more than grad_check's allowance (64 eps |f| / h). The
  // quotients were 4.4e-6 and 5.9e-6 away from gradients of -0.0012 and 0.0030, and for a
  // gradient of 9e-13 they were noise of either sign at every step from 1.25e-7 to 5e-4. Found
  // by graph_fuzz; the inputs are in its corpus.
  for (const std::string_view input :
       {"zyChoaGhoaGhoaGhLqGjoaGhoaGhoaEgoaOxoaGhodHRIeDg4P//Tk6xsVFXV1dXV1dXV1dXV1dXV1dXV1dXV1dXV1"
        "dXV1dXV1dXV1dXV1dXV1dXV1dXV1dXV1dXV1dXV1dXV1dXV1dXV1dXV1dXV1dXV1dXV1dXHwD/AJ4r",
        "zyChoaGjOqEooaGhLqGjoaGhoaGhoaEgoaOxoaGhodHRIeDg4P//Tk6xsVFXV1dXV1dXV1dXV1dXV1dXV1dXV1dXV1"
        "dXV1dTV1dXV1dXV1dXV1dXV1dXV1dXV1dXV1dXV1dXV1dXV1dXeF9jbC1hc1dXV1dXV1dXV1cfAP8Anis=",
        "zyChoaGhOqEooaGhLqGjoaGhoaGhoaEgoaOxoaGhodHRIeDg4P//Tk6xsVFXV1d4oaGhoaGhoaEgoaOxoaGhodHRIe"
        "BfY2wtYXNXV1dXV1dXV1dXHwD/AJ4r"}) {
    tg::Tape tape;
    const tg::testing::RandomGraph g = graph_from_base64(tape, input);
    INFO(input, "\n", g.trace);
    // root = sum(last * weights): the product has the shape of the last node kept.
    const tg::Var product = tape.var(g.root.index() - 1);
    REQUIRE(product.op() == tg::OpKind::Mul);
    CHECK(product.shape().size() <= tg::testing::kMaxElements);
    CHECK(tg::testing::check_random_graph(g).ok);
  }
}

TEST_CASE("check_random_graph: a truncation error that shrinks as h^2 passes at the finer step") {
  // exp(3e4 p) at p = -1/3000: the central difference's relative error is about (3e4 h)^2 / 6 =
  // 1.5e-4 at h = 1e-6, beyond rtol 1e-5, and 64 times smaller at h / 8.
  tg::Tape tape;
  tg::testing::RandomGraph g;
  g.params.push_back(tape.param(tg::Tensor::column({-1.0 / 3000.0}), "p0"));
  g.root = tg::sum(tg::exp(3e4 * g.params[0]));
  const tg::GradCheckResult at_default =
      tg::grad_check(g.root, g.params, {.step = 1e-6, .rtol = 1e-5, .atol = 1e-6});
  CHECK_FALSE(at_default.ok);
  CHECK(at_default.worst.rel_error == doctest::Approx(1.5e-4).epsilon(0.01));
  const tg::GradCheckResult checked = tg::testing::check_random_graph(g);
  INFO(checked.summary());
  CHECK(checked.ok);
  CHECK(checked.worst.rel_error == doctest::Approx(1.5e-4 / 64).epsilon(0.05));
}

TEST_CASE("check_random_graph: a wrong derivative still fails at the finer step") {
  // A user op whose derivative is 2x + 1e-3 instead of 2x: the error does not shrink with h.
  const tg::ElementwiseOp bad_square(
      "bad_square", [](double x) { return x * x; }, [](double x, double) { return 2 * x + 1e-3; });
  tg::Tape tape;
  tg::testing::RandomGraph g;
  g.params.push_back(tape.param(tg::Tensor::from_rows({{0.5, -1.25}, {2.0, 0.75}}), "p0"));
  g.root = tg::sum(bad_square(g.params[0]));
  const tg::GradCheckResult r = tg::testing::check_random_graph(g);
  CHECK_FALSE(r.ok);
  CHECK(r.worst.abs_error == doctest::Approx(1e-3).epsilon(1e-3));
}
