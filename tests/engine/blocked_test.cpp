// Tape::forward_backward(): blocks of rows (and threads) give the values and gradients of
// forward() + backward(root), to rounding in the sums over rows; graphs that do not qualify run
// the plain passes and give them bitwise.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include <tapegrad/tapegrad.hpp>

#include "support/random.hpp"

namespace tg = tapegrad;

namespace {

tg::Tensor random_tensor(tg::test::Rng& rng, std::size_t rows, std::size_t cols, double lo,
                         double hi) {
  tg::Tensor t(rows, cols);
  for (double& v : t) v = rng.uniform(lo, hi);
  return t;
}

tg::Tensor random_labels(tg::test::Rng& rng, std::size_t rows) {
  tg::Tensor t(rows, 1);
  for (double& v : t) v = rng.bit();
  return t;
}

// The data of a batch graph, drawn once so that two tapes can record the same graph.
struct Data {
  std::size_t m, n, h;
  tg::Tensor X, y, w, W1, b1, W2, b2, weights;
  explicit Data(std::size_t rows, std::size_t features = 5, std::size_t hidden = 4)
      : m(rows), n(features), h(hidden) {
    tg::test::Rng rng;
    X = random_tensor(rng, m, n, -1.0, 1.0);
    y = random_labels(rng, m);
    w = random_tensor(rng, n, 1, -0.8, 0.8);
    W1 = random_tensor(rng, n, h, -0.8, 0.8);
    b1 = random_tensor(rng, 1, h, -0.2, 0.2);
    W2 = random_tensor(rng, h, 1, -0.8, 0.8);
    b2 = random_tensor(rng, 1, 1, -0.2, 0.2);
    weights = random_tensor(rng, m, 1, 0.5, 1.5);
  }
};

// What a graph exposes for comparison: its root and the nodes whose gradients are checked.
struct Graph {
  tg::Var root;
  std::vector<tg::Var> checked;  // params, intermediates
  std::vector<tg::Var> after;    // nodes recorded after the root
};

// Logistic regression with examples as rows: J = mean(L(X w + b, y)).
Graph logistic(tg::Tape& t, const Data& d) {
  const tg::Var X = t.input(d.X), y = t.input(d.y);
  const tg::Var w = t.param(d.w);
  const tg::Var b = t.param(d.b2);
  const tg::Var z = tg::matmul(X, w) + b;
  const tg::Var J = tg::mean(tg::log_loss_with_logits(z, y));
  const tg::Var p = tg::sigmoid(z);  // predictions, recorded after the loss
  return {J, {w, b, z}, {p}};
}

// Logistic regression with nodes that read whole batch values beside the loss (a sum over rows, a
// transpose): they run after the blocks; the root does not depend on them.
Graph logistic_late(tg::Tape& t, const Data& d) {
  const tg::Var X = t.input(d.X), y = t.input(d.y);
  const tg::Var w = t.param(d.w);
  const tg::Var b = t.param(d.b2);
  const tg::Var z = tg::matmul(X, w) + b;
  const tg::Var column_sums = tg::sum(X, 0) * 2.0;
  const tg::Var zt = tg::transpose(z);
  const tg::Var J = tg::mean(tg::log_loss_with_logits(z, y));
  return {J, {w, b, z}, {column_sums, zt}};
}

// A two-layer MLP with a fixed node between a param and its use (W1 scaled), a per-row sum, a
// batch param (per-example weights) and a sum root.
Graph mlp(tg::Tape& t, const Data& d) {
  const tg::Var X = t.input(d.X), y = t.input(d.y);
  const tg::Var W1 = t.param(d.W1), b1 = t.param(d.b1), W2 = t.param(d.W2), b2 = t.param(d.b2);
  const tg::Var weights = t.param(d.weights);
  const tg::Var W1s = W1 * 0.5;  // fixed: depends on a param only
  const tg::Var H = tg::tanh(tg::matmul(X, W1s) + b1);
  const tg::Var r = tg::sum(H * H, 1);  // per-row: stays within the row
  const tg::Var z = tg::matmul(H, W2) + b2 + 0.1 * r;
  const tg::Var J = tg::sum(tg::log_loss_with_logits(z, y) * weights);
  return {J, {W1, b1, W2, b2, weights, H, z, W1s}, {}};
}

void check_close(const tg::TensorView got, const tg::TensorView want) {
  REQUIRE(got.shape() == want.shape());
  double scale = 0.0;
  for (double v : want) scale = std::max(scale, std::abs(v));
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("element ", i);
    CHECK(std::abs(got[i] - want[i]) <= 1e-13 * std::max(scale, 1.0));
  }
}

