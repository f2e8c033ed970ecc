// Borrowed leaves (Tape::input_view): the tape reads the caller's memory where it lies. Every
// value and gradient equals, bit for bit, that of the same graph on copied leaves (Tape::input),
// in forward + backward, forward_backward over blocks (one and two threads), replay after the
// caller changes the memory, and anomaly detection; bad uses are refused with "op: what: why".
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <tapegrad/tapegrad.hpp>

#include "support/random.hpp"

namespace tg = tapegrad;

namespace {

// The data: X (m x n), 0/1 labels Y (m x 1), class labels C (m x 1, 0..k-1), params.
struct Data {
  std::size_t m = 23, n = 5, h = 4, k = 3;
  tg::Tensor X, Y, C, W, b, w2, Wk, row, idx, P;
  Data() {
    tg::test::Rng rng;
    X = tg::test::Range{-1.5, 1.5}.draw(rng, {m, n});
    Y = tg::Tensor(m, 1);
    C = tg::Tensor(m, 1);
    for (std::size_t i = 0; i < m; ++i) {
      Y[i] = rng.bit();
      C[i] = static_cast<double>(i % k);
    }
    W = tg::test::Range{-0.8, 0.8}.draw(rng, {n, h});
    b = tg::test::Range{-0.2, 0.2}.draw(rng, {1, h});
    w2 = tg::test::Range{-0.8, 0.8}.draw(rng, {h, 1});
    Wk = tg::test::Range{-0.8, 0.8}.draw(rng, {n, k});
    row = tg::test::Range{-0.5, 0.5}.draw(rng, {1, n});
    P = tg::test::Range{-0.5, 0.5}.draw(rng, {m, n});
    idx = tg::Tensor(4, 1);
    for (std::size_t i = 0; i < 4; ++i) idx[i] = static_cast<double>((7 * i + 2) % m);
  }
};

enum class Leaves { copied, borrowed };

struct Graph {
  tg::Var X, Y, C, root;
};

// A graph in which every op kind that can read a data leaf reads X, Y or C directly.
Graph record_every_reader(tg::Tape& t, const Data& d, Leaves leaves) {
  const bool own = leaves == Leaves::copied;
  Graph g;
  g.X = own ? t.input(d.X, "X") : t.input_view(d.X, "X");
  g.Y = own ? t.input(d.Y, "Y") : t.input_view(d.Y, "Y");
  g.C = own ? t.input(d.C, "C") : t.input_view(d.C, "C");
  const tg::Var W = t.param(d.W), b = t.param(d.b), w2 = t.param(d.w2), Wk = t.param(d.Wk);
  const tg::Var row = t.param(d.row), idx = t.input(d.idx), P = t.param(d.P);
  const tg::Var A = tg::tanh(tg::matmul(g.X, W) + b);  // matmul reads X
  const tg::Var Z = tg::matmul(A, w2);
  std::vector<tg::Var> terms{
      tg::mean(tg::log_loss_with_logits(Z, g.Y)),   // binary element-wise reads Y
      tg::mse(Z, g.Y),                              // mse reads Y
      tg::cross_entropy(tg::matmul(g.X, Wk), g.C),  // cross_entropy reads C
      tg::sum(tg::exp(g.X) * row),                  // unary element-wise reads X
      tg::sum(tg::matmul(tg::transpose(g.X), Z)),   // transpose reads X
      tg::sum(tg::reshape(g.X, tg::Shape{g.X.shape().cols, g.X.shape().rows}) * 0.5),
      tg::sum(tg::slice_rows(g.X, 2, 9) * row),                    // slice_rows reads X
      tg::sum(tg::gather_rows(g.X, idx) * row),                    // gather_rows reads X
      tg::sum(tg::concat(std::vector<tg::Var>{g.X, g.X}) * row),   // concat reads X
      tg::sum(tg::mean(g.X, 0) * row) + tg::sum(tg::max(g.X, 1)),  // reductions read X
      tg::sum(tg::where(g.Y, Z, Z * Z)),                           // where reads Y
      tg::sum(tg::linear({P}, {g.X}, P)),                          // linear reads X
      tg::sum(tg::detach(g.X) * row),                              // detach reads X
      tg::sum(tg::log_softmax(g.X) * row),                         // log-sum-exp reads X
  };
  g.root = terms[0];
  for (std::size_t i = 1; i < terms.size(); ++i) g.root = g.root + terms[i];
  return g;
}

// Logistic MLP with examples as rows: blockable (Tape::forward_backward runs over blocks).
Graph record_batch(tg::Tape& t, const Data& d, Leaves leaves) {
  const bool own = leaves == Leaves::copied;
  Graph g;
  g.X = own ? t.input(d.X, "X") : t.input_view(d.X, "X");
  g.Y = own ? t.input(d.Y, "Y") : t.input_view(d.Y, "Y");
  const tg::Var W = t.param(d.W), b = t.param(d.b), w2 = t.param(d.w2);
  const tg::Var Z = tg::matmul(tg::tanh(tg::matmul(g.X, W) + b), w2) + 0.1;
  g.root = tg::mean(tg::log_loss_with_logits(Z, g.Y));
  return g;
}

bool same_bits(tg::TensorView a, tg::TensorView b) {
  if (a.shape() != b.shape()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::bit_cast<std::uint64_t>(a[i]) != std::bit_cast<std::uint64_t>(b[i])) return false;
  }
  return true;
}

