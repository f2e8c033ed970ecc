// Training: the lecture's loop, run on a recorded graph.
//
// fit() records the cost of a batch once (record_cost in model.hpp),
//   Z = network(X),   J = (1/m) Σ_i L(z_i, y_i) + (λ/2) Σ_l ||W_l||²
// with L the log-loss of the logits (binary), the cross-entropy (multiclass) or the squared error
// (regression, against the standardised target when the model has a target standardizer), and
// the weight penalty only when weight_decay λ > 0 (weights, not biases: its gradient is λ W).
// It replays the graph for every batch: write the batch into the X and Y leaves, forward(),
// zero_grad(), backward(J) (for models with examples as rows, zero_grad() and
// Tape::forward_backward(J), which runs over blocks of rows where the graph allows), then one
// optimizer step on the parameters. Replay allocates nothing.
// With mini-batches whose size does not divide the number of examples, the last, shorter batch of
// each epoch runs on a second graph recorded for that size (the parameters are copied into it
// before each use, so both graphs share one set of parameters and one optimizer state).
//
// Full-batch training (batch_size 0 or >= m) uses the examples in their given order; mini-batch
// training reshuffles the example order every epoch with a portable Fisher-Yates shuffle
// (random.hpp). The loss and accuracy reported for an epoch are those of the parameters each
// batch saw before its update, averaged over the examples: for full-batch training exactly J and
// the accuracy at the start of that step.
//
// train() is the one-call entry point: seeded split, standardisation fitted on the training part,
// initialisation, fit(), evaluation on both parts. Multiclass data has k = (largest label + 1)
// classes, at least 2, counted over the whole data set before the split. Seeds: the split uses
// `seed`, the MLP initialisation `seed + 1`, the mini-batch shuffles `seed + 2`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "tapegrad/models/dataset.hpp"
#include "tapegrad/models/model.hpp"
#include "tapegrad/models/optimizer.hpp"

namespace tapegrad {

/// One epoch's progress, passed to the callback.
struct EpochStats {
  std::size_t epoch = 0;  ///< 1-based
  /// Mean training cost J over the epoch (before each batch's update), weight penalty included;
  /// regression: in standardised target units when the model standardises its target.
  double loss = 0.0;
  /// Training accuracy over the epoch (before each batch's update); 0 for regression.
  double accuracy = 0.0;
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
};

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
  double weight_decay = 0.0;     ///< L2 regularisation λ (FitOptions)
};

/// What train() produces.
struct TrainResult {
  Model model;                      ///< trained, with feature names, target and standardizers
  std::vector<EpochStats> history;  ///< one entry per epoch
  Metrics train;                    ///< on the training part, after training
  Metrics test;                     ///< on the test part (count 0 when test_fraction is 0)
};

/// Splits `data` (labelled), builds the model `config` describes, trains and evaluates it.
TrainResult train(const Dataset& data, const TrainConfig& config,
                  const EpochCallback& on_epoch = {});

}  // namespace tapegrad