// Records `make` on two tapes; runs forward + backward on one and forward_backward(options) on
// the other (twice, so that param gradients accumulate), and compares.
template <class Make>
void check_blocked(Make make, const Data& d, const tg::BlockOptions& options) {
  tg::Tape plain, blocked;
  const Graph p = make(plain, d);
  const Graph b = make(blocked, d);
  REQUIRE(blocked.blockable(b.root));
  // New param values before each pass, so that every value must be recomputed.
  const auto nudge = [](tg::Tape& t, int pass) {
    for (tg::Var v : t.params()) {
      for (double& x : t.mutable_value(v)) x += 0.125 * (pass + 1);
    }
  };
  // Two passes accumulate param gradients; a third starts from zero_grad().
  for (int pass = 0; pass < 3; ++pass) {
    nudge(plain, pass);
    nudge(blocked, pass);
    if (pass == 2) {
      plain.zero_grad();
      blocked.zero_grad();
    }
    plain.forward();
    plain.backward(p.root);
    blocked.forward_backward(b.root, options);
  }
  check_close(b.root.value(), p.root.value());
  for (std::size_t i = 0; i < p.checked.size(); ++i) {
    INFO("checked node ", i);
    check_close(b.checked[i].grad(), p.checked[i].grad());
    check_close(b.checked[i].value(), p.checked[i].value());
  }
  for (std::size_t i = 0; i < p.after.size(); ++i)
    check_close(b.after[i].value(), p.after[i].value());
}

// The root's input is itself a batch param: its gradient accumulates block by block.
Graph batch_param(tg::Tape& t, const Data& d) {
  const tg::Var v = t.param(d.weights);
  return {tg::mean(v), {v}, {}};
}

}  // namespace

TEST_CASE("forward_backward over row blocks matches forward + backward (batch param root)") {
  const Data d(29);
  for (const std::size_t threads : {1, 2}) check_blocked(batch_param, d, {4, threads});
}

TEST_CASE("forward_backward over row blocks matches forward + backward (logistic regression)") {
  const Data d(103);
  for (const std::size_t rows : {0, 1, 2, 7, 16, 102, 103, 500}) {
    for (const std::size_t threads : {1, 2, 3}) {
      INFO("block_rows ", rows, ", threads ", threads);
      check_blocked(logistic, d, {rows, threads});
    }
  }
}

TEST_CASE("forward_backward over row blocks: nodes that need every row run after the blocks") {
  const Data d(53);
  for (const std::size_t threads : {1, 2}) check_blocked(logistic_late, d, {8, threads});
}

TEST_CASE("forward_backward over row blocks: a weight matrix with as many rows as the batch") {
  // m = n = 6: W1 (6 x 4) has m rows but is a matmul's right operand, W2 (6 x 4) too but is
  // transposed (the binary MLP's layout). Such leaves are fixed, X's rows are the batch.
  const Data d(6, 6, 4);
  const auto square = [](tg::Tape& t, const Data& data) {
    const tg::Var X = t.input(data.X), y = t.input(data.y);
    const tg::Var W1 = t.param(data.W1), W2t = t.param(tg::Tensor(data.m, data.h, 0.3));
    const tg::Var H = tg::tanh(tg::matmul(X, W1));
    const tg::Var z = tg::matmul(H, tg::transpose(W2t));
    const tg::Var J = tg::mean(tg::log_loss_with_logits(z, y)) + 0.5 * tg::sum(W1 * W1);
    return Graph{J, {W1, W2t, H, z}, {}};
  };
  for (const std::size_t threads : {1, 2}) check_blocked(square, d, {2, threads});
}

TEST_CASE("forward_backward over row blocks matches forward + backward (MLP, batch param)") {
  const Data d(61, 6, 5);
  for (const std::size_t rows : {0, 1, 5, 60, 61}) {
    for (const std::size_t threads : {1, 2, 4}) {
      INFO("block_rows ", rows, ", threads ", threads);
      check_blocked(mlp, d, {rows, threads});
    }
  }
}

