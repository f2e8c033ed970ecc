#include "tapegrad/models/train.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <numeric>
#include <thread>
#include <tuple>
#include <utility>

#include "tapegrad/engine/error.hpp"
#include "tapegrad/engine/tape.hpp"
#include "tapegrad/engine/thread_pool.hpp"
#include "tapegrad/models/random.hpp"

namespace tapegrad {
namespace {

/// The cost of one batch size, recorded once and replayed.
struct BatchGraph {
  std::unique_ptr<Tape> tape = std::make_unique<Tape>();
  Task task;
  NetworkGraph net;
  Var Y;
  Var J;
  std::vector<MutableTensorView> params;
  std::vector<TensorView> grads;
  bool borrowed = false;  // X and Y read the caller's rows

  BlockOptions blocks;  // forward_backward's threads and their pool; Z's values per block
  // Correct predictions per thread of the pass, counted from Z's values block by block.
  std::vector<std::size_t> correct_by_thread;

  /// Borrows X_rows and y (all m of them, in order) as the X and Y leaves when given
  /// (Tape::input_view: load() then copies nothing).
  BatchGraph(const Model& model, std::size_t m, double weight_decay, BlockOptions options,
             TensorView X_rows = {}, TensorView y = {})
      : task(model.task), borrowed(X_rows.data() != nullptr), blocks(options) {
    if (borrowed) {
      // A large batch: the per-example nodes' gradients and values live block by block only
      // (but the per-example losses, which the mean reads whole: forward_backward gives them
      // storage at the first pass).
      tape->set_local_gradients(m);
      tape->set_local_values(m);
    }
    net = record_network(*tape, model, m, /*trainable=*/true, X_rows);
    Y = borrowed ? tape->input_view(y, "Y") : tape->input(Shape{m, 1}, "Y");
    J = record_cost(model, net, Y, weight_decay);
    tape->set_local_gradients(0);
    tape->set_local_values(0);
    blocks.watch = net.Z;
    correct_by_thread.resize(std::max<std::size_t>(blocks.threads, 1));
    for (const Var& p : net.params) {
      params.push_back(tape->mutable_value(p));
      grads.push_back(p.grad());
    }
  }

  /// Loads examples order[first, first + m) of X (M x n, examples as rows) and y into the leaves.
  void load(TensorView X, TensorView y, std::span<const std::size_t> order) {
    if (borrowed) return;  // the leaves are X and y themselves (all rows, in order)
    const MutableTensorView Xv = tape->mutable_value(net.X);
    const MutableTensorView Yv = tape->mutable_value(Y);
    for (std::size_t k = 0; k < order.size(); ++k) {
      std::copy_n(X.begin() + static_cast<std::ptrdiff_t>(order[k] * X.cols()), X.cols(),
                  Xv.begin() + static_cast<std::ptrdiff_t>(k * X.cols()));
      Yv[k] = y[order[k]];
    }
  }

  /// zero_grad, forward_backward; returns J and adds the number of correct predictions.
  double run(std::size_t& correct) {
    tape->zero_grad();
    std::fill(correct_by_thread.begin(), correct_by_thread.end(), 0);
    if (task != Task::regression) {
      // Z's rows as the pass computes them (its values live per block only, when local).
      blocks.on_block = [this](std::size_t thread, std::size_t first, TensorView Z) {
        count_correct(thread, first, Z);
      };
    }
    tape->forward_backward(J, blocks);
    // The first pass gives local values their storage, which may move the tape's arrays.
    for (std::size_t i = 0; i < params.size(); ++i) {
      params[i] = tape->mutable_value(net.params[i]);
      grads[i] = net.params[i].grad();
    }
    for (const std::size_t c : correct_by_thread) correct += c;
    return J.item();
  }