// Every node's value and gradient agree bit for bit.
void check_same(const tg::Tape& a, const tg::Tape& b) {
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    INFO("node " << i);
    CHECK(same_bits(a.value(i), b.value(i)));
    REQUIRE(a.has_grad(i) == b.has_grad(i));
    if (a.has_grad(i)) CHECK(same_bits(a.grad(i), b.grad(i)));
  }
}

// Replays both tapes (forward, zero_grad, backward) and compares them.
void replay_and_check(tg::Tape& copied, const Graph& a, tg::Tape& borrowed, const Graph& b) {
  for (tg::Tape* t : {&copied, &borrowed}) {
    t->forward();
    t->zero_grad();
  }
  copied.backward(a.root);
  borrowed.backward(b.root);
  check_same(copied, borrowed);
}

}  // namespace

TEST_CASE("input_view: the leaf's value is the caller's memory, not a copy") {
  Data d;
  tg::Tape tape;
  const tg::Var x = tape.input_view(d.X, "X");
  CHECK(x.value().data() == d.X.data());
  CHECK(tape.value(x.index()).data() == d.X.data());
  CHECK(x.shape() == d.X.shape());
  CHECK(x.label() == "X");
  CHECK_FALSE(x.requires_grad());
  CHECK(tape.node(x.index()).is_leaf());
  CHECK_FALSE(tape.node(x.index()).is_param());
  // Its elements are not the tape's: bytes_used() counts m x n doubles fewer than a copy's.
  tg::Tape copied;
  (void)copied.input(d.X, "X");
  CHECK(copied.bytes_used() - tape.bytes_used() == d.X.size() * sizeof(double));
}

TEST_CASE(
    "input_view: every op reading a borrowed leaf gives the copied leaf's values and "
    "gradients bit for bit") {
  Data d;
  tg::Tape copied, borrowed;
  const Graph a = record_every_reader(copied, d, Leaves::copied);
  const Graph b = record_every_reader(borrowed, d, Leaves::borrowed);
  check_same(copied, borrowed);  // the values computed while recording
  copied.backward(a.root);
  borrowed.backward(b.root);
  check_same(copied, borrowed);
  replay_and_check(copied, a, borrowed, b);  // forward, zero_grad, backward again
  CHECK(std::isfinite(b.root.item()));
}

TEST_CASE("input_view: a change of the caller's memory is read by the next forward, as set()") {
  Data d;
  tg::Tape copied, borrowed;
  const Graph a = record_every_reader(copied, d, Leaves::copied);
  const Graph b = record_every_reader(borrowed, d, Leaves::borrowed);
  const double before = b.root.item();
  tg::test::Rng rng(7);
  for (double& v : d.X) v = rng.uniform(-2.0, 2.0);  // the borrowed tape's own X
  copied.set(a.X, d.X);
  replay_and_check(copied, a, borrowed, b);
  CHECK(b.root.item() != before);
}

TEST_CASE(
    "input_view: forward_backward over blocks of rows equals the copied leaf's, bit for "
    "bit, at one and two threads") {
  Data d;
  for (const tg::BlockOptions& options :
       {tg::BlockOptions{5, 1}, tg::BlockOptions{5, 2}, tg::BlockOptions{}}) {
    INFO("block_rows " << options.block_rows << ", threads " << options.threads);
    tg::Tape copied, borrowed;
    const Graph a = record_batch(copied, d, Leaves::copied);
    const Graph b = record_batch(borrowed, d, Leaves::borrowed);
    REQUIRE(borrowed.blockable(b.root));
    for (int pass = 0; pass < 2; ++pass) {
      copied.zero_grad();
      borrowed.zero_grad();
      copied.forward_backward(a.root, options);
      borrowed.forward_backward(b.root, options);
      check_same(copied, borrowed);
    }
    // And the plain passes give what forward_backward gave up to the order of the row sums.
    const double blocked = b.root.item();
    borrowed.forward();
    CHECK(b.root.item() == doctest::Approx(blocked).epsilon(1e-14));
  }
}

TEST_CASE("input_view: anomaly detection checks the caller's values") {
  Data d;
  d.X(3, 2) = std::numeric_limits<double>::quiet_NaN();
  {
    tg::Tape tape;
    tape.set_detect_anomalies(true);
    CHECK_THROWS_WITH_AS((void)tape.input_view(d.X, "X"),
                         doctest::Contains("forward: node 0 (input 'X'): value[3,2] = nan is not "
                                           "finite (shape 23x5)"),
                         tg::AnomalyError);
  }
  d.X(3, 2) = 0.25;
  tg::Tape tape;
  const Graph g = record_batch(tape, d, Leaves::borrowed);
  tape.set_detect_anomalies(true);
  tape.forward_backward(g.root);  // finite: runs
  d.X(4, 1) = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH_AS(tape.forward_backward(g.root),
                       doctest::Contains("forward: node 0 (input 'X'): value[4,1] = inf is not "
                                         "finite (shape 23x5)"),
                       tg::AnomalyError);
}

