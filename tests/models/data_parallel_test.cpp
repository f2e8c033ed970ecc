// FitOptions::reduce without MPI: "ranks" are threads, each running fit() on its share of the
// rows, their reducer a barrier that sums every rank's vector in rank order. The result must be
// single-process training on all the rows, up to the order of the sums.
#include <doctest/doctest.h>

#include <algorithm>
#include <barrier>
#include <cmath>
#include <cstddef>
#include <span>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "models/helpers.hpp"

namespace tg = tapegrad;
using tg::test::rel_error;

namespace {

/// Sums the vectors of `ranks` threads: each deposits its own, waits for all, adds them up in
/// rank order (so every rank gets the same bits) and waits again before the slots are reused.
class ThreadSum {
 public:
  explicit ThreadSum(std::size_t ranks)
      : slots_(ranks), barrier_(static_cast<std::ptrdiff_t>(ranks)) {}

  tg::Reducer reducer(std::size_t rank) {
    return [this, rank](std::span<double> values) {
      ++calls_[rank];
      slots_[rank].assign(values.begin(), values.end());
      barrier_.arrive_and_wait();
      for (std::size_t k = 0; k < values.size(); ++k) {
        double sum = 0.0;
        for (const std::vector<double>& s : slots_) sum += s.at(k);
        values[k] = sum;
      }
      barrier_.arrive_and_wait();
    };
  }
  [[nodiscard]] std::size_t calls(std::size_t rank) const { return calls_[rank]; }