  /// Adds the correct predictions among rows [first, first + Z.rows()) of Z to thread's count
  /// (all rows: the count starts again).
  void count_correct(std::size_t thread, std::size_t first, TensorView Z) {
    const TensorView Yv = Y.value();
    if (Z.rows() == Yv.rows()) std::fill(correct_by_thread.begin(), correct_by_thread.end(), 0);
    std::size_t& correct = correct_by_thread[thread];
    if (task == Task::binary) {
      for (std::size_t k = 0; k < Z.size(); ++k) correct += (Z[k] >= 0.0) == (Yv[first + k] == 1.0);
    } else {
      for (std::size_t i = 0; i < Z.rows(); ++i) {
        correct += static_cast<double>(detail::arg_max_row(Z, i)) == Yv[first + i];
      }
    }
  }
};

}  // namespace

std::size_t resolve_threads(std::size_t threads) noexcept {
  return threads != 0 ? threads : std::max<std::size_t>(std::thread::hardware_concurrency(), 1);
}

OptimizerConfig resolve_optimizer(const OptimizerConfig& config, const Model& model,
                                  bool full_batch) noexcept {
  OptimizerConfig c = config;
  if (c.kind == OptimizerKind::automatic) {
    c.kind =
        full_batch && model.kind != ModelKind::mlp ? OptimizerKind::lbfgs : OptimizerKind::adam;
  }
  if (c.learning_rate == 0.0) c.learning_rate = default_learning_rate(c.kind);
  if (c.tolerance == 0.0) c.tolerance = model.kind == ModelKind::linear ? 1e-10 : 1e-4;
  return c;
}

namespace {

/// Rows `rows` of X and y.
std::pair<Tensor, Tensor> take_rows(TensorView X, TensorView y, std::span<const std::size_t> rows) {
  Tensor Xs(rows.size(), X.cols()), ys(rows.size(), 1);
  for (std::size_t k = 0; k < rows.size(); ++k) {
    for (std::size_t j = 0; j < X.cols(); ++j) Xs(k, j) = X(rows[k], j);
    ys[k] = y[rows[k]];
  }
  return {std::move(Xs), std::move(ys)};
}

/// FitOptions::reduce's arithmetic (see the top of train.hpp): a process's m_r examples
/// contribute m_r g, m_r J, m_r and their correct predictions; the sums over the processes
/// divided by M = Σ m_r are the mean over all examples. Without a reducer it changes nothing.
class Reduction {
 public:
  Reduction(const Reducer& reduce, std::span<const MutableTensorView> params) : reduce_(reduce) {
    if (!reduce_) return;  // one process: nothing to sum, nothing to hold
    std::size_t size = 0;
    for (const MutableTensorView& p : params) size += p.size();
    buffer_.resize(size + 3);
    gradient_.resize(size);
    std::size_t offset = 0;
    for (const MutableTensorView& p : params) {
      views_.emplace_back(gradient_.data() + offset, p.shape());
      offset += p.size();
    }
  }

  [[nodiscard]] explicit operator bool() const noexcept { return static_cast<bool>(reduce_); }

  /// The processes' count of examples M after checking that each takes `steps` steps per epoch
  /// (1, steps, steps² summed: all equal exactly when R Σ s² = (Σ s)²); `m` without a reducer.
  std::size_t start(std::size_t m, std::size_t steps) const {
    if (!reduce_) return m;
    const auto s = static_cast<double>(steps);
    std::array<double, 4> sums{1.0, s, s * s, static_cast<double>(m)};
    reduce_(sums);
    if (sums[0] * sums[2] != sums[1] * sums[1]) {
      detail::fail("fit", "reduce",
                   "the {} processes take different numbers of steps per epoch ({} here, {} on "
                   "average); give each the same number of batches",
                   sums[0], steps, sums[1] / sums[0]);
    }
    return static_cast<std::size_t>(sums[3]);
  }

  /// Sums one evaluation over the processes: `gradient` (of the mean cost f of `count`
  /// examples, `correct` of them predicted right) becomes the gradient of the mean over all
  /// examples, `count` and `correct` the totals; returns that mean cost.
  double sum(std::span<double> gradient, double f, std::size_t& count, std::size_t& correct) const {
    if (!reduce_) return f;
    const std::size_t n = gradient.size();
    const auto m = static_cast<double>(count);
    for (std::size_t k = 0; k < n; ++k) buffer_[k] = m * gradient[k];
    buffer_[n] = m * f;
    buffer_[n + 1] = m;
    buffer_[n + 2] = static_cast<double>(correct);
    reduce_(buffer_);
    const double total = buffer_[n + 1];
    for (std::size_t k = 0; k < n; ++k) gradient[k] = buffer_[k] / total;
    count = static_cast<std::size_t>(total);
    correct = static_cast<std::size_t>(buffer_[n + 2]);
    return buffer_[n] / total;
  }

  /// sum() for the gradients as the tape holds them; afterwards grads() views the result.
  double sum(std::span<const TensorView> grads, double f, std::size_t& count,
             std::size_t& correct) {
    std::size_t k = 0;
    for (const TensorView& d : grads) {
      for (double v : d) gradient_[k++] = v;
    }
    return sum(gradient_, f, count, correct);
  }
  /// The summed gradients, shaped as the parameters.
  [[nodiscard]] std::span<const TensorView> grads() const noexcept { return views_; }

