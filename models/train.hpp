// Training: the lecture's loop, run on a recorded graph.
//
// fit() records the cost of a batch once (record_cost in model.hpp),
//   Z = network(X),   J = (1/m) Σ_i L(z_i, y_i) + (λ/2) Σ_l ||W_l||²
// with L the log-loss of the logits (binary), the cross-entropy (multiclass) or the squared error
// (regression, against the standardised target when the model has a target standardizer), and
// the weight penalty only when weight_decay λ > 0 (weights, not biases: its gradient is λ W).
// It replays the graph for every batch: write the batch into the X and Y leaves (full-batch
// training writes nothing: the X and Y leaves borrow the rows and targets where they lie,
// Tape::input_view), zero_grad(), Tape::forward_backward(J), which runs forward and backward over
// cache-sized blocks of rows (every model stores examples as rows, its cost is the mean of a
// per-row loss plus a penalty of the params only, and anomaly detection checks the blocks), then
// one optimizer step on the parameters. Replay allocates nothing. A full-batch graph keeps the
// per-example nodes' gradients block by block only (Tape::set_local_gradients) and places their
// values once at their final size, so its tape holds one value per per-example element.
//
// Threads (FitOptions::threads, TrainConfig::threads; 0, the default, means all cores,
// std::thread::hardware_concurrency): forward_backward shares a batch's blocks out over one pool
// of worker threads started by fit() and kept for the whole training. The results are
// deterministic for a given thread count (each thread sums over a fixed range of blocks, the
// sums are added in thread order); different counts agree up to the order of those sums (about
// 1e-15 relative per gradient). A batch of fewer blocks than threads (about 256 KiB of values
// and gradients per block) uses fewer threads.
// With mini-batches whose size does not divide the number of examples, the last, shorter batch of
// each epoch runs on a second graph recorded for that size (the parameters are copied into it
// before each use, so both graphs share one set of parameters and one optimizer state).
//
// The optimizer: OptimizerKind::automatic (the default) is L-BFGS for full-batch logistic,
// softmax and linear regression, Adam otherwise; a learning rate of 0 is the rule's default
// (default_learning_rate). With L-BFGS an "epoch" is one iteration (one line search, usually
// one or two replays of the graph), `epochs` is the iteration limit, and training ends early
// when the gradient's largest component is at most OptimizerConfig::tolerance or the loss stops
// decreasing (optimizer.hpp), so the history can be shorter than `epochs` (never empty: when the
// start is already converged it holds that one point as epoch 1). With gd, momentum and
// Adam the schedule sets the learning rate of each epoch.
//
// Early stopping (FitOptions::early_stopping): fit() holds out round(m · validation_fraction)
// examples, chosen by Rng(seed + 1).permutation(m) (the first ones), trains on the rest, and
// after every epoch computes the validation loss (Metrics::loss of the current parameters:
// log-loss, cross-entropy, or mean squared error in the target's units). It stops after
// `patience` epochs in a row without a validation loss strictly below the best so far, and
// restores the parameters of the best epoch (the first one reaching the lowest loss). fit()
// copies the two parts of its const rows; train() moves them in place in its own data set (the
// validation rows first, then the training rows, in the same order) and puts every row back
// after training, so that early stopping copies no rows there.
//
// Full-batch training (batch_size 0 or >= m) uses the examples in their given order; mini-batch
// training reshuffles the example order every epoch with a portable Fisher-Yates shuffle
// (random.hpp). The loss and accuracy reported for an epoch are those of the parameters each
// batch saw before its update, averaged over the examples: for full-batch training exactly J and
// the accuracy at the start of that step.
//
// Data-parallel training (FitOptions::reduce): P processes (an MPI job's ranks, say) each call
// fit() with the same initial model and options on their own m_r examples. After every gradient
// evaluation (each gd, momentum or Adam step, each L-BFGS function evaluation, line searches
// included) fit() hands `reduce` one vector: m_r times the gradient, m_r J_r, m_r and the count
// of correct predictions; the sums divided by M = Σ m_r give the gradient and cost of the mean
// over all M examples (the weight penalty, the same on every process, comes out once), so every
// process applies the same update, and the result is single-process training on all M examples
// up to the order of the sums. The first call sums (1, steps per epoch, steps²) to check that all
// processes take the same number of steps per epoch (mini-batches: ceil(m_r / batch_size) must
// agree), failing on every process alike otherwise. Early stopping holds out the validation part
// of each process's own examples and sums (loss · count, count) of the validation losses. Every
// process must make the same calls: a process that throws (an anomaly, a bad option) leaves the
// others waiting in `reduce`, so a caller such as the tool's MPI mode stops them all.
//
// train() is the one-call entry point: seeded split, standardisation fitted on the training part,
// initialisation, fit(), evaluation on both parts. Given its data set by rvalue, it works in the
// data set's own storage (rows reordered, training part standardised in place, both parts
// evaluated in blocks of rows), with the results of the copying overload bit for bit. Unless
// TrainConfig::weight_decay is set, it is λ = 1 / m_train for logistic and softmax regression
// (scikit-learn's default C = 1: its cost Σ L + (1 / 2C) ||W||² divided by m is ours) and 0 for
// linear regression and MLPs. Multiclass data has k = (largest label + 1) classes, at least 2,
// counted over the whole data set before the split. Seeds: the split uses `seed`, the MLP
// initialisation `seed + 1`, the mini-batch shuffles `seed + 2`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "tapegrad/models/dataset.hpp"
#include "tapegrad/models/model.hpp"
#include "tapegrad/models/optimizer.hpp"
#include "tapegrad/models/parallel.hpp"