TEST_CASE(
    "input_view: forward_backward under anomaly detection reads the caller's rows, block by "
    "block") {
  // X is far larger than the tape's own values (z = X w + b keeps m + a few per node), so a check
  // reading the blocks at the tape's offsets instead of the caller's would leave the tape's array.
  const std::size_t m = 4000, n = 50;
  tg::test::Rng rng(3);
  const tg::Tensor X = tg::test::Range{-1.0, 1.0}.draw(rng, {m, n});
  tg::Tensor Y(m, 1);
  for (double& v : Y) v = rng.bit();
  const tg::Tensor w = tg::test::Range{-0.3, 0.3}.draw(rng, {n, 1});
  for (const std::size_t threads : {1, 2}) {
    INFO("threads " << threads);
    tg::Tape copied, borrowed;
    tg::Var roots[2];
    for (const bool borrow : {false, true}) {
      tg::Tape& t = borrow ? borrowed : copied;
      t.set_detect_anomalies(true);
      const tg::Var x = borrow ? t.input_view(X, "X") : t.input(X, "X");
      const tg::Var y = borrow ? t.input_view(Y, "Y") : t.input(Y, "Y");
      roots[borrow ? 1 : 0] =
          tg::mean(tg::log_loss_with_logits(tg::matmul(x, t.param(w)) + t.param(0.1), y));
    }
    REQUIRE(borrowed.blockable(roots[1]));
    copied.forward_backward(roots[0], {64, threads});
    borrowed.forward_backward(roots[1], {64, threads});
    check_same(copied, borrowed);
  }
}

TEST_CASE("input_view: the diagram shows the borrowed values as it shows copied ones") {
  Data d;
  tg::Tape copied, borrowed;
  (void)record_batch(copied, d, Leaves::copied);
  (void)record_batch(borrowed, d, Leaves::borrowed);
  tg::DotOptions options;
  options.max_full_elements = 1000;  // every value in full
  const std::string dot = tg::to_dot(borrowed, options);
  CHECK(dot == tg::to_dot(copied, options));
}

TEST_CASE("input_view: clear() forgets borrowed leaves, a new graph records as usual") {
  Data d;
  tg::Tape tape;
  const tg::Var x = tape.input_view(d.X, "X");
  tape.clear();
  CHECK_THROWS_AS((void)x.value(), tg::Error);
  const Graph g = record_batch(tape, d, Leaves::borrowed);
  tg::Tape copied;
  const Graph a = record_batch(copied, d, Leaves::copied);
  tape.forward_backward(g.root);
  copied.forward_backward(a.root);
  check_same(copied, tape);
}

TEST_CASE("input_view: bad values and writes are refused with op: argument: reason") {
  tg::Tape tape;
  const double one = 1.0;
  CHECK_THROWS_WITH_AS((void)tape.input_view(tg::TensorView(&one, tg::Shape{1, 1})),
                       "input_view: value: shape 1x1 has one element; a borrowed leaf needs at "
                       "least two (use input() to copy)",
                       tg::Error);
  CHECK_THROWS_WITH_AS((void)tape.input_view(tg::TensorView(&one, tg::Shape{0, 3})),
                       "input_view: value: shape 0x3 has no elements; a borrowed leaf needs at "
                       "least two (use input() to copy)",
                       tg::Error);
  CHECK_THROWS_WITH_AS((void)tape.input_view(tg::TensorView(nullptr, tg::Shape{2, 2})),
                       "input_view: value: shape 2x2 but no memory (a null data pointer)",
                       tg::Error);
  const tg::Var p = tape.param(tg::Tensor(2, 2, 1.0));
  CHECK_THROWS_WITH_AS((void)tape.input_view(p.value()),
                       "input_view: value: views this tape's own values, which move as the tape "
                       "grows; use input() to copy them",
                       tg::Error);
  const tg::Tensor X(3, 2, 0.5);
  const tg::Var x = tape.input_view(X, "X");
  CHECK_THROWS_WITH_AS(tape.set(x, tg::Tensor(3, 2, 1.0)),
                       "set: leaf: node 1 (input 'X') is borrowed (input_view): the tape reads "
                       "the caller's memory; write to it instead",
                       tg::Error);
  CHECK_THROWS_WITH_AS((void)tape.mutable_value(x),
                       "mutable_value: leaf: node 1 (input 'X') is borrowed (input_view): the "
                       "tape reads the caller's memory; write to it instead",
                       tg::Error);
  CHECK_THROWS_WITH_AS((void)x.grad(),
                       "grad: node: node 1 (input 'X') has no gradient: it depends on no param "
                       "(inputs and detached values carry none)",
                       tg::Error);
  CHECK(X[0] == 0.5);  // never written
}
