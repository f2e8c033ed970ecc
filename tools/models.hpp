// What the model subcommands (train, predict, eval, demo, and graph / gradcheck on a saved model)
// share: progress lines, summaries, the loss graph of a saved model on data, predictions as CSV.
// Thin layers over the models library (models/*.hpp); the functions that take a Model and a
// Dataset are also what tests/fuzz/model_fuzz.cpp drives.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <tapegrad/tapegrad.hpp>

namespace CLI {
class App;
}  // namespace CLI

namespace tapegrad::tool {

/// The CSV options train, predict, eval, graph and gradcheck share: --sep, --ignore, --id and
/// --missing.
struct CsvArgs {
  std::string sep;                  ///< "", ",", ";", "tab" (or a tab), "comma", "semicolon"
  std::vector<std::string> ignore;  ///< --ignore COL,...
  std::string id;                   ///< --id COL
  std::string missing = "error";    ///< --missing error|drop|mean
  /// Adds the options to `cmd`; `ignore_and_id` adds --ignore and --id too (in cli.cpp, which
  /// holds the command line's checks).
  void add_to(CLI::App& cmd, bool ignore_and_id);
  /// The reading options these arguments give, with target column `target`.
  [[nodiscard]] CsvOptions options(const std::string& target) const;
};

/// Notes on stderr about what reading `path` did: rows dropped, values filled, unseen categories
/// ("tapegrad: predict: 2 values of categories not seen in training were encoded as all zeros;
/// the first: data.csv:5:3: 'purple' in column 'color'").
void report_reading(const Dataset& data, std::string_view who);

/// `path` read for `model` (only its columns, its categories, its training means as fill), the
/// target `target` (empty: unlabelled) mapped to the model's labels.
[[nodiscard]] Dataset read_for_model(const Model& model, const std::string& path,
                                     const std::string& target, const CsvArgs& csv,
                                     std::string_view who);

/// Rows per block when eval and predict read a file in blocks.
inline constexpr std::size_t kCsvBlockRows = 16384;

/// kCsvBlockRows, or for tests only the environment variable TAPEGRAD_CSV_BLOCK_ROWS (a
/// positive whole number; anything else fails), so that small files span several blocks.
[[nodiscard]] std::size_t csv_block_rows();

/// Reads `path` for `model` as read_for_model does, but a block of rows at a time
/// (CsvBlockReader, csv_block_rows() rows), calling `each` on every block in file order, so that
/// memory holds one block. Targets are mapped to the model's labels block by block; the notes on
/// reading go to stderr at the end. With --missing mean and a model trained without
/// standardisation the fill values are the file's means, so the whole file is read as one block.
/// Returns the number of rows passed to `each`.
std::size_t read_blocks_for_model(const Model& model, const std::string& path,
                                  const std::string& target, const CsvArgs& csv,
                                  std::string_view who,
                                  const std::function<void(const Dataset&)>& each);

/// The names of a classifier's classes: model.classes, or "0", "1", ... for plain labels.
[[nodiscard]] std::vector<std::string> class_names(const Model& model);

/// Per-epoch progress on stderr: a live bar on a terminal, a plain line every tenth otherwise.
class Progress {
 public:
  /// `accuracy`: show the accuracy (classification), else only the loss.
  Progress(std::string name, std::size_t epochs, bool accuracy = true);
  void operator()(const EpochStats& s) const;

 private:
  std::string name_;
  std::size_t epochs_;
  bool accuracy_;
  bool tty_;
  std::size_t every_;
  std::chrono::steady_clock::time_point start_;
  mutable std::chrono::steady_clock::time_point last_draw_{};
};

/// Metrics as JSON: count and loss; classification: accuracy, classes, the k x k confusion
/// matrix (rows actual, columns predicted), precision and recall per class (binary also the
/// four counts at the 0.5 threshold); regression: mse, rmse, mae and r2.
[[nodiscard]] nlohmann::ordered_json metrics_json(const Metrics& m,
                                                  const std::vector<std::string>& classes);
/// Classification: the k x k confusion matrix with per-class precision and recall; regression:
/// RMSE, MAE and R². On stdout; `which` names the examples ("test set").
void print_confusion(const Metrics& m, const std::vector<std::string>& classes,
                     std::string_view which);
/// The train (and test) rows of losses and accuracies (or regression errors), then the confusion
/// matrix or the regression errors.
/// The classes are r.model's (class_names).
void print_summary(const TrainResult& r);
/// "mlp 30-16-8-1 (tanh); 200 epochs of adam (learning rate 0.01, batches of 64)".
[[nodiscard]] std::string describe(const TrainConfig& c, const TrainResult& r);
/// The loss history as CSV: epoch,loss,accuracy.
[[nodiscard]] std::string history_csv(const std::vector<EpochStats>& history);
/// The losses of a history, in epoch order.
[[nodiscard]] std::vector<double> losses(const std::vector<EpochStats>& history);

/// Fails (before training) when a column name, class or category of `data`, read from `path`, is
/// not UTF-8 text, which a model file (JSON) must hold.
void check_names_utf8(const Dataset& data, const std::string& path);

/// Writes `model` as JSON to `path` (see output.hpp for how a path is written).
void write_model(const Model& model, const std::string& path);

/// A saved model's loss graph on the first examples of a data set, after forward and backward.
struct ModelLoss {
  std::unique_ptr<Tape> tape = std::make_unique<Tape>();
  Var J;  ///< the training cost (record_cost, no weight penalty) over the examples
  std::size_t examples = 0;  ///< number of examples in the graph
};

/// The loss graph of `model` on the first `rows` examples of labelled `data` (columns matched to
/// the model's features by name, targets already the model's labels): its training cost,
/// record_cost in model.hpp. Throws Error ("<who>: ...") for unlabelled data or rows 0.
[[nodiscard]] ModelLoss record_model_loss(const Model& model, const Dataset& data, std::size_t rows,
                                          std::string_view who);
/// As above on the CSV file `data_path`, labelled by `target` (default: the model's target).
[[nodiscard]] ModelLoss record_model_loss(const Model& model, const std::string& data_path,
                                          const std::string& target, std::size_t rows,
                                          std::string_view who, const CsvArgs& csv = {});

/// `tapegrad predict`'s CSV for every row of `data`: the id (data.ids under data.id_name) or
/// the row number ("row", counting data rows from 1), then for a classifier "class" (the
/// predicted class's name) and one probability column "p_<class>" per class, for regression
/// "prediction" in the target's units. Numbers are printed in shortest round-trip form. A binary
/// model predicts its second class where p >= `threshold`. Throws Error when a probability
/// cannot be computed (see Model::predict_logits).
[[nodiscard]] std::string predictions_csv(const Model& model, const Dataset& data,
                                          double threshold = 0.5);

/// predictions_csv's header line (with its line end).
[[nodiscard]] std::string predictions_header(const Model& model, const Dataset& data);
/// predictions_csv's lines for the rows of `data`, without the header (for data read in blocks).
[[nodiscard]] std::string predictions_rows(const Model& model, const Dataset& data,
                                           double threshold = 0.5);

/// `text` as one CSV field: quoted (doubling quotes) when it holds a comma, quote or line break.
[[nodiscard]] std::string csv_field(std::string_view text);

}  // namespace tapegrad::tool
