// dense: Z = A W + b in one node (b a row added to each row of A W); dJ/dA = G W^T,
// dJ/dW = A^T G, dJ/db = column sums of G with G = dJ/dZ. Its values and gradients are those of
// matmul(A, W) + b bit for bit, in the plain passes and over blocks of rows.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

#include "support/op_check.hpp"

namespace tg = tapegrad;

namespace {

// Every element equal, bit for bit (0.0 and -0.0 told apart).
bool same_bits(tg::TensorView got, tg::TensorView want) {
  if (got.shape() != want.shape()) return false;
  return std::equal(got.begin(), got.end(), want.begin(), [](double x, double y) {
    return std::bit_cast<std::uint64_t>(x) == std::bit_cast<std::uint64_t>(y);
  });
}

// Random operands of Z = A W + b (A r x k, W k x c, b 1 x c) and weights R for J = sum(Z * R).
struct Operands {
  tg::Tensor A, W, b, R;
  Operands(std::size_t r, std::size_t k, std::size_t c, std::uint64_t seed) {
    tg::test::Rng rng(seed);
    const tg::test::Range range{};
    A = range.draw(rng, {r, k});
    W = range.draw(rng, {k, c});
    b = range.draw(rng, {1, c});
    R = range.draw(rng, {r, c});
  }
};

// One recording of J = sum(Z * R) with Z = dense(A, W, b), or Z = matmul(A, W) + b.
struct Recorded {
  tg::Var A, W, b, Z, J;
  Recorded(tg::Tape& tape, const Operands& o, bool fused) {
    A = tape.param(o.A);
    W = tape.param(o.W);
    b = tape.param(o.b);
    Z = fused ? tg::dense(A, W, b) : tg::matmul(A, W) + b;
    J = tg::sum(Z * tape.input(o.R));
  }
};

}  // namespace

TEST_CASE("dense: a 2x3 by 3x2 layer and its gradients G W^T, A^T G and column sums by hand") {
  tg::Tape tape;
  const tg::Var A = tape.param(tg::Tensor::from_rows({{1, 2, 3}, {4, 5, 6}}));
  const tg::Var W = tape.param(tg::Tensor::from_rows({{7, 8}, {9, 10}, {11, 12}}));
  const tg::Var b = tape.param(tg::Tensor::row({0.5, -1}));
  const tg::Var Z = tg::dense(A, W, b);
  CHECK(Z.op() == tg::OpKind::Dense);
  CHECK(tape.node(Z.index()).inputs == std::vector<std::size_t>{A.index(), W.index(), b.index()});
  // A W = [[58, 64], [139, 154]], plus b on each row
  CHECK(Z.value() == tg::Tensor::from_rows({{58.5, 63}, {139.5, 153}}));
  // J = sum(Z * G) with G = [[1, -1], [2, 0.5]]:
  // G W^T = [[7 - 8, 9 - 10, 11 - 12], [14 + 4, 18 + 5, 22 + 6]],
  // A^T G = [[1 + 8, -1 + 2], [2 + 10, -2 + 2.5], [3 + 12, -3 + 3]], column sums [3, -0.5].
  tape.backward(tg::sum(Z * tape.input(tg::Tensor::from_rows({{1, -1}, {2, 0.5}}))));
  CHECK(A.grad() == tg::Tensor::from_rows({{-1, -1, -1}, {18, 23, 28}}));
  CHECK(W.grad() == tg::Tensor::from_rows({{9, 1}, {12, 0.5}, {15, 0}}));
  CHECK(b.grad() == tg::Tensor::row({3, -0.5}));
}

