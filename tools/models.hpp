// What the model subcommands (train, predict, eval, demo, and graph / gradcheck on a saved model)
// share: progress lines, summaries, the loss graph of a saved model on data, predictions as CSV.
// Thin layers over the models library (models/*.hpp); the functions that take a Model and a
// Dataset are also what tests/fuzz/model_fuzz.cpp drives.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <tapegrad/tapegrad.hpp>

namespace tapegrad::tool {

/// Per-epoch progress on stderr: a live bar on a terminal, a plain line every tenth otherwise.
class Progress {
 public:
  Progress(std::string name, std::size_t epochs);
  void operator()(const EpochStats& s) const;

 private:
  std::string name_;
  std::size_t epochs_;
  bool tty_;
  std::size_t every_;
  std::chrono::steady_clock::time_point start_;
  mutable std::chrono::steady_clock::time_point last_draw_{};
};

/// Count, loss, accuracy and confusion counts as JSON.
[[nodiscard]] nlohmann::ordered_json metrics_json(const Metrics& m);
/// The confusion matrix at p >= 0.5, on stdout; `which` names the examples ("test set").
void print_confusion(const Metrics& m, std::string_view which);
/// The train (and test) rows of losses and accuracies, then the confusion matrix.
void print_summary(const TrainResult& r);
/// "mlp 30-16-8-1 (tanh); 200 epochs of adam (learning rate 0.01, batches of 64)".
[[nodiscard]] std::string describe(const TrainConfig& c, const TrainResult& r);
/// The loss history as CSV: epoch,loss,accuracy.
[[nodiscard]] std::string history_csv(const std::vector<EpochStats>& history);
/// The losses of a history, in epoch order.
[[nodiscard]] std::vector<double> losses(const std::vector<EpochStats>& history);

/// Fails (before training) when a column name of `data`, read from `path`, is not UTF-8 text,
/// which a model file (JSON) must hold.
void check_names_utf8(const Dataset& data, const std::string& path);

/// Writes `model` as JSON to `path` (see output.hpp for how a path is written).
void write_model(const Model& model, const std::string& path);

/// A saved model's loss graph on the first examples of a data set, after forward and backward.
struct ModelLoss {
  std::unique_ptr<Tape> tape = std::make_unique<Tape>();
  Var J;  ///< mean log-loss with logits over the examples
};

/// The loss graph of `model` on the first `rows` examples of labelled `data` (columns matched to
/// the model's features by name). Throws Error ("<who>: ...") for unlabelled data or rows 0.
[[nodiscard]] ModelLoss record_model_loss(const Model& model, const Dataset& data, std::size_t rows,
                                          std::string_view who);
/// As above on the CSV file `data_path`, labelled by `target` (default: the model's target).
[[nodiscard]] ModelLoss record_model_loss(const Model& model, const std::string& data_path,
                                          const std::string& target, std::size_t rows,
                                          std::string_view who);

/// `tapegrad predict`'s CSV: row,probability,class for every row of `data`. Throws Error when a
/// probability cannot be computed (see Model::predict_logits).
[[nodiscard]] std::string predictions_csv(const Model& model, const Dataset& data);

}  // namespace tapegrad::tool