TEST_CASE("forward_backward after zero_grad on a large graph (intermediates reset per block)") {
  // Over 4,096 intermediate gradient elements: zero_grad() leaves them to the pass.
  const Data d(700, 6, 8);
  for (const std::size_t threads : {1, 2}) check_blocked(mlp, d, {64, threads});
}

TEST_CASE("forward_backward gradients agree with central finite differences") {
  const Data d(37, 3, 2);
  tg::Tape t;
  const Graph g = mlp(t, d);
  t.forward_backward(g.root, {5, 2});
  // d J / d W2[j], by central differences of J recomputed with forward().
  for (std::size_t j = 0; j < d.h; ++j) {
    const tg::MutableTensorView w = t.mutable_value(g.checked[2]);
    const double w0 = w[j], step = 1e-6;
    w[j] = w0 + step;
    t.forward();
    const double up = g.root.item();
    w[j] = w0 - step;
    t.forward();
    const double down = g.root.item();
    w[j] = w0;
    const double numeric = (up - down) / (2 * step);
    CHECK(g.checked[2].grad()[j] == doctest::Approx(numeric).epsilon(1e-7));
  }
}

TEST_CASE("forward_backward with the same options is deterministic") {
  const Data d(200, 8, 3);
  tg::Tape a, b;
  const Graph ga = mlp(a, d), gb = mlp(b, d);
  a.forward_backward(ga.root, {9, 3});
  b.forward_backward(gb.root, {9, 3});
  for (std::size_t i = 0; i < ga.checked.size(); ++i) {
    const tg::TensorView x = ga.checked[i].grad(), y = gb.checked[i].grad();
    CHECK(std::equal(x.begin(), x.end(), y.begin(), y.end()));  // bitwise
  }
}

TEST_CASE("graphs that are not a batch of rows run forward + backward, bitwise") {
  tg::test::Rng rng;
  const tg::Tensor data = random_tensor(rng, 6, 3, -1.0, 1.0);
  const tg::Tensor square = random_tensor(rng, 6, 6, -1.0, 1.0);
  const tg::Tensor row = random_tensor(rng, 1, 6, -1.0, 1.0);
  // Each makes a root from X (6x3 input, rows as examples), w (3x1), S (6x6) and F (1x6).
  using Make = tg::Var (*)(tg::Var X, tg::Var w, tg::Var S, tg::Var F);
  const Make makes[] = {
      // root not a sum or mean, nor a linear chain down to one
      [](tg::Var X, tg::Var w, tg::Var, tg::Var) {
        return tg::mean(tg::matmul(X, w)) * tg::mean(tg::matmul(X, w));
      },
      // a chain that takes the reduction twice
      [](tg::Var X, tg::Var w, tg::Var, tg::Var) {
        const tg::Var m = tg::mean(tg::matmul(X, w));
        return m + m;
      },
      // a chain whose other operand depends on the batch
      [](tg::Var X, tg::Var w, tg::Var, tg::Var) {
        return tg::mean(tg::matmul(X, w)) + tg::sum(X);
      },
      // mean along an axis, then mean: the root's input has one row
      [](tg::Var X, tg::Var w, tg::Var, tg::Var) {
        return tg::mean(tg::mean(tg::matmul(X, w), 0));
      },
      // a transpose of a batch node
      [](tg::Var X, tg::Var w, tg::Var, tg::Var) {
        return tg::sum(tg::transpose(tg::matmul(X, w)));
      },
      // a batch node as a matmul's right operand (a computed one: a leaf there would be taken
      // as fixed, S's rows as the batch)
      [](tg::Var X, tg::Var, tg::Var S, tg::Var) { return tg::mean(tg::matmul(S, X * 2.0)); },
      // a batch node combined with a fixed operand of more than one row
      [](tg::Var X, tg::Var w, tg::Var, tg::Var F) {
        return tg::mean(tg::matmul(X, w) * tg::transpose(F));
      },
      // a sum over the rows of a batch node
      [](tg::Var X, tg::Var w, tg::Var, tg::Var) {
        return tg::mean(tg::matmul(X, w) + tg::sum(X, 0) * 0.0 + 1.0);
      },
      // mse is a reduction of its own
      [](tg::Var X, tg::Var w, tg::Var, tg::Var) {
        return tg::mse(tg::matmul(X, w), tg::sum(X, 1));
      },
  };
  for (std::size_t k = 0; k < std::size(makes); ++k) {
    INFO("graph ", k);
    tg::Tape plain, blocked;
    const tg::Var w0 = plain.param(tg::Tensor(3, 1, 0.3));
    const tg::Var r0 = makes[k](plain.input(data), w0, plain.param(square), plain.param(row));
    const tg::Var w1 = blocked.param(tg::Tensor(3, 1, 0.3));
    const tg::Var r1 = makes[k](blocked.input(data), w1, blocked.param(square), blocked.param(row));
    CHECK_FALSE(blocked.blockable(r1));
    plain.forward();
    plain.backward(r0);
    blocked.forward_backward(r1, {2, 2});
    CHECK(r1.item() == r0.item());
    CHECK(std::equal(w1.grad().begin(), w1.grad().end(), w0.grad().begin(), w0.grad().end()));
  }
}