TEST_CASE("dense: gradients match finite differences at random points for several shapes") {
  const tg::test::Graph layer = [](std::span<const tg::Var> p) {
    return tg::dense(p[0], p[1], p[2]);
  };
  // {r, k, c}: a batch, one row, one output column, k = 1, all ones, square, and products large
  // enough for Eigen's blocked GEMM (in the forward pass and in both products of the backward)
  const std::size_t shapes[][3] = {{2, 3, 4}, {1, 3, 4}, {5, 3, 1},   {4, 1, 3},
                                   {1, 1, 1}, {4, 4, 4}, {12, 17, 9}, {30, 8, 10}};
  for (const auto& s : shapes) {
    CAPTURE(s[0]);
    CAPTURE(s[1]);
    CAPTURE(s[2]);
    tg::test::check_gradients_at_random_points(
        {{{s[0], s[1]}, {}}, {{s[1], s[2]}, {}}, {{1, s[2]}, {}}}, layer, 3);
  }
  // edge values: large and tiny magnitudes, zeros, a row of b at zero
  tg::test::check_gradients(
      {tg::Tensor::from_rows({{1e6, -1e-6}, {0, 3}}), tg::Tensor::from_rows({{1e-3, 0}, {-2, 1e3}}),
       tg::Tensor::row({0, 0})},
      layer);
  // W computed from a param (transposed, as the lecture's MLP passes W^T and b^T)
  tg::test::check_gradients_at_random_points(
      {{{3, 2}, {}}, {{4, 2}, {}}, {{4, 1}, {}}}, [](std::span<const tg::Var> p) {
        return tg::dense(p[0], tg::transpose(p[1]), tg::transpose(p[2]));
      });
}

TEST_CASE("dense: values and gradients equal matmul(A, W) + b bit for bit") {
  // The product's three paths (coefficient loops, GEMV, GEMM with the tape's workspace) in both
  // passes, and the bias's two sums over rows (one column: the add's single-element broadcast).
  const std::size_t shapes[][3] = {{1, 1, 1},   {1, 5, 3},    {6, 5, 1},    {4, 1, 7},
                                   {7, 3, 4},   {16, 16, 16}, {40, 30, 20}, {200, 21, 10},
                                   {65, 1, 33}, {3, 64, 2}};
  std::uint64_t seed = 7;
  for (const auto& s : shapes) {
    CAPTURE(s[0]);
    CAPTURE(s[1]);
    CAPTURE(s[2]);
    const Operands o(s[0], s[1], s[2], ++seed);
    tg::Tape fused_tape, plain_tape;
    const Recorded fused(fused_tape, o, true), plain(plain_tape, o, false);
    CHECK(fused_tape.size() + 1 == plain_tape.size());  // no node for A W
    CHECK(same_bits(fused.Z.value(), plain.Z.value()));
    // Twice: the second pass accumulates into the params' gradients, after a replay with new
    // values.
    for (int pass = 0; pass < 2; ++pass) {
      CAPTURE(pass);
      if (pass == 1) {
        for (tg::Tape* t : {&fused_tape, &plain_tape}) {
          for (tg::Var v : t->params()) {
            for (double& x : t->mutable_value(v)) x = x * 0.75 - 0.125;
          }
          t->forward();
        }
        CHECK(same_bits(fused.Z.value(), plain.Z.value()));
      }
      fused_tape.backward(fused.J);
      plain_tape.backward(plain.J);
      CHECK(same_bits(fused.A.grad(), plain.A.grad()));
      CHECK(same_bits(fused.W.grad(), plain.W.grad()));
      CHECK(same_bits(fused.b.grad(), plain.b.grad()));
      CHECK(same_bits(fused.Z.grad(), plain.Z.grad()));
    }
    // and against independent sums: z_rc = sum_j a_rj w_jc + b_c (to rounding: Eigen sums in
    // its own order)
    const tg::TensorView A = fused.A.value(), W = fused.W.value(), b = fused.b.value();
    for (std::size_t r = 0; r < s[0]; ++r) {
      for (std::size_t c = 0; c < s[2]; ++c) {
        double z = b[c], scale = std::abs(b[c]);
        for (std::size_t j = 0; j < s[1]; ++j) {
          z += A(r, j) * W(j, c);
          scale += std::abs(A(r, j) * W(j, c));
        }
        CHECK(fused.Z.value()(r, c) == tg::test::near(z, 0.0, 1e-13 * scale));
      }
    }
  }
}