  /// The mean of a per-process mean `value` over `count` examples, weighted by the counts.
  double mean(double value, std::size_t count) const {
    if (!reduce_) return value;
    std::array<double, 2> sums{value * static_cast<double>(count), static_cast<double>(count)};
    reduce_(sums);
    return sums[0] / sums[1];
  }

 private:
  const Reducer& reduce_;
  mutable std::vector<double> buffer_;
  std::vector<double> gradient_;
  std::vector<TensorView> views_;
};

/// Early stopping's bookkeeping: the validation part, the best loss and parameters.
class EarlyStopping {
 public:
  /// Validates on rows X, y: the tensors given (X_own, y_own), or when those are empty the
  /// views, whose memory must outlive this object.
  EarlyStopping(const Model& model, TensorView X, TensorView y, Tensor X_own, Tensor y_own,
                std::size_t patience)
      : model_(model),
        X_own_(std::move(X_own)),
        y_own_(std::move(y_own)),
        X_(X_own_.size() != 0 ? TensorView(X_own_) : X),
        y_(y_own_.size() != 0 ? TensorView(y_own_) : y),
        patience_(patience) {}

  /// The validation loss of `params`; records them when best. True when training should stop.
  /// With a reducer, the loss is the mean over every process's validation part.
  bool after_epoch(std::size_t epoch, std::span<const MutableTensorView> params,
                   const Reduction& reduction, double& loss) {
    for (std::size_t i = 0; i < params.size(); ++i) {
      std::copy(params[i].begin(), params[i].end(), model_.params[i].begin());
    }
    const double own = X_.rows() > 0 ? model_.evaluate(X_, y_).loss : 0.0;
    loss = reduction.mean(own, X_.rows());
    if (best_epoch_ == 0 || loss < best_loss_) {
      best_loss_ = loss;
      best_epoch_ = epoch;
      best_ = model_.params;
    }
    return epoch - best_epoch_ >= patience_;
  }

  /// Writes the best parameters into `params`.
  void restore(std::span<const MutableTensorView> params) const {
    for (std::size_t i = 0; i < params.size(); ++i) {
      std::copy(best_[i].begin(), best_[i].end(), params[i].begin());
    }
  }