// Roots that end a chain of one-element nodes with constant partials down to the reduction:
// J = mean(L) + penalty (the models' weight decay), scaled and subtracted terms.
Graph penalised(tg::Tape& t, const Data& d) {
  Graph g = mlp(t, d);
  const tg::Var W1 = g.checked[0], W2 = g.checked[2];
  const tg::Var penalty = 0.05 * (tg::sum(W1 * W1) + tg::sum(W2 * W2));
  g.root = 0.5 * g.root + penalty - 0.25 * tg::sum(W2);
  return g;
}

TEST_CASE("forward_backward over row blocks: a root of mean or sum plus fixed terms") {
  const Data d(83, 6, 5);
  for (const std::size_t rows : {0, 1, 7, 83}) {
    for (const std::size_t threads : {1, 2, 3}) {
      INFO("block_rows ", rows, ", threads ", threads);
      check_blocked(penalised, d, {rows, threads});
    }
  }
}

// One graph on two tapes, a bad value set by `spoil`: forward_backward under anomaly detection
// throws what forward() + backward() throw, and leaves the params' gradients as they were.
template <class Spoil>
void check_same_anomaly(const Data& d, Spoil spoil) {
  tg::Tape plain, blocked;
  const Graph p = penalised(plain, d), b = penalised(blocked, d);
  tg::AnomalyGuard guard_plain(plain), guard_blocked(blocked);
  REQUIRE(blocked.blockable(b.root));
  blocked.forward_backward(b.root, {5, 2});  // a clean pass first: gradients to keep
  const tg::Tensor before = b.checked[0].grad().to_tensor();
  spoil(plain, p);
  spoil(blocked, b);
  std::string want;
  try {
    plain.forward();
    plain.backward(p.root);
  } catch (const tg::AnomalyError& e) {
    want = e.what();
  }
  REQUIRE_FALSE(want.empty());
  for (const std::size_t threads : {1, 2}) {
    CHECK_THROWS_WITH_AS(blocked.forward_backward(b.root, {5, threads}), want.c_str(),
                         tg::AnomalyError);
    CHECK(b.checked[0].grad().to_tensor() == before);
  }
}

TEST_CASE("forward_backward under anomaly detection runs blocks and matches forward + backward") {
  const Data d(61, 6, 5);
  for (const std::size_t threads : {1, 2}) {
    tg::Tape plain, blocked;
    const Graph p = penalised(plain, d), b = penalised(blocked, d);
    tg::AnomalyGuard guard(blocked);
    CHECK(blocked.blockable(b.root));
    plain.forward();
    plain.backward(p.root);
    blocked.forward_backward(b.root, {7, threads});
    for (std::size_t i = 0; i < p.checked.size(); ++i) {
      check_close(b.checked[i].grad(), p.checked[i].grad());
    }
  }
}

TEST_CASE("forward_backward under anomaly detection throws the plain passes' AnomalyError") {
  const Data d(61, 6, 5);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  INFO("a fixed param");
  check_same_anomaly(d,
                     [&](tg::Tape& t, const Graph& g) { t.mutable_value(g.checked[1])[2] = nan; });
  INFO("a batch param in the last block");
  check_same_anomaly(d,
                     [&](tg::Tape& t, const Graph& g) { t.mutable_value(g.checked[4])[59] = inf; });
  INFO("an input row in a middle block");
  check_same_anomaly(
      d, [&](tg::Tape& t, const Graph&) { t.mutable_value(t.var(0))[40 * 6 + 3] = inf; });
}