TEST_CASE("dense: an input used twice gets both contributions, as with matmul and add") {
  // A and W one 3x3 param; b one row of another: the gradients add up in the same order.
  const Operands o(3, 3, 3, 99);
  tg::Tape fused_tape, plain_tape;
  const tg::Var Af = fused_tape.param(o.A), bf = fused_tape.param(o.b);
  const tg::Var Ap = plain_tape.param(o.A), bp = plain_tape.param(o.b);
  const tg::Var Zf = tg::dense(Af, Af, bf), Zp = tg::matmul(Ap, Ap) + bp;
  fused_tape.backward(tg::sum(Zf * fused_tape.input(o.R)));
  plain_tape.backward(tg::sum(Zp * plain_tape.input(o.R)));
  CHECK(same_bits(Zf.value(), Zp.value()));
  CHECK(same_bits(Af.grad(), Ap.grad()));
  CHECK(same_bits(bf.grad(), bp.grad()));
}

namespace {
// A softmax regression with examples as rows: J = mean(cross_entropy(Z, y, None)) + a penalty,
// Z = dense(X, W, b) or matmul(X, W) + b; the per-example nodes' gradients local when asked.
struct Softmax {
  std::size_t m, n, k;
  tg::Tensor X, y, W, b;
  Softmax(std::size_t rows, std::size_t features, std::size_t classes)
      : m(rows), n(features), k(classes) {
    tg::test::Rng rng(5);
    X = tg::test::Range{-1, 1}.draw(rng, {m, n});
    y = tg::Tensor(m, 1);
    for (double& v : y) v = static_cast<double>(static_cast<std::size_t>(rng.unit() * k));
    W = tg::test::Range{-0.5, 0.5}.draw(rng, {n, k});
    b = tg::test::Range{-0.2, 0.2}.draw(rng, {1, k});
  }
  struct Graph {
    tg::Var W, b, Z, J;
  };
  Graph record(tg::Tape& t, bool fused, bool local) const {
    t.set_local_gradients(local ? m : 0);
    const tg::Var Xv = t.input_view(X, "X"), Y = t.input(y);
    const tg::Var Wv = t.param(W), bv = t.param(b);
    const tg::Var Z = fused ? tg::dense(Xv, Wv, bv) : tg::matmul(Xv, Wv) + bv;
    const tg::Var J =
        tg::mean(tg::cross_entropy(Z, Y, tg::Reduction::None)) + 0.005 * tg::sum(Wv * Wv);
    t.set_local_gradients(0);
    return {Wv, bv, Z, J};
  }
};
}  // namespace

TEST_CASE("dense: forward_backward over blocks and threads equals forward() + backward()") {
  const Softmax s(1000, 21, 10);  // 1000 x 21 by 21 x 10: GEMM in every block of 64 rows
  for (const bool local : {false, true}) {
    for (const std::size_t threads : {1, 2}) {
      for (const std::size_t rows : {7, 64, 1000}) {
        CAPTURE(local);
        CAPTURE(threads);
        CAPTURE(rows);
        tg::Tape whole, blocked, two_nodes;
        const auto w = s.record(whole, true, false);
        const auto d = s.record(blocked, true, local);
        const auto p = s.record(two_nodes, false, local);
        REQUIRE(blocked.blockable(d.J));
        // Z and the per-row loss keep their gradients per block only (X W, Z and the loss for
        // matmul + add)
        CHECK(blocked.local_gradient_nodes() == (local ? 2 : 0));
        CHECK(two_nodes.local_gradient_nodes() == (local ? 3 : 0));
        for (int pass = 0; pass < 3; ++pass) {
          for (tg::Tape* t : {&whole, &blocked, &two_nodes}) {
            for (tg::Var v : t->params()) t->mutable_value(v)[1] += 0.25;
            if (pass == 2) t->zero_grad();  // the other passes accumulate
          }
          whole.forward();
          whole.backward(w.J);
          blocked.forward_backward(d.J, {rows, threads});
          two_nodes.forward_backward(p.J, {rows, threads});
        }
        CHECK(blocked.local_gradient_nodes() == (local ? 2 : 0));
        // the plain passes, to rounding in the sums over rows (blocks add partial sums)
        CHECK(d.J.item() == tg::test::near(w.J.item(), 1e-13));
        CHECK(d.Z.value() == tg::test::near(w.Z.value(), 1e-13, 1e-15));
        CHECK(d.W.grad() == tg::test::near(w.W.grad(), 1e-12, 1e-15));
        CHECK(d.b.grad() == tg::test::near(w.b.grad(), 1e-12, 1e-15));
        // matmul + add over the same blocks: bit for bit
        CHECK(same_bits(d.J.value(), p.J.value()));
        CHECK(same_bits(d.Z.value(), p.Z.value()));
        CHECK(same_bits(d.W.grad(), p.W.grad()));
        CHECK(same_bits(d.b.grad(), p.b.grad()));
      }
    }
  }
}