 private:
  std::vector<std::vector<double>> slots_;
  std::vector<std::size_t> calls_ = std::vector<std::size_t>(slots_.size());
  std::barrier<> barrier_;
};

/// Rows [first, first + count) of X and y.
std::pair<tg::Tensor, tg::Tensor> rows(const tg::Tensor& X, const tg::Tensor& y, std::size_t first,
                                       std::size_t count) {
  tg::Tensor Xs(count, X.cols()), ys(count, 1);
  for (std::size_t i = 0; i < count; ++i) {
    for (std::size_t j = 0; j < X.cols(); ++j) Xs(i, j) = X(first + i, j);
    ys[i] = y[first + i];
  }
  return {std::move(Xs), std::move(ys)};
}

struct RankResult {
  tg::Model model;
  std::vector<tg::EpochStats> history;
  std::string error;
};

/// fit() of `model` on rows split at `cuts` (first rows of ranks 1, 2, ...), one thread a rank.
std::vector<RankResult> fit_ranks(const tg::Model& model, const tg::Tensor& X, const tg::Tensor& y,
                                  std::vector<std::size_t> cuts, const tg::FitOptions& options) {
  cuts.insert(cuts.begin(), 0);
  cuts.push_back(X.rows());
  const std::size_t ranks = cuts.size() - 1;
  ThreadSum sum(ranks);
  std::vector<RankResult> results(ranks, RankResult{model, {}, {}});
  std::vector<std::thread> threads;
  for (std::size_t r = 0; r < ranks; ++r) {
    threads.emplace_back([&, r] {
      auto [Xr, yr] = rows(X, y, cuts[r], cuts[r + 1] - cuts[r]);
      tg::FitOptions o = options;
      o.reduce = sum.reducer(r);
      try {
        results[r].history = tg::fit(results[r].model, Xr, yr, o);
      } catch (const tg::Error& e) {
        results[r].error = e.what();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  return results;
}

double max_rel_params(const tg::Model& a, const tg::Model& b) {
  double worst = 0.0;
  for (std::size_t i = 0; i < a.params.size(); ++i) {
    for (std::size_t k = 0; k < a.params[i].size(); ++k) {
      worst = std::max(worst, std::abs(a.params[i][k] - b.params[i][k]) /
                                  std::max(std::abs(b.params[i][k]), 1e-3));
    }
  }
  return worst;
}

/// The ranks' results agree with one another bit for bit and with `single` to `tolerance`.
void check_like_single(const std::vector<RankResult>& ranks, const tg::Model& single,
                       const std::vector<tg::EpochStats>& history, double tolerance) {
  for (const RankResult& r : ranks) {
    REQUIRE(r.error.empty());
    REQUIRE(r.history.size() == history.size());
    for (std::size_t e = 0; e < history.size(); ++e) {
      CAPTURE(e);
      CHECK(rel_error(r.history[e].loss, history[e].loss) <= tolerance);
      CHECK(r.history[e].accuracy == doctest::Approx(history[e].accuracy).epsilon(1e-12));
    }
    CHECK(max_rel_params(r.model, single) <= tolerance);
    for (std::size_t i = 0; i < r.model.params.size(); ++i) {
      CHECK(r.model.params[i].view() == ranks[0].model.params[i].view());
    }
  }
}

/// Logistic regression for the breast cancer data, its standardizer fitted on all the rows.
tg::Model logreg_start() {
  const tg::Dataset& d = tg::test::breast_cancer();
  tg::Model start = tg::make_logreg(d.features());
  start.standardizer = tg::Standardizer::fit(d.X);
  return start;
}

/// Options for `kind` and `epochs`, on one thread (the ranks are threads already).
tg::FitOptions one_thread(tg::OptimizerKind kind, std::size_t epochs) {
  tg::FitOptions options;
  options.optimizer.kind = kind;
  options.epochs = epochs;
  options.threads = 1;
  return options;
}

}  // namespace

TEST_CASE("fit: reduce over 2 and 3 ranks equals one process, full-batch gd and lbfgs") {
  const tg::Dataset& d = tg::test::breast_cancer();  // 569 rows, 30 features
  const tg::Model start = logreg_start();
  for (const tg::OptimizerKind kind : {tg::OptimizerKind::gd, tg::OptimizerKind::lbfgs}) {
    CAPTURE(tg::to_string(kind));
    tg::FitOptions options = one_thread(kind, kind == tg::OptimizerKind::gd ? 60 : 100);
    options.weight_decay = 1.0 / 569.0;
    tg::Model single = start;
    const std::vector<tg::EpochStats> history = tg::fit(single, d.X, d.y, options);
    REQUIRE(history.size() > 5);
    // A real change over training, so that agreement below means something.
    CHECK(history.back().loss < 0.5 * history.front().loss);
    check_like_single(fit_ranks(start, d.X, d.y, {300}, options), single, history, 1e-12);
    check_like_single(fit_ranks(start, d.X, d.y, {100, 401}, options), single, history, 1e-12);
  }
}

TEST_CASE("fit: reduce equals one process for softmax with momentum and linear regression") {
  // Multiclass: three classes from two features' signs.
  const tg::Dataset& d = tg::test::breast_cancer();
  tg::Tensor y3(d.size(), 1);
  for (std::size_t i = 0; i < d.size(); ++i) y3[i] = d.y[i] + (d.X(i, 1) > 20.0 ? 1.0 : 0.0);
  tg::Model softmax = tg::make_softmax(d.features(), 3);
  softmax.standardizer = tg::Standardizer::fit(d.X);
  tg::FitOptions options = one_thread(tg::OptimizerKind::momentum, 40);
  tg::Model single = softmax;
  const auto history = tg::fit(single, d.X, y3, options);
  check_like_single(fit_ranks(softmax, d.X, y3, {250}, options), single, history, 1e-12);

  // Regression, well conditioned (an ill-conditioned least-squares problem would turn the order
  // of sums into visible differences): y = Σ_j (j + 1) x_j + noise on uniform features.
  tg::Rng rng(5);
  tg::Tensor X(400, 4), y(400, 1);
  for (std::size_t i = 0; i < X.rows(); ++i) {
    y[i] = rng.uniform(-0.5, 0.5);
    for (std::size_t j = 0; j < X.cols(); ++j) {
      X(i, j) = rng.uniform(-2.0, 3.0);
      y[i] += static_cast<double>(j + 1) * X(i, j);
    }
  }
  tg::Model linear = tg::make_linear(X.cols());
  linear.standardizer = tg::Standardizer::fit(X);
  const std::string name[] = {"y"};
  linear.target_standardizer = tg::Standardizer::fit(y, name);
  const tg::FitOptions lin = one_thread(tg::OptimizerKind::lbfgs, 100);
  tg::Model single_linear = linear;
  const auto linear_history = tg::fit(single_linear, X, y, lin);
  check_like_single(fit_ranks(linear, X, y, {150, 290}, lin), single_linear, linear_history, 1e-12);
}

TEST_CASE("fit: reduce is called once per step, and a rank alone equals plain fit") {
  const tg::Dataset& d = tg::test::breast_cancer();
  const tg::Model start = logreg_start();
  tg::FitOptions options = one_thread(tg::OptimizerKind::adam, 5);
  options.batch_size = 100;  // 569 rows: 6 steps per epoch, the last of 69 rows
  options.seed = 7;
  tg::Model single = start;
  const auto history = tg::fit(single, d.X, d.y, options);
  ThreadSum one(1);
  tg::FitOptions o = options;
  o.reduce = one.reducer(0);
  tg::Model alone = start;
  const auto alone_history = tg::fit(alone, d.X, d.y, o);
  CHECK(one.calls(0) == 1 + 5 * 6);  // the check of the step counts, then every step
  check_like_single({RankResult{alone, alone_history, {}}}, single, history, 1e-13);
}

TEST_CASE(
    "fit: reduce with mini-batches is deterministic, unequal step counts fail on every rank") {
  const tg::Dataset& d = tg::test::breast_cancer();
  const tg::Model start = logreg_start();
  tg::FitOptions options = one_thread(tg::OptimizerKind::adam, 3);
  options.batch_size = 50;
  // 284 and 285 rows: 6 batches each.
  const auto a = fit_ranks(start, d.X, d.y, {284}, options);
  const auto b = fit_ranks(start, d.X, d.y, {284}, options);
  REQUIRE(a[0].error.empty());
  CHECK(a[0].history.back().loss < a[0].history.front().loss);
  for (std::size_t i = 0; i < start.params.size(); ++i) {
    CHECK(a[0].model.params[i].view() == b[1].model.params[i].view());
  }
  // 200 and 369 rows: 4 and 8 batches.
  const auto bad = fit_ranks(start, d.X, d.y, {200}, options);
  for (const RankResult& r : bad) {
    CHECK(r.error == "fit: reduce: the 2 processes take different numbers of steps per epoch (" +
                         std::string(&r == &bad[0] ? "4" : "8") +
                         " here, 6 on average); give each the same number of batches");
  }
}

TEST_CASE("fit: reduce with early stopping averages the ranks' validation losses") {
  const tg::Dataset& d = tg::test::breast_cancer();
  const tg::Model start = logreg_start();
  tg::FitOptions options = one_thread(tg::OptimizerKind::gd, 30);
  options.early_stopping = true;
  options.validation_fraction = 0.2;
  const auto ranks = fit_ranks(start, d.X, d.y, {300}, options);
  REQUIRE(ranks[0].error.empty());
  REQUIRE(ranks[1].error.empty());
  REQUIRE(ranks[0].history.size() == ranks[1].history.size());
  // Each rank holds out round(0.2 m_r) of its rows with Rng(seed + 1): 60 of 300, 54 of 269.
  // The loss reported after epoch 1 is the mean over those 114 rows, of the parameters after
  // one step, which both ranks hold: recompute it from rank 0's own model at that epoch.
  tg::Model after_one = start;
  tg::FitOptions one = options;
  one.epochs = 1;
  one.early_stopping = false;
  auto [X0, y0] = rows(d.X, d.y, 0, 300);
  auto [X1, y1] = rows(d.X, d.y, 300, 269);
  // One full-batch gd step on all rows, as the ranks took it (held-out rows excluded): rebuild
  // the training rows of each rank as fit() chose them.
  const std::vector<std::size_t> p0 = tg::Rng(options.seed + 1).permutation(300);
  const std::vector<std::size_t> p1 = tg::Rng(options.seed + 1).permutation(269);
  tg::Tensor Xt(300 - 60 + 269 - 54, d.features()), yt(Xt.rows(), 1);
  tg::Tensor Xv(114, d.features()), yv(114, 1);
  std::size_t t = 0, v = 0;
  for (const auto& [X, y, p, held] :
       {std::tuple{&X0, &y0, &p0, std::size_t{60}}, std::tuple{&X1, &y1, &p1, std::size_t{54}}}) {
    for (std::size_t k = 0; k < p->size(); ++k) {
      const std::size_t row = (*p)[k];
      tg::Tensor& Xd = k < held ? Xv : Xt;
      tg::Tensor& yd = k < held ? yv : yt;
      std::size_t& at = k < held ? v : t;
      for (std::size_t j = 0; j < d.features(); ++j) Xd(at, j) = (*X)(row, j);
      yd[at++] = (*y)[row];
    }
  }
  REQUIRE(t == Xt.rows());
  REQUIRE(v == Xv.rows());
  (void)tg::fit(after_one, Xt, yt, one);
  const double expected = after_one.evaluate(Xv, yv).loss;
  CHECK(rel_error(ranks[0].history[0].validation_loss, expected) <= 1e-12);
  CHECK(ranks[0].history[0].validation_loss == ranks[1].history[0].validation_loss);
}