TEST_CASE("concurrency: forward_backward with several threads matches one thread") {
  // Run under ThreadSanitizer in CI: the threads share the tape's values and gradients by rows.
  const Data d(997, 7, 6);
  tg::Tape one, many;
  const Graph g1 = mlp(one, d), gm = mlp(many, d);
  for (int step = 0; step < 3; ++step) {
    one.forward_backward(g1.root, {13, 1});
    many.forward_backward(gm.root, {13, 4});
  }
  for (std::size_t i = 0; i < g1.checked.size(); ++i) {
    INFO("checked node ", i);
    check_close(gm.checked[i].grad(), g1.checked[i].grad());
  }
  check_close(gm.root.value(), g1.root.value());
}

namespace {
// A softmax regression with examples as rows and a weight penalty, the graph fit() records:
// J = mean(cross_entropy(X W + b, y)) + (λ/2) ||W||², X borrowed; `local` rows (0: none) are
// recorded with local gradients. checked: W, b, then the m-row nodes X W, Z, the per-row loss.
struct Softmax {
  std::size_t m, n, k;
  tg::Tensor X, y, W, b;
  Softmax(std::size_t rows, std::size_t features, std::size_t classes)
      : m(rows),
        n(features),
        k(classes),
        X(rows, features),
        y(rows, 1),
        W(features, classes),
        b(1, classes) {
    tg::test::Rng rng;
    for (double& v : X) v = rng.uniform(-1.0, 1.0);
    for (double& v : y) v = std::floor(rng.uniform(0.0, static_cast<double>(classes) - 1e-9));
    for (double& v : W) v = rng.uniform(-0.5, 0.5);
    for (double& v : b) v = rng.uniform(-0.2, 0.2);
  }
  Graph record(tg::Tape& t, std::size_t local) const {
    t.set_local_gradients(local);
    const tg::Var Xv = t.input_view(X, "X"), Y = t.input(y);
    const tg::Var Wv = t.param(W), bv = t.param(b);
    const tg::Var XW = tg::matmul(Xv, Wv);
    const tg::Var Z = XW + bv;
    const tg::Var P = tg::cross_entropy(Z, Y, tg::Reduction::None);
    const tg::Var J = tg::mean(P) + 0.005 * tg::sum(Wv * Wv);
    t.set_local_gradients(0);
    return {J, {Wv, bv, XW, Z, P}, {}};
  }
};

void check_same(const tg::TensorView got, const tg::TensorView want) {
  REQUIRE(got.shape() == want.shape());
  CHECK(std::equal(got.begin(), got.end(), want.begin()));
}

// A graph that does not run in blocks: J = sum(transpose(Z * Z)), Z = X W, whose transpose reads
// the batch whole (a late node) and leads to the root; recorded with local gradients and local
// values for the given rows (0: none).
struct Transposed {
  tg::Var J, W, Z;
};
Transposed record_transposed(const Softmax& s, tg::Tape& t, std::size_t gradients,
                             std::size_t values) {
  t.set_local_gradients(gradients);
  t.set_local_values(values);
  const tg::Var X = t.input_view(s.X, "X"), W = t.param(s.W);
  const tg::Var Z = tg::matmul(X, W);
  const tg::Var J = tg::sum(tg::transpose(Z * Z));
  t.set_local_values(0);
  t.set_local_gradients(0);
  return {J, W, Z};
}
}  // namespace