 private:
  Model model_;
  Tensor X_own_, y_own_;
  TensorView X_, y_;
  std::size_t patience_;
  std::size_t best_epoch_ = 0;
  double best_loss_ = 0.0;
  std::vector<Tensor> best_;
};

void check_fit_options(const FitOptions& options, bool full_batch) {
  if (!(options.weight_decay >= 0.0 && std::isfinite(options.weight_decay))) {
    detail::fail("fit", "weight_decay", "expected a finite number >= 0, found {}",
                 options.weight_decay);
  }
  check_schedule(options.optimizer.schedule);
  if (options.optimizer.kind == OptimizerKind::lbfgs) {
    if (!full_batch) {
      detail::fail("fit", "optimizer",
                   "lbfgs trains on the full batch; found batch_size {} (use 0, or gd, momentum "
                   "or adam)",
                   options.batch_size);
    }
    if (options.optimizer.schedule.kind != ScheduleKind::constant) {
      detail::fail("fit", "schedule", "applies to gd, momentum and adam, not lbfgs");
    }
  }
  if (!(options.optimizer.learning_rate >= 0.0 && std::isfinite(options.optimizer.learning_rate))) {
    detail::fail("fit", "learning_rate",
                 "expected a positive number (or 0 for the default), found {}",
                 options.optimizer.learning_rate);
  }
  if (options.early_stopping) {
    if (!(options.validation_fraction > 0.0 && options.validation_fraction < 1.0)) {
      detail::fail("fit", "validation_fraction", "expected a number in (0, 1), found {}",
                   options.validation_fraction);
    }
    if (options.patience == 0)
      detail::fail("fit", "patience", "expected at least 1 epoch, found 0");
  }
}

}  // namespace

namespace {

/// Moves the rows of X and y (m rows) in place so that row k holds the old row src[k]; src is a
/// permutation of 0..m-1 and is used up (left as the identity).
void permute_rows(MutableTensorView X, MutableTensorView y, std::vector<std::size_t>& src) {
  const std::size_t n = X.cols();
  std::vector<double> row(n);
  const auto at = [&](std::size_t r) { return X.data() + r * n; };
  for (std::size_t k = 0; k < src.size(); ++k) {
    if (src[k] == k) continue;  // in place already, or done as part of an earlier cycle
    std::copy_n(at(k), n, row.begin());
    const double label = y[k];
    for (std::size_t j = k;;) {  // follow the cycle through k
      const std::size_t from = src[j];
      src[j] = j;
      if (from == k) {
        std::copy_n(row.begin(), n, at(j));
        y[j] = label;
        break;
      }
      std::copy_n(at(from), n, at(j));
      y[j] = y[from];
      j = from;
    }
  }
}

/// fit(); with `standardised`, X_all holds features already passed through the model's
/// standardizer (train() standardises its training part in place), so no standardised copy is
/// made (the validation part of early stopping is then evaluated without the standardizer).
/// Given `writable` views of X_all and y_all (train()'s own memory), early stopping moves the
/// validation rows first and the training rows after them in place instead of copying them, and
/// puts every row back afterwards (not when training throws).
std::vector<EpochStats> fit_rows(Model& model, TensorView X_all, TensorView y_all,
                                 bool standardised,
                                 std::pair<MutableTensorView, MutableTensorView> writable,
                                 const FitOptions& options, const EpochCallback& on_epoch) {
  // In place only in one process: across processes (FitOptions::places) each holds a share of
  // the validation rows, which are copied out.
  const bool reorder =
      writable.first.data() != nullptr && !(options.reduce && !options.places.empty());
  const auto& [X_mut, y_mut] = writable;
  const std::size_t m_all = X_all.rows();
  if (m_all == 0) detail::fail("fit", "X", "expected at least one example");
  if (X_all.cols() != model.inputs()) {
    detail::fail("fit", "X", "expected {} feature columns, found {}", model.inputs(), X_all.cols());
  }
  if (y_all.shape() != Shape{m_all, 1}) {
    detail::fail("fit", "y", "expected shape {}x1, found {}", m_all, y_all.shape());
  }
  check_targets("fit", model, y_all);
  // Mini-batches split across processes: the examples of all processes decide.
  const bool split = options.reduce && options.split_batches;
  const auto sum_count = [&](std::size_t count) {
    std::array<double, 1> total{static_cast<double>(count)};
    if (split) options.reduce(total);
    return static_cast<std::size_t>(total[0]);
  };
  const std::size_t M_all = sum_count(m_all);
  check_fit_options(options, options.batch_size == 0 || options.batch_size >= M_all);

  // Early stopping: the first round(m f) examples of a seeded permutation validate.
  std::unique_ptr<EarlyStopping> early;
  Tensor X_kept, y_kept;
  TensorView X_rows = X_all, y = y_all;
  if (options.early_stopping) {
    const bool placed = options.reduce && !options.places.empty();
    const std::size_t total = placed ? options.total_examples : m_all;
    std::vector<std::size_t> perm = Rng(options.seed + 1).permutation(total);
    const auto held = static_cast<std::size_t>(
        std::llround(static_cast<double>(total) * options.validation_fraction));
    if (held == 0 || held >= total) {
      detail::fail("fit", "validation_fraction", "{} of {} leaves {}", options.validation_fraction,
                   detail::plural(total, "example"),
                   held == 0 ? "no example for validation" : "no example for training");
    }
    Model judge = model;
    if (standardised) judge.standardizer = {};
    if (reorder) {  // the same rows in the same order as the copies below, moved in place
      permute_rows(X_mut, y_mut, perm);  // uses perm up
      const std::size_t n = X_all.cols();
      early = std::make_unique<EarlyStopping>(
          std::move(judge), TensorView(X_all.data(), Shape{held, n}),
          TensorView(y_all.data(), Shape{held, 1}), Tensor(), Tensor(), options.patience);
      X_rows = TensorView(X_all.data() + held * n, Shape{m_all - held, n});
      y = TensorView(y_all.data() + held, Shape{m_all - held, 1});
    } else {
      std::size_t own_held = held;
      if (placed) {  // this process's examples among them, in the permutation's order
        if (options.places.size() != m_all) {
          detail::fail("fit", "places", "expected {}, found {}", detail::plural(m_all, "place"),
                       options.places.size());
        }
        std::vector<std::size_t> own;
        own_held = 0;
        for (std::size_t k = 0; k < total; ++k) {
          const auto it = std::lower_bound(options.places.begin(), options.places.end(), perm[k]);
          if (it == options.places.end() || *it != perm[k]) continue;
          own.push_back(static_cast<std::size_t>(it - options.places.begin()));
          own_held += k < held ? 1 : 0;
        }
        perm = std::move(own);
      }
      auto [Xv, yv] = take_rows(X_all, y_all, std::span(perm).first(own_held));
      early = std::make_unique<EarlyStopping>(std::move(judge), TensorView(), TensorView(),
                                              std::move(Xv), std::move(yv), options.patience);
      std::tie(X_kept, y_kept) = take_rows(X_all, y_all, std::span(perm).subspan(own_held));
      X_rows = X_kept;
      y = y_kept;
    }
  }
  const std::size_t m = X_rows.rows();

  // The features as trained on: X_rows itself when already standardised (or not standardised).
  Tensor Xs_own;
  if (!standardised && !model.standardizer.empty()) Xs_own = model.standardizer.apply(X_rows);
  const TensorView Xs = Xs_own.size() != 0 ? TensorView(Xs_own) : X_rows;
  // Regression fits the standardised target (y - mean) / scale.
  const bool scaled = model.task == Task::regression && !model.target_standardizer.empty();
  const Tensor ys_own = scaled ? model.target_standardizer.apply(y) : Tensor();
  const TensorView ys = scaled ? TensorView(ys_own) : y;

  // Batches: `main_count` of `batch` examples, then the others of `remainder` (split: the steps
  // one process would take on all M examples, each process's examples shared out evenly).
  const std::size_t M = split ? sum_count(m) : m;
  const std::size_t batch_all = options.batch_size == 0 ? M : std::min(options.batch_size, M);
  const OptimizerConfig config = resolve_optimizer(options.optimizer, model, batch_all == M);
  const std::size_t steps = (M + batch_all - 1) / batch_all;
  std::size_t batch = batch_all, main_count = m / batch, remainder = m % batch;
  if (split) {
    if (sum_count(m < steps ? 1 : 0) > 0) {  // on every process alike: one reports
      throw SharedError(
          steps == 1 ? std::string("fit: examples: a process holds none to train on (after the "
                                   "validation part was held out); use fewer processes")
                     : fmt::format("fit: batch_size: {} per batch makes {} steps per epoch, more "
                                   "than a process has examples; use larger batches or fewer "
                                   "processes",
                                   options.batch_size, steps),
          options.rank == 0);
    }
    batch = (m + steps - 1) / steps;
    remainder = m % steps == 0 ? 0 : m / steps;
    main_count = m % steps == 0 ? steps : m % steps;
  }
  // The threads of forward_backward, one pool shared by both graphs.
  BlockOptions blocks;
  blocks.threads = resolve_threads(options.threads);
  std::unique_ptr<ThreadPool> pool;
  if (blocks.threads > 1) {
    pool = std::make_unique<ThreadPool>(blocks.threads);
    blocks.pool = pool.get();
  }
  // Full batch: the tape reads Xs and ys where they lie (no copy).
  const bool borrow = batch == m && m >= 2;
  BatchGraph main(model, batch, options.weight_decay, blocks, borrow ? Xs : TensorView{},
                  borrow ? ys : TensorView{});
  std::unique_ptr<BatchGraph> tail;
  if (remainder > 0) {
    tail = std::make_unique<BatchGraph>(model, remainder, options.weight_decay, blocks);
  }
  main.tape->set_detect_anomalies(options.detect_anomalies);
  if (tail) tail->tape->set_detect_anomalies(options.detect_anomalies);

  // Data-parallel training: every process's count of steps checked, the examples counted.
  Reduction reduction(options.reduce, main.params);
  const std::size_t own_steps =
      main_count + (remainder > 0 ? (m - main_count * batch) / remainder : 0);
  const std::size_t m_total = reduction.start(m, own_steps);

  // The example order (mini-batches shuffle it); a borrowed full batch reads the rows in place
  // and needs none (8 bytes a row less).
  std::vector<std::size_t> order(main.borrowed ? 0 : m);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::vector<EpochStats> history;
  history.reserve(options.epochs);
  // After an epoch: validation, callback; true when early stopping says stop.
  auto finish_epoch = [&](EpochStats stats) {
    bool stop = false;
    if (early) {
      stop = early->after_epoch(stats.epoch, main.params, reduction, stats.validation_loss);
    }
    history.push_back(stats);
    if (on_epoch) on_epoch(stats);
    return stop;
  };
  auto rethrow = [](std::size_t epoch, const AnomalyError& e) {
    throw AnomalyError(fmt::format("fit: epoch {}: {}", epoch, e.what()), e.node());
  };

  if (config.kind == OptimizerKind::lbfgs) {
    // The parameters as one flat vector x; an evaluation replays the graph at x.
    main.load(Xs, ys, order);
    std::size_t size = 0;
    for (const MutableTensorView& p : main.params) size += p.size();
    std::vector<double> x(size), g(size);
    std::vector<std::size_t> corrects;  // per evaluation of the current iteration
    const Objective objective = [&](std::span<const double> at, std::span<double> grad) {
      std::size_t k = 0;
      for (const MutableTensorView& p : main.params) {
        for (double& v : p) v = at[k++];
      }
      std::size_t correct = 0;
      double f = main.run(correct);
      k = 0;
      for (const TensorView& d : main.grads) {
        for (double v : d) grad[k++] = v;
      }
      std::size_t count = m;
      f = reduction.sum(grad, f, count, correct);
      corrects.push_back(correct);
      return f;
    };
    auto write_params = [&] {
      std::size_t k = 0;
      for (const MutableTensorView& p : main.params) {
        for (double& v : p) v = x[k++];
      }
    };
    {
      std::size_t k = 0;
      for (const MutableTensorView& p : main.params) {
        for (double v : p) x[k++] = v;
      }
    }
    Lbfgs lbfgs(size, config.history, config.tolerance, config.min_decrease);
    double f = 0.0;
    try {
      f = objective(x, g);
    } catch (const AnomalyError& e) {
      rethrow(1, e);
    }
    std::size_t correct = corrects.back();
    for (std::size_t epoch = 1; epoch <= options.epochs; ++epoch) {
      const EpochStats stats{epoch, f, static_cast<double>(correct) / static_cast<double>(m_total)};
      corrects.clear();
      LbfgsStep step;
      try {
        step = lbfgs.iterate(x, f, g, objective);
      } catch (const AnomalyError& e) {
        rethrow(epoch, e);
      }
      write_params();  // the evaluations may have left a trial point in the leaves
      if (step.status == LbfgsStatus::converged || step.status == LbfgsStatus::line_search_failed) {
        break;
      }
      correct = corrects[step.accepted];
      if (finish_epoch(stats) || step.status == LbfgsStatus::stalled) break;
    }
    // Converged (or stuck) before the first step: the history still shows where training ended.
    if (history.empty()) {
      (void)finish_epoch({1, f, static_cast<double>(correct) / static_cast<double>(m_total)});
    }
  } else {
    Optimizer optimizer(config, [&] {
      std::vector<Shape> shapes;
      for (const Tensor& p : model.params) shapes.push_back(p.shape());
      return shapes;
    }());
    Rng rng(options.seed);
    for (std::size_t epoch = 1; epoch <= options.epochs; ++epoch) {
      const double rate = scheduled_learning_rate(config.schedule, config.learning_rate, epoch - 1);
      optimizer.set_learning_rate(rate);
      if (batch < m) rng.shuffle(std::span<std::size_t>(order));
      double loss_sum = 0.0;
      std::size_t correct = 0;
      for (std::size_t first = 0, step = 0; first < m;
           first += step < main_count ? batch : remainder, ++step) {
        const std::size_t count = step < main_count ? batch : remainder;
        BatchGraph& g = count == batch ? main : *tail;
        if (&g != &main) {  // share the parameters: copy them into the tail graph
          for (std::size_t i = 0; i < g.params.size(); ++i) {
            std::copy(main.params[i].begin(), main.params[i].end(), g.params[i].begin());
          }
        }
        if (!g.borrowed) g.load(Xs, ys, std::span<const std::size_t>(order).subspan(first, count));
        double f = 0.0;
        std::size_t step_correct = 0;
        try {
          f = g.run(step_correct);
        } catch (const AnomalyError& e) {
          rethrow(epoch, e);
        }
        if (reduction) {  // the gradient and cost of all processes' batches
          std::size_t step_count = count;
          f = reduction.sum(g.grads, f, step_count, step_correct);
          loss_sum += f * static_cast<double>(step_count);
          optimizer.step(main.params, reduction.grads());
        } else {
          loss_sum += f * static_cast<double>(count);
          optimizer.step(main.params, g.grads);  // p := p - α dp (or momentum / Adam)
        }
        correct += step_correct;
      }
      EpochStats stats{epoch, loss_sum / static_cast<double>(m_total),
                       static_cast<double>(correct) / static_cast<double>(m_total)};
      stats.learning_rate = rate;
      if (finish_epoch(stats)) break;
    }
  }
  if (early) early->restore(main.params);
  for (std::size_t i = 0; i < model.params.size(); ++i) {
    std::copy(main.params[i].begin(), main.params[i].end(), model.params[i].begin());
  }
  if (options.early_stopping && reorder) {
    // Every row back where it was: row k holds the given row perm[k] (the same permutation,
    // drawn again rather than kept through training), so row perm[k] takes row k.
    const std::vector<std::size_t> perm = Rng(options.seed + 1).permutation(m_all);
    std::vector<std::size_t> src(m_all);
    for (std::size_t k = 0; k < m_all; ++k) src[perm[k]] = k;
    permute_rows(X_mut, y_mut, src);
  }
  return history;
}

/// Rows per block when train() evaluates its parts (MetricsSum: the same metrics as all rows at
/// once).
constexpr std::size_t kEvaluateBlockRows = 16384;

/// model.evaluate(X, y) computed over blocks of rows, so that only one block is ever copied
/// (standardised, put on a tape). Should a block fail, evaluate() on all the rows gives the error
/// it always gave (rows numbered from the first of X, every check in its order).
Metrics evaluate_in_blocks(const Model& model, TensorView X, TensorView y, const Reducer& reduce) {
  MetricsSum sum(model);
  try {
    for (std::size_t first = 0; first < X.rows(); first += kEvaluateBlockRows) {
      const std::size_t count = std::min(kEvaluateBlockRows, X.rows() - first);
      sum.add(TensorView(X.data() + first * X.cols(), Shape{count, X.cols()}),
              TensorView(y.data() + first, Shape{count, 1}));
    }
  } catch (const Error&) {
    (void)model.evaluate(X, y);
    throw;
  }
  return sum.result(reduce);
}

}  // namespace

std::vector<EpochStats> fit(Model& model, TensorView X_all, TensorView y_all,
                            const FitOptions& options, const EpochCallback& on_epoch) {
  return fit_rows(model, X_all, y_all, /*standardised=*/false, {}, options, on_epoch);
}

TrainResult train(const Dataset& data, const TrainConfig& config, const EpochCallback& on_epoch) {
  Dataset copy;
  copy.X = Tensor(data.X.view());
  copy.y = Tensor(data.y.view());
  copy.feature_names = data.feature_names;
  copy.target_name = data.target_name;
  return train(std::move(copy), config, on_epoch);
}

TrainResult train(Dataset&& data, const TrainConfig& config, const EpochCallback& on_epoch) {
  if (data.y.shape() != Shape{data.size(), 1} || data.size() == 0) {
    detail::fail("train", "data", "expected labelled examples, found {} rows and labels {}",
                 data.size(), data.y.shape());
  }
  if (data.feature_names.size() != data.features()) {
    detail::fail("train", "data", "expected {} feature names, found {}", data.features(),
                 data.feature_names.size());
  }
  if (!(config.test_fraction >= 0.0 && config.test_fraction < 1.0)) {
    detail::fail("train_test_split", "test_fraction", "expected a value in [0, 1), found {}",
                 config.test_fraction);
  }
  // train_test_split's split, in place: the rows of its training part first, then those of its
  // test part, each in its order.
  // Data-parallel: this process's rows are rows [offset, offset + size) of all m_all.
  const Collective* shared =
      config.collective != nullptr && config.collective->sum ? config.collective : nullptr;
  const Reducer no_reducer;
  const Reducer& sum = shared != nullptr ? shared->sum : no_reducer;
  std::size_t m_all = data.size(), offset = 0;
  if (shared != nullptr) {
    std::vector<double> counts(shared->size, 0.0);
    counts.at(shared->rank) = static_cast<double>(m_all);
    sum(counts);
    m_all = 0;
    for (std::size_t r = 0; r < shared->size; ++r) {
      if (r == shared->rank) offset = m_all;
      m_all += static_cast<std::size_t>(counts[r]);
    }
  }
  std::vector<std::size_t> order = Rng(config.seed).permutation(m_all);
  const auto n_test =
      static_cast<std::size_t>(std::floor(static_cast<double>(m_all) * config.test_fraction + 0.5));
  const std::size_t m_train = m_all - n_test;
  if (m_train == 0) detail::fail("train", "test_fraction", "leaves no training data");
  if (config.batch_size > m_train) {
    detail::fail("train", "batch_size", "{} is larger than the training set ({})",
                 config.batch_size, detail::plural(m_train, "example"));
  }
  const Task task = task_of(config.kind, config.task);
  std::size_t outputs = 1;
  if (task == Task::multiclass) {  // k = largest label + 1, over the whole data set
    double top = 1.0;
    for (double label : data.y) {
      if (!(label >= 0.0 && label == std::floor(label) && label < 1e9)) {
        detail::fail("train", "data", "expected class labels 0, 1, 2, ..., found {}", label);
      }
      top = std::max(top, label);
    }
    if (shared != nullptr) {
      std::array<double, 1> most{top};
      shared->max(most);
      top = most[0];
    }
    outputs = static_cast<std::size_t>(top) + 1;
  }
  std::rotate(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n_test), order.end());
  // This process's rows in that order, and their places in the training part.
  std::vector<std::size_t> places;
  std::size_t own_train = m_train;
  if (shared != nullptr) {
    std::vector<std::size_t> own;
    own.reserve(data.size());
    for (std::size_t t = 0; t < m_all; ++t) {
      if (order[t] < offset || order[t] >= offset + data.size()) continue;
      own.push_back(order[t] - offset);
      if (t < m_train) places.push_back(t);
    }
    order = std::move(own);
    own_train = places.size();
    std::array<double, 1> without{own_train == 0 ? 1.0 : 0.0};
    sum(without);
    if (without[0] > 0) {
      throw SharedError(fmt::format("train: data: {} of the {} processes hold no training rows "
                                    "(after the test split of {} rows); use fewer processes",
                                    without[0], shared->size, m_all),
                        shared->rank == 0);
    }
  }
  permute_rows(data.X.mutable_view(), data.y.mutable_view(), order);
  // Freed before training (8 bytes a row): `order = {}` would keep the memory (the
  // initializer-list assignment empties a vector but keeps its capacity).
  order = std::vector<std::size_t>();
  const std::size_t n = data.features();
  const std::size_t own_test = data.size() - own_train;
  const MutableTensorView X_train(data.X.data(), Shape{own_train, n});
  const MutableTensorView y_train(data.y.data(), Shape{own_train, 1});
  const TensorView X_test(data.X.data() + own_train * n, Shape{own_test, n});
  const TensorView y_test(data.y.data() + own_train, Shape{own_test, 1});