TEST_CASE("dense: a W computed from the batch is not row by row: forward_backward runs plainly") {
  // m = 6 rows, and a param W0 with 6 rows: tanh(W0) is then a batch node, taken as W
  tg::test::Rng rng(3);
  const tg::test::Range range{};
  const tg::Tensor X = range.draw(rng, {6, 6}), W0 = range.draw(rng, {6, 2}),
                   b = range.draw(rng, {1, 2});
  struct Graph {
    tg::Var W0, b, J;
  };
  const auto record = [&](tg::Tape& t, bool computed) {
    const tg::Var Xv = t.input(X), W0v = t.param(W0), bv = t.param(b);
    return Graph{W0v, bv, tg::mean(tg::dense(Xv, computed ? tg::tanh(W0v) : W0v, bv))};
  };
  tg::Tape blocked, plain;
  const Graph g = record(blocked, true), p = record(plain, true);
  CHECK_FALSE(blocked.blockable(g.J));
  blocked.forward_backward(g.J, {2, 2});
  plain.forward();
  plain.backward(p.J);
  CHECK(same_bits(g.W0.grad(), p.W0.grad()));
  CHECK(same_bits(g.b.grad(), p.b.grad()));
  // The param itself as W is a weight matrix that happens to have the batch's rows: taken as
  // fixed, the graph runs over blocks.
  tg::Tape leaf;
  CHECK(leaf.blockable(record(leaf, false).J));
}

TEST_CASE("dense: errors name the op, the argument and the shapes") {
  tg::Tape tape, other;
  const tg::Var A = tape.input(tg::Tensor(4, 3, 1.0));
  const tg::Var W = tape.param(tg::Tensor(3, 2, 0.5));
  const tg::Var b = tape.param(tg::Tensor(1, 2, 0.0));
  CHECK_THROWS_WITH_AS(tg::dense(A, tape.param(tg::Tensor(2, 2, 0.0)), b),
                       "dense: w: expected 3 rows (one per column of a, which is 4x3), found 2x2",
                       tg::Error);
  CHECK_THROWS_WITH_AS(tg::dense(A, W, tape.param(tg::Tensor(1, 3, 0.0))),
                       "dense: b: expected 1x2 (one row, one column per column of w), found 1x3",
                       tg::Error);
  // b must be a row: a column or a whole matrix of A W's shape is refused (use matmul + add)
  CHECK_THROWS_WITH_AS(tg::dense(A, W, tape.param(tg::Tensor(2, 1, 0.0))),
                       "dense: b: expected 1x2 (one row, one column per column of w), found 2x1",
                       tg::Error);
  CHECK_THROWS_WITH_AS(tg::dense(A, W, tape.param(tg::Tensor(4, 2, 0.0))),
                       "dense: b: expected 1x2 (one row, one column per column of w), found 4x2",
                       tg::Error);
  CHECK_THROWS_WITH_AS(tg::dense(A, W, other.param(tg::Tensor(1, 2, 0.0))),
                       "dense: inputs: the Vars belong to different tapes", tg::Error);
  CHECK_THROWS_WITH_AS(tg::dense(tg::Var(), W, b),
                       "dense: a: empty Var (default-constructed, not from a tape)", tg::Error);
  CHECK_THROWS_WITH_AS(tg::dense(A, tg::Var(), b),
                       "dense: w: empty Var (default-constructed, not from a tape)", tg::Error);
  CHECK_THROWS_WITH_AS(tg::dense(A, W, tg::Var()),
                       "dense: b: empty Var (default-constructed, not from a tape)", tg::Error);
  // nothing was recorded by the refused calls but the leaves
  CHECK(tape.size() == 7);
}