TEST_CASE(
    "local gradients: forward_backward gives the same numbers, bit for bit, without storage") {
  const Softmax s(1000, 5, 3);
  for (const bool anomalies : {false, true}) {
    for (const std::size_t threads : {1, 2}) {
      for (const std::size_t rows : {0, 64}) {
        INFO("anomaly detection ", anomalies, ", threads ", threads, ", block rows ", rows);
        tg::Tape stored, local;
        const Graph a = s.record(stored, 0), b = s.record(local, s.m);
        stored.set_detect_anomalies(anomalies);
        local.set_detect_anomalies(anomalies);
        // X W, Z and the per-row loss keep no gradient: 2 m k + m doubles fewer.
        CHECK(local.local_gradient_nodes() == 3);
        CHECK(stored.local_gradient_nodes() == 0);
        CHECK(stored.bytes_used() - local.bytes_used() == (2 * s.m * s.k + s.m) * sizeof(double));
        for (int pass = 0; pass < 3; ++pass) {
          for (tg::Tape* t : {&stored, &local}) {
            for (tg::Var v : t->params()) t->mutable_value(v)[1] += 0.25;
            if (pass == 2) t->zero_grad();  // the other passes accumulate
            t->forward_backward(t == &stored ? a.root : b.root, {rows, threads});
          }
        }
        // Still local: the blocks kept those gradients, the tape did not grow.
        CHECK(local.local_gradient_nodes() == 3);
        CHECK(stored.bytes_used() - local.bytes_used() == (2 * s.m * s.k + s.m) * sizeof(double));
        check_same(b.root.value(), a.root.value());
        for (std::size_t i = 0; i < 2; ++i) check_same(b.checked[i].grad(), a.checked[i].grad());
        for (std::size_t i = 2; i < 5; ++i) check_same(b.checked[i].value(), a.checked[i].value());
      }
    }
  }
}

TEST_CASE("local gradients: grad() refuses them and backward() gives them storage") {
  const Softmax s(200, 4, 3);
  tg::Tape stored, local;
  const Graph a = s.record(stored, 0), b = s.record(local, s.m);
  CHECK_FALSE(local.has_grad(b.checked[3].index()));
  CHECK(local.has_grad(b.checked[0].index()));
  try {
    (void)b.checked[3].grad();
    FAIL("grad() of a local gradient did not throw");
  } catch (const tg::Error& e) {
    CHECK(std::string(e.what()) ==
          "grad: node: node 5 (add) keeps its gradient only block by block inside "
          "forward_backward (recorded with set_local_gradients(200))");
  }
  local.forward_backward(b.root);
  stored.forward_backward(a.root);
  // backward() needs every gradient: the local ones get their storage, for good.
  for (tg::Tape* t : {&stored, &local}) {
    t->zero_grad();
    t->forward();
    t->backward(t == &stored ? a.root : b.root);
  }
  CHECK(local.local_gradient_nodes() == 0);
  CHECK(local.bytes_used() == stored.bytes_used());
  for (std::size_t i = 0; i < 5; ++i) check_same(b.checked[i].grad(), a.checked[i].grad());
  // And forward_backward then runs as on any tape.
  for (tg::Tape* t : {&stored, &local}) {
    t->zero_grad();
    t->forward_backward(t == &stored ? a.root : b.root, {16, 2});
  }
  for (std::size_t i = 0; i < 5; ++i) check_same(b.checked[i].grad(), a.checked[i].grad());
}

TEST_CASE("local gradients: a local node outside the blocks makes forward_backward run plainly") {
  // The loss's transpose is read whole (a late node) and summed into the root: not blockable; its
  // local gradients then get storage and the plain passes run.
  const Softmax s(50, 3, 2);
  tg::Tape stored, local;
  const auto [Ja, Wa, Za] = record_transposed(s, stored, 0, 0);
  const auto [Jb, Wb, Zb] = record_transposed(s, local, s.m, 0);
  CHECK(local.local_gradient_nodes() == 2);
  stored.forward_backward(Ja);
  local.forward_backward(Jb);
  CHECK(local.local_gradient_nodes() == 0);
  check_same(Wb.grad(), Wa.grad());
  check_same(Jb.value(), Ja.value());
}

TEST_CASE(
    "local gradients and local values: a non-finite value under anomaly detection throws the "
    "plain error") {
  Softmax s(300, 4, 3);
  s.X(123, 2) = std::numeric_limits<double>::infinity();  // a middle block's row
  for (const bool values : {false, true}) {
    for (const std::size_t threads : {1, 2}) {
      INFO("local values ", values, ", threads ", threads);
      std::string messages[2];
      for (const std::size_t local : {std::size_t{0}, s.m}) {
        tg::Tape t;
        t.set_local_values(values ? local : 0);
        const Graph g = s.record(t, local);
        t.set_local_values(0);
        t.set_detect_anomalies(true);
        try {
          t.forward_backward(g.root, {16, threads});
          FAIL("no AnomalyError");
        } catch (const tg::AnomalyError& e) {
          messages[local == 0 ? 0 : 1] = e.what();
        }
      }
      CHECK(messages[0].find("not finite") != std::string::npos);
      CHECK(messages[1] == messages[0]);
    }
  }
}