  TrainResult result;
  if (config.kind == ModelKind::logreg) {
    result.model = make_logreg(n);
  } else if (config.kind == ModelKind::softmax) {
    result.model = make_softmax(n, outputs);
  } else if (config.kind == ModelKind::linear) {
    result.model = make_linear(n);
  } else {
    std::vector<std::size_t> sizes{n};
    sizes.insert(sizes.end(), config.hidden.begin(), config.hidden.end());
    sizes.push_back(outputs);
    result.model = make_mlp(std::move(sizes), config.activation, config.seed + 1, task);
  }
  result.model.feature_names = data.feature_names;
  result.model.target_name = data.target_name;
  if (config.standardize) {
    const Reducer& max = shared != nullptr ? shared->max : no_reducer;
    result.model.standardizer = Standardizer::fit(X_train, data.feature_names, sum, max);
    if (task == Task::regression) {
      const std::string target[] = {data.target_name};
      result.model.target_standardizer = Standardizer::fit(y_train, target, sum, max);
    }
  }

  FitOptions options;
  options.optimizer = config.optimizer;
  options.epochs = config.epochs;
  options.batch_size = config.batch_size;
  options.seed = config.seed + 2;
  options.detect_anomalies = config.detect_anomalies;
  const bool penalised = config.kind == ModelKind::logreg || config.kind == ModelKind::softmax;
  options.weight_decay =
      config.weight_decay.value_or(penalised ? 1.0 / static_cast<double>(m_train) : 0.0);
  options.early_stopping = config.early_stopping;
  options.validation_fraction = config.validation_fraction;
  options.patience = config.patience;
  options.threads = config.threads;
  if (shared != nullptr) {
    options.reduce = sum;
    options.places = std::move(places);
    options.total_examples = m_train;
    options.split_batches = true;
    options.rank = shared->rank;
  }
  // The training part is standardised where it lies (the numbers fit() would compute), and
  // evaluated so after training by the model without its feature standardizer.
  if (config.standardize) result.model.standardizer.apply_in_place(X_train);
  result.history = fit_rows(result.model, X_train, y_train, /*standardised=*/config.standardize,
                            {X_train, y_train}, options, on_epoch);
  result.optimizer = resolve_optimizer(config.optimizer, result.model,
                                       config.batch_size == 0 || config.batch_size >= m_train);
  result.weight_decay = options.weight_decay;
  if (config.early_stopping) {
    for (const EpochStats& e : result.history) {
      if (result.best_epoch == 0 ||
          e.validation_loss < result.history[result.best_epoch - 1].validation_loss) {
        result.best_epoch = e.epoch;
      }
    }
  }
  {
    Model on_standardised = result.model;
    on_standardised.standardizer = {};
    result.train = evaluate_in_blocks(on_standardised, X_train, y_train, sum);
  }
  if (n_test > 0) result.test = evaluate_in_blocks(result.model, X_test, y_test, sum);
  return result;
}

}  // namespace tapegrad