namespace tapegrad {

/// One epoch's progress, passed to the callback.
struct EpochStats {
  std::size_t epoch = 0;  ///< 1-based
  /// Mean training cost J over the epoch (before each batch's update), weight penalty included;
  /// regression: in standardised target units when the model standardises its target.
  double loss = 0.0;
  /// Training accuracy over the epoch (before each batch's update); 0 for regression.
  double accuracy = 0.0;
  /// With early stopping: the validation loss after the epoch's updates; otherwise 0.
  double validation_loss = 0.0;
  /// The learning rate of the epoch (gd, momentum, adam); 0 for L-BFGS.
  double learning_rate = 0.0;
};

/// Called after every epoch, e.g. for a progress bar or a loss plot.
using EpochCallback = std::function<void(const EpochStats&)>;

/// How fit() trains.
struct FitOptions {
  OptimizerConfig optimizer;   ///< update rule and learning rate
  std::size_t epochs = 100;    ///< number of passes over the data
  std::size_t batch_size = 0;  ///< examples per step; 0 (or >= m) for full batch
  std::uint64_t seed = 0;      ///< seeds the per-epoch shuffles of mini-batch training
  /// Stop at the first non-finite value or gradient with an AnomalyError ("fit: epoch E: ...")
  /// instead of training on NaN (see Tape::set_detect_anomalies).
  bool detect_anomalies = false;
  /// L2 regularisation λ >= 0: adds (λ/2) Σ ||W||² over the weights (not the biases) to the cost.
  double weight_decay = 0.0;
  /// Hold out validation_fraction of the examples, stop after `patience` epochs without a better
  /// validation loss, restore the best parameters (see the top of this file).
  bool early_stopping = false;
  double validation_fraction = 0.1;  ///< in (0, 1), leaving examples on both sides
  std::size_t patience = 10;         ///< >= 1
  /// Threads of Tape::forward_backward, the calling thread included; 0: all cores
  /// (resolve_threads).
  std::size_t threads = 0;
  /// Data-parallel training (see the top of this file): when set, every process calls fit() on
  /// its own share of the examples with the same model and options, and fit() sums each
  /// gradient evaluation's numbers across them with `reduce`. Unset: one process.
  Reducer reduce;
  /// With `reduce`, train()'s data-parallel training: the places of this process's examples in
  /// the whole training set (ascending, each in 0..total_examples-1), so that early stopping
  /// holds out the examples one process would (the first round(total_examples f) of
  /// Rng(seed + 1).permutation(total_examples)). Empty: each process holds out part of its own.
  std::vector<std::size_t> places;
  std::size_t total_examples = 0;  ///< with `places`: the examples of all processes
  /// With `reduce` and mini-batches: every process splits its examples into the number of steps
  /// one process would take on all M of them, ceil(M / batch_size), as batches of nearly equal
  /// size (differing by at most one example), so that all take the same number of steps and each
  /// step sums about batch_size examples over the processes. False: batches of batch_size
  /// examples of each process's own (every process must then take as many).
  bool split_batches = false;
  /// With `reduce`: this process's number. A check that fails on every process alike (batches
  /// split too finely) throws SharedError (parallel.hpp), whose report() is true on process 0.
  std::size_t rank = 0;
};

/// The thread count fit() uses for FitOptions::threads: `threads`, or for 0 the number of cores
/// (std::thread::hardware_concurrency, at least 1).
std::size_t resolve_threads(std::size_t threads) noexcept;

/// `config` with `automatic`, a learning rate of 0 and a tolerance of 0 replaced by what fit()
/// uses for `model`: lbfgs when full_batch and the model is not an MLP, adam otherwise;
/// default_learning_rate; tolerance 1e-10 for linear regression, 1e-4 otherwise.
OptimizerConfig resolve_optimizer(const OptimizerConfig& config, const Model& model,
                                  bool full_batch) noexcept;

/// Trains `model` in place on rows X (m x n raw features; the model's standardizer, if any, is
/// applied) and labels or targets y (m x 1; regression targets pass through the model's target
/// standardizer, if any). Returns the per-epoch statistics.
std::vector<EpochStats> fit(Model& model, TensorView X_rows, TensorView y,
                            const FitOptions& options, const EpochCallback& on_epoch = {});

/// Everything train() needs.
struct TrainConfig {
  ModelKind kind = ModelKind::logreg;        ///< logreg, softmax, linear or MLP
  std::vector<std::size_t> hidden = {16};    ///< MLP hidden layer widths (ignored for logreg)
  Activation activation = Activation::tanh;  ///< MLP hidden activation
  OptimizerConfig optimizer;                 ///< update rule and learning rate
  std::size_t epochs = 100;                  ///< passes over the training part
  std::size_t batch_size = 0;    ///< 0 for full batch; train() rejects more than the training set
  std::uint64_t seed = 0;        ///< split: seed, MLP init: seed + 1, shuffles: seed + 2
  double test_fraction = 0.2;    ///< in [0, 1); 0 trains on everything
  bool standardize = true;       ///< fit a z-score standardizer on the training part
  bool detect_anomalies = true;  ///< stop at the first non-finite value (FitOptions)
  Task task = Task::binary;      ///< an MLP's task (the other kinds imply theirs)
  /// L2 regularisation λ (FitOptions); unset: 1 / m_train for logreg and softmax (scikit-learn's
  /// C = 1), 0 for linear and MLP.
  std::optional<double> weight_decay;
  bool early_stopping = false;       ///< FitOptions::early_stopping
  double validation_fraction = 0.1;  ///< of the training part (FitOptions)
  std::size_t patience = 10;         ///< FitOptions::patience
  std::size_t threads = 0;           ///< FitOptions::threads: 0 for all cores
  /// Data-parallel training (parallel.hpp): when set, every process of the job calls train()
  /// with its own rows (rows row_offset.. of all processes' rows in file order, as
  /// read_csv_shared gives them) and the same config. The split, the validation part and the
  /// standardisation are those one process would make on all the rows; each step sums the
  /// processes' gradients (FitOptions::reduce) and mini-batches are split across them
  /// (FitOptions::split_batches); the metrics are over all rows. The result is one process's on
  /// all the rows up to the order of the sums (for full-batch training); mini-batch training is
  /// deterministic for a given number of processes and seed.
  const Collective* collective = nullptr;
};

/// What train() produces.
struct TrainResult {
  Model model;                      ///< trained, with feature names, target and standardizers
  std::vector<EpochStats> history;  ///< one entry per epoch
  Metrics train;                    ///< on the training part, after training
  Metrics test;                     ///< on the test part (count 0 when test_fraction is 0)
  OptimizerConfig optimizer;        ///< as used (resolve_optimizer)
  double weight_decay = 0.0;        ///< λ as used
  /// With early stopping: the epoch whose parameters were kept (lowest validation loss); else 0.
  std::size_t best_epoch = 0;
};

/// Splits `data` (labelled), builds the model `config` describes, trains and evaluates it.
/// Works on a copy of data.X and data.y (the overload below without it).
TrainResult train(const Dataset& data, const TrainConfig& config,
                  const EpochCallback& on_epoch = {});
/// The same result, bit for bit, using `data`'s own storage: its rows are reordered in place
/// (the training part first, then the test part, as train_test_split orders them) and the
/// training part's features standardised in place, so that no copy of the data set is made.
/// Afterwards `data` is valid but unspecified (rows reordered, features partly standardised).
TrainResult train(Dataset&& data, const TrainConfig& config, const EpochCallback& on_epoch = {});

}  // namespace tapegrad