namespace {
// Softmax::record with local values (and local gradients) for `local` rows; watch: Z.
Graph record_local_values(const Softmax& s, tg::Tape& t, std::size_t local) {
  t.set_local_values(local);
  Graph g = s.record(t, local);
  t.set_local_values(0);
  return g;
}

// What BlockOptions::on_block showed of a node: every row's values, and the calls.
struct Shown {
  tg::Tensor rows;
  std::vector<std::size_t> calls;  // per thread
  std::mutex mutex;
  explicit Shown(tg::Shape shape, std::size_t threads)
      : rows(shape.rows, shape.cols), calls(threads) {}
  void add(std::size_t thread, std::size_t first, tg::TensorView values) {
    const std::lock_guard lock(mutex);
    ++calls.at(thread);
    REQUIRE(first + values.rows() <= rows.rows());
    std::copy(values.begin(), values.end(), rows.begin() + first * rows.cols());
  }
};
}  // namespace

TEST_CASE("local values: forward_backward gives the same numbers, bit for bit, without storage") {
  const Softmax s(1000, 5, 3);
  for (const bool anomalies : {false, true}) {
    for (const std::size_t threads : {1, 2}) {
      for (const std::size_t rows : {0, 64}) {
        INFO("anomaly detection ", anomalies, ", threads ", threads, ", block rows ", rows);
        tg::Tape stored, local;
        const Graph a = s.record(stored, 0), b = record_local_values(s, local, s.m);
        stored.set_detect_anomalies(anomalies);
        local.set_detect_anomalies(anomalies);
        // X W, Z and the per-row loss keep no value (and no gradient) on the tape.
        CHECK(local.local_value_nodes() == 3);
        CHECK(local.local_gradient_nodes() == 3);
        for (int pass = 0; pass < 3; ++pass) {
          Shown shown(b.checked[3].shape(), threads);
          tg::BlockOptions options{rows, threads};
          for (tg::Tape* t : {&stored, &local}) {
            for (tg::Var v : t->params()) t->mutable_value(v)[1] += 0.25;
            if (pass == 2) t->zero_grad();  // the other passes accumulate
            if (t == &local) {
              options.watch = b.checked[3];
              options.on_block = [&](std::size_t thread, std::size_t first, tg::TensorView z) {
                shown.add(thread, first, z);
              };
            }
            t->forward_backward(t == &stored ? a.root : b.root, options);
          }
          // Z's values, block by block; the per-row loss, read whole by the mean, has storage
          check_same(shown.rows, a.checked[3].value());
          if (rows != 0) {  // one call per block, each thread its own blocks
            std::size_t calls = 0;
            for (const std::size_t c : shown.calls) calls += c;
            CHECK(calls == (s.m + rows - 1) / rows);
            CHECK(shown.calls.back() != 0);
          }
        }
        CHECK(local.local_value_nodes() == 2);  // X W and Z
        check_same(b.root.value(), a.root.value());
        check_same(b.checked[4].value(), a.checked[4].value());
        for (std::size_t i = 0; i < 2; ++i) check_same(b.checked[i].grad(), a.checked[i].grad());
        // The tape holds X W's and Z's values only block by block: 2 m k doubles fewer, less
        // one block-sized slot of each per thread (and the gradients as with local gradients).
        if (rows != 0) {
          CHECK(stored.bytes_used() - local.bytes_used() ==
                (2 * s.m * s.k + s.m + 2 * s.m * s.k - threads * rows * 2 * s.k) * sizeof(double));
        }
      }
    }
  }
}

