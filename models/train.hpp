// Training: the lecture's loop, run on a recorded graph.
//
// fit() records the cost of a batch once,
//   Z = network(X),   J = (1/m) Σ_i log_loss_with_logits(z_i, y_i),
// and replays it for every batch: write the batch into the X and Y leaves, forward(),
// zero_grad(), backward(J), then one optimizer step on the parameters. Replay allocates nothing.
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
// initialisation, fit(), evaluation on both parts. Seeds: the split uses `seed`, the MLP
// initialisation `seed + 1`, the mini-batch shuffles `seed + 2`.
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
  double loss = 0.0;      ///< mean training loss over the epoch (before each batch's update)
  double accuracy = 0.0;  ///< training accuracy over the epoch (before each batch's update)
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
};

/// Trains `model` in place on rows X (m x n raw features; the model's standardizer, if any, is
/// applied) and labels y (m x 1). Returns the per-epoch statistics.
std::vector<EpochStats> fit(Model& model, TensorView X_rows, TensorView y,
                            const FitOptions& options, const EpochCallback& on_epoch = {});

/// Everything train() needs.
struct TrainConfig {
  ModelKind kind = ModelKind::logreg;        ///< logistic regression or MLP
  std::vector<std::size_t> hidden = {16};    ///< MLP hidden layer widths (ignored for logreg)
  Activation activation = Activation::tanh;  ///< MLP hidden activation
  OptimizerConfig optimizer;                 ///< update rule and learning rate
  std::size_t epochs = 100;                  ///< passes over the training part
  std::size_t batch_size = 0;    ///< 0 for full batch; train() rejects more than the training set
  std::uint64_t seed = 0;        ///< split: seed, MLP init: seed + 1, shuffles: seed + 2
  double test_fraction = 0.2;    ///< in [0, 1); 0 trains on everything
  bool standardize = true;       ///< fit a z-score standardizer on the training part
  bool detect_anomalies = true;  ///< stop at the first non-finite value (FitOptions)
};

/// What train() produces.
struct TrainResult {
  Model model;                      ///< trained, with feature names, target and standardizer
  std::vector<EpochStats> history;  ///< one entry per epoch
  Metrics train;                    ///< on the training part, after training
  Metrics test;                     ///< on the test part (count 0 when test_fraction is 0)
};

/// Splits `data` (labelled), builds the model `config` describes, trains and evaluates it.
TrainResult train(const Dataset& data, const TrainConfig& config,
                  const EpochCallback& on_epoch = {});

}  // namespace tapegrad