TEST_CASE("local values: value() and backward() refuse them, forward() gives them storage") {
  const Softmax s(200, 4, 3);
  tg::Tape stored, local;
  const Graph a = s.record(stored, 0), b = record_local_values(s, local, s.m);
  CHECK(local.local_value_nodes() == 3);
  // Recording evaluated nothing: the root is zero until the first pass.
  CHECK(b.root.item() == 0.0);
  CHECK_THROWS_WITH_AS((void)b.checked[3].value(),
                       "value: node: node 5 (add) keeps its value per block only "
                       "(set_local_values): read it with BlockOptions::on_block, or call "
                       "forward() first",
                       tg::Error);
  CHECK_THROWS_WITH_AS((void)local.value(b.checked[2].index()),
                       "value: node: node 4 (matmul) keeps its value per block only "
                       "(set_local_values): read it with BlockOptions::on_block, or call "
                       "forward() first",
                       tg::Error);
  CHECK_THROWS_WITH_AS(local.backward(b.root),
                       "backward: tape: the values of 3 nodes are kept per block only "
                       "(set_local_values); call forward() or forward_backward() instead",
                       tg::Error);
  local.forward_backward(b.root, {16, 2});
  stored.forward_backward(a.root, {16, 2});
  CHECK(local.local_value_nodes() == 2);  // the per-row loss got storage: the mean reads it
  check_same(b.checked[4].value(), a.checked[4].value());
  // forward() needs every value: the local ones get their storage, for good.
  for (tg::Tape* t : {&stored, &local}) {
    t->zero_grad();
    t->forward();
    t->backward(t == &stored ? a.root : b.root);
  }
  CHECK(local.local_value_nodes() == 0);
  for (std::size_t i = 2; i < 5; ++i) check_same(b.checked[i].value(), a.checked[i].value());
  for (std::size_t i = 0; i < 5; ++i) check_same(b.checked[i].grad(), a.checked[i].grad());
  // And forward_backward then runs as on any tape.
  for (tg::Tape* t : {&stored, &local}) {
    t->zero_grad();
    t->forward_backward(t == &stored ? a.root : b.root, {16, 2});
  }
  for (std::size_t i = 0; i < 2; ++i) check_same(b.checked[i].grad(), a.checked[i].grad());
  check_same(b.root.value(), a.root.value());
}

TEST_CASE("local values: on_block shows a non-batch node, or a plain pass, in one call") {
  const Softmax s(120, 3, 2);
  tg::Tape local;
  const Graph b = record_local_values(s, local, s.m);
  // A fixed node (the param W): all of it once, after the forward pass.
  std::vector<std::pair<std::size_t, std::size_t>> calls;  // (first row, rows)
  tg::BlockOptions options{16, 1};
  options.watch = b.checked[0];
  tg::Tensor W_seen(s.n, s.k);
  options.on_block = [&](std::size_t thread, std::size_t first, tg::TensorView v) {
    CHECK(thread == 0);
    calls.emplace_back(first, v.rows());
    std::copy(v.begin(), v.end(), W_seen.begin());
  };
  local.forward_backward(b.root, options);
  REQUIRE(calls.size() == 1);
  CHECK(calls[0] == std::pair<std::size_t, std::size_t>{0, s.n});
  check_same(W_seen, s.W);
  // A graph that does not run in blocks (its root sums a transpose): plain passes, the local
  // values get storage first, and on_block sees Z's m rows in one call.
  tg::Tape plain, stored;
  const auto [Ja, Wa, Za] = record_transposed(s, stored, 0, 0);
  const auto [Jb, Wb, Zb] = record_transposed(s, plain, 0, s.m);
  CHECK(plain.local_value_nodes() == 2);
  calls.clear();
  tg::Tensor Z_seen(s.m, s.k);
  options.watch = Zb;
  options.on_block = [&](std::size_t, std::size_t first, tg::TensorView v) {
    calls.emplace_back(first, v.rows());
    std::copy(v.begin(), v.end(), Z_seen.begin());
  };
  stored.forward_backward(Ja);
  plain.forward_backward(Jb, options);
  CHECK(plain.local_value_nodes() == 0);
  REQUIRE(calls.size() == 1);
  CHECK(calls[0] == std::pair<std::size_t, std::size_t>{0, s.m});
  check_same(Z_seen, Za.value());
  check_same(Wb.grad(), Wa.grad());
  check_same(Jb.value(), Ja.value());
  // A watch from another tape is refused.
  options.watch = Za;
  CHECK_THROWS_WITH_AS(
      plain.forward_backward(Jb, options),
      fmt::format("forward_backward: watch: node {} belongs to another tape", Za.index()).c_str(),
      tg::Error);
}
