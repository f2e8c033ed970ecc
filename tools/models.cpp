// What the model subcommands share (see models.hpp).
#include "models.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>

#include <fmt/format.h>

#include "output.hpp"

namespace tapegrad::tool {
namespace {

/// The line on stderr (a terminal) while a CSV file loads: bytes read, rows, rows per second.
/// Drawn from a third of a second on, at most ten times a second, overwritten in place, and
/// cleared at the end of the file or when the reading is abandoned (an error).
class LoadLine {
 public:
  LoadLine() = default;
  LoadLine(const LoadLine&) = delete;
  LoadLine& operator=(const LoadLine&) = delete;
  ~LoadLine() { clear(); }

  void update(std::uintmax_t bytes, std::size_t rows, bool done) {
    if (done) {
      clear();
      return;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now - start_ < std::chrono::milliseconds(300) ||
        now - last_ < std::chrono::milliseconds(100)) {
      return;
    }
    last_ = now;
    const double seconds = std::chrono::duration<double>(now - start_).count();
    const std::string line = fmt::format("tapegrad: reading: {:.1f} MiB, {} rows, {:.0f} rows/s",
                                         static_cast<double>(bytes) / (1024.0 * 1024.0), rows,
                                         static_cast<double>(rows) / seconds);
    fmt::print(stderr, "\r{:<{}}", line, width_);
    std::fflush(stderr);
    width_ = std::max(width_, line.size());
  }

 private:
  void clear() noexcept {
    if (width_ == 0) return;
    std::fputc('\r', stderr);
    for (std::size_t i = 0; i < width_; ++i) std::fputc(' ', stderr);
    std::fputc('\r', stderr);
    std::fflush(stderr);
    width_ = 0;
  }

  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_{};
  std::size_t width_ = 0;  // of the longest line drawn; 0: nothing to clear
};

}  // namespace

std::size_t csv_block_rows() {
  if (const char* text = std::getenv("TAPEGRAD_CSV_BLOCK_ROWS"); text != nullptr && *text) {
    char* end = nullptr;
    const unsigned long long rows = std::strtoull(text, &end, 10);
    if (*end != '\0' || rows == 0) {
      detail::fail("TAPEGRAD_CSV_BLOCK_ROWS", "environment",
                   "expected a positive whole number of rows, found '{}'", detail::shown(text));
    }
    return static_cast<std::size_t>(rows);
  }
  return kCsvBlockRows;
}

CsvOptions CsvArgs::options(const std::string& target) const {
  CsvOptions o;
  o.target = target;
  if (sep == "," || sep == "comma") {
    o.separator = ',';
  } else if (sep == ";" || sep == "semicolon") {
    o.separator = ';';
  } else if (sep == "tab" || sep == "\t" || sep == "\\t") {
    o.separator = '\t';
  } else if (!sep.empty()) {
    detail::fail("--sep", "separator", "expected ',', ';' or 'tab', found '{}'",
                 detail::shown(sep));
  }
  o.ignore = ignore;
  o.id = id;
  o.missing = parse_missing_policy(missing);
  if (::isatty(STDERR_FILENO) == 1) {
    auto line = std::make_shared<LoadLine>();
    o.progress = [line](std::uintmax_t bytes, std::size_t rows, bool done) {
      line->update(bytes, rows, done);
    };
  }
  return o;
}

void report_reading(const Dataset& data, std::string_view who) {
  if (data.dropped > 0) {
    fmt::print(stderr, "tapegrad: {}: left out {} with missing values (--missing drop)\n", who,
               detail::plural(data.dropped, "row"));
  }
  if (data.filled > 0) {
    fmt::print(stderr, "tapegrad: {}: filled {} with the mean (--missing mean)\n", who,
               detail::plural(data.filled, "missing value"));
  }
  if (data.unseen > 0) {
    fmt::print(stderr,
               "tapegrad: {}: {} of categories not seen in training encoded as all zeros; the "
               "first: {}\n",
               who, detail::plural(data.unseen, "value"), data.first_unseen);
  }
}

Dataset read_for_model(const Model& model, const std::string& path, const std::string& target,
                       const CsvArgs& csv, std::string_view who) {
  Dataset data = read_csv(path, model_csv_options(model, csv.options(target)));
  if (!target.empty()) encode_target_for(data, model, shown_path(path));
  report_reading(data, who);
  return data;
}

std::size_t read_blocks_for_model(const Model& model, const std::string& path,
                                  const std::string& target, const CsvArgs& csv,
                                  std::string_view who,
                                  const std::function<void(const Dataset&)>& each) {
  const CsvOptions options = model_csv_options(model, csv.options(target));
  if (options.missing == MissingPolicy::mean && model.standardizer.empty()) {
    // The fill values are the file's own means: only the whole file gives them.
    const Dataset data = read_for_model(model, path, target, csv, who);
    each(data);
    return data.size();
  }
  CsvBlockReader reader(path, options, csv_block_rows());
  Dataset block;
  std::size_t kept = 0;
  while (reader.next(block)) {
    if (!target.empty()) encode_target_for(block, model, shown_path(path));
    each(block);
    kept += block.size();
  }
  Dataset totals;
  totals.dropped = reader.dropped();
  totals.filled = reader.filled();
  totals.unseen = reader.unseen();
  totals.first_unseen = reader.first_unseen();
  report_reading(totals, who);
  return kept;
}

std::vector<std::string> class_names(const Model& model) {
  if (!model.classes.empty()) return model.classes;
  std::vector<std::string> out;
  for (std::size_t c = 0; c < model.class_count(); ++c) out.push_back(std::to_string(c));
  return out;
}

Progress::Progress(std::string name, std::size_t epochs, bool accuracy)
    : name_(std::move(name)),
      epochs_(epochs),
      accuracy_(accuracy),
      tty_(::isatty(STDERR_FILENO) == 1),
      every_(std::max<std::size_t>(1, epochs / 10)),
      start_(std::chrono::steady_clock::now()) {
  std::fflush(stdout);  // what was printed before comes before the progress
}

void Progress::operator()(const EpochStats& s) const {
  if (!tty_) {
    if (s.epoch == 1 || s.epoch % every_ == 0 || s.epoch == epochs_) {
      if (accuracy_) {
        fmt::print(stderr, "{} epoch {}/{}: loss {:.6g}, accuracy {:.2f}%\n", name_, s.epoch,
                   epochs_, s.loss, 100.0 * s.accuracy);
      } else {
        fmt::print(stderr, "{} epoch {}/{}: loss {:.6g}\n", name_, s.epoch, epochs_, s.loss);
      }
    }
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  if (s.epoch < epochs_ && now - last_draw_ < std::chrono::milliseconds(50)) return;
  last_draw_ = now;  // at most 20 redraws a second, and always the last epoch
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double left = elapsed / static_cast<double>(s.epoch) *
                      static_cast<double>(epochs_ - std::min(s.epoch, epochs_));
  constexpr std::size_t width = 28;
  const std::size_t filled = width * s.epoch / std::max<std::size_t>(epochs_, 1);
  const std::string acc = accuracy_ ? fmt::format("  acc {:.1f}%", 100.0 * s.accuracy) : "";
  fmt::print(stderr, "\r{} [{}{}] epoch {}/{}  loss {:.4g}{}  {:.1f}s left   ", name_,
             std::string(filled, '#'), std::string(width - filled, '.'), s.epoch, epochs_, s.loss,
             acc, left);
  if (s.epoch >= epochs_) fmt::print(stderr, "\n");
}

nlohmann::ordered_json metrics_json(const Metrics& m, const std::vector<std::string>& classes) {
  nlohmann::ordered_json j{{"count", m.count}, {"loss", m.loss}};
  if (m.task == Task::regression) {
    j["mse"] = m.mse;
    j["rmse"] = m.rmse;
    j["mae"] = m.mae;
    j["r2"] = m.r2;
    return j;
  }
  j["accuracy"] = m.accuracy;
  j["classes"] = classes;
  j["confusion_matrix"] = m.class_confusion;
  j["precision"] = m.precision;
  j["recall"] = m.recall;
  if (m.task == Task::binary) {
    j["confusion"] = {{"true_positive", m.confusion.true_positive},
                      {"false_positive", m.confusion.false_positive},
                      {"true_negative", m.confusion.true_negative},
                      {"false_negative", m.confusion.false_negative}};
  }
  return j;
}

void print_confusion(const Metrics& m, const std::vector<std::string>& classes,
                     std::string_view which) {
  if (m.task == Task::regression) {
    fmt::print("Errors ({}, {}): RMSE {:.6g}, MAE {:.6g}, R² {:.6g}\n", which,
               detail::plural(m.count, "example"), m.rmse, m.mae, m.r2);
    return;
  }
  fmt::print("Confusion matrix ({}, {}{}; rows: actual, columns: predicted):\n", which,
             detail::plural(m.count, "example"),
             m.task == Task::binary ? ", threshold p >= 0.5" : "");
  std::vector<std::string> names;
  std::size_t first = std::string_view("precision").size();
  for (const std::string& c : classes) {
    names.push_back(detail::shown(c, 24));
    first = std::max(first, names.back().size());
  }
  std::vector<std::size_t> width;
  for (const std::string& name : names) width.push_back(std::max<std::size_t>(name.size(), 7));
  std::string line = fmt::format("  {:<{}}", "", first);
  for (std::size_t c = 0; c < names.size(); ++c)
    line += fmt::format("  {:>{}}", names[c], width[c]);
  fmt::print("{}   recall\n", line);
  for (std::size_t r = 0; r < names.size() && r < m.class_confusion.size(); ++r) {
    line = fmt::format("  {:<{}}", names[r], first);
    for (std::size_t c = 0; c < names.size(); ++c) {
      line += fmt::format("  {:>{}}", m.class_confusion[r][c], width[c]);
    }
    fmt::print("{}  {:>6.2f}%\n", line, 100.0 * m.recall[r]);
  }
  line = fmt::format("  {:<{}}", "precision", first);
  for (std::size_t c = 0; c < names.size() && c < m.precision.size(); ++c) {
    line += fmt::format("  {:>{}.2f}%", 100.0 * m.precision[c], width[c] - 1);
  }
  fmt::print("{}\n", line);
}

// Losses with 6 significant digits, as in the progress lines: 12 characters hold any of them
// (0.0623093, 1.23457e-05, 8.43348e+298), where a fixed format gives a diverging but finite run's
// loss in 300 digits.
void print_summary(const TrainResult& r) {
  const std::vector<std::string> classes =
      r.model.task == Task::regression ? std::vector<std::string>{} : class_names(r.model);
  if (r.train.task == Task::regression) {
    fmt::print("         {:>12}  {:>12}  {:>12}  {:>9}  {:>9}\n", "MSE", "RMSE", "MAE", "R²",
               "examples");
    const auto row = [](std::string_view name, const Metrics& m) {
      fmt::print("  {:<5}  {:>12.6g}  {:>12.6g}  {:>12.6g}  {:>9.6g}  {:>9}\n", name, m.mse, m.rmse,
                 m.mae, m.r2, m.count);
    };
    row("train", r.train);
    if (r.test.count > 0) row("test", r.test);
    return;
  }
  fmt::print("         {:>12}  {:>9}  {:>9}\n", "loss", "accuracy", "examples");
  fmt::print("  train  {:>12.6g}  {:>8.2f}%  {:>9}\n", r.train.loss, 100.0 * r.train.accuracy,
             r.train.count);
  if (r.test.count > 0) {
    fmt::print("  test   {:>12.6g}  {:>8.2f}%  {:>9}\n", r.test.loss, 100.0 * r.test.accuracy,
               r.test.count);
    print_confusion(r.test, classes, "test set");
  } else {
    print_confusion(r.train, classes, "training set");
  }
}

std::string describe(const TrainConfig& c, const TrainResult& r) {
  const Model& m = r.model;
  std::string arch = std::string(to_string(c.kind));
  if (c.kind == ModelKind::mlp) {
    std::string sizes;
    for (const std::size_t s : m.sizes) sizes += fmt::format("{}{}", sizes.empty() ? "" : "-", s);
    arch += fmt::format(" {} ({})", sizes, to_string(c.activation));
  }
  const std::size_t run = r.history.size();
  std::string how;
  if (r.optimizer.kind == OptimizerKind::lbfgs) {
    how = fmt::format("{} of lbfgs ({}, full batch", detail::plural(run, "iteration"),
                      run < c.epochs ? "converged" : "iteration limit reached");
  } else {
    how = fmt::format(
        "{} of {} (learning rate {}{}, {}", detail::plural(run, "epoch"),
        to_string(r.optimizer.kind), r.optimizer.learning_rate,
        r.optimizer.schedule.kind == ScheduleKind::constant
            ? std::string()
            : fmt::format(", {} schedule", to_string(r.optimizer.schedule.kind)),
        c.batch_size == 0 ? std::string("full batch") : fmt::format("batches of {}", c.batch_size));
  }
  if (r.weight_decay > 0.0) how += fmt::format(", weight decay {:.4g}", r.weight_decay);
  if (r.best_epoch > 0) how += fmt::format(", early stopping kept epoch {}", r.best_epoch);
  return arch + "; " + how + ")";
}

std::string history_csv(const std::vector<EpochStats>& history) {
  std::string csv = "epoch,loss,accuracy\n";
  for (const EpochStats& e : history) {
    csv += fmt::format("{},{},{}\n", e.epoch, e.loss, e.accuracy);
  }
  return csv;
}

std::vector<double> losses(const std::vector<EpochStats>& history) {
  std::vector<double> out;
  for (const EpochStats& e : history) out.push_back(e.loss);
  return out;
}

void check_names_utf8(const Dataset& data, const std::string& path) {
  std::vector<std::pair<std::string_view, const char*>> names;
  for (const std::string& name : data.feature_names) names.emplace_back(name, "column name");
  names.emplace_back(data.target_name, "column name");
  for (const std::string& name : data.classes) names.emplace_back(name, "class name");
  for (const auto& [name, what] : names) {
    if (!detail::is_utf8(name)) {
      detail::fail("train", "--save",
                   "the {} '{}' in {} is not UTF-8 text, which a model file (JSON) holds; "
                   "re-encode the file as UTF-8",
                   what, detail::shown_text(name), shown_path(path));
    }
  }
}

void write_model(const Model& model, const std::string& path) {
  write_output(path, model_to_json(model));
}

ModelLoss record_model_loss(const Model& model, const Dataset& data, std::size_t rows,
                            std::string_view who) {
  if (rows == 0) detail::fail(who, "--rows", "must be at least 1");
  if (data.y.shape() != Shape{data.size(), 1}) {
    detail::fail(who, "data", "expected labels (a target column), found none");
  }
  const std::size_t m = std::min(rows, data.size());
  if (m == 0) detail::fail(who, "data", "has no examples");
  const Dataset first = [&] {
    std::vector<std::size_t> head(m);
    for (std::size_t i = 0; i < m; ++i) head[i] = i;
    return select_rows(data, head);
  }();
  check_targets(who, model, first.y);
  Tensor X = select_features(first, model.feature_names);
  if (!model.standardizer.empty()) X = model.standardizer.apply(X);
  const Tensor Y = model.task == Task::regression && !model.target_standardizer.empty()
                       ? model.target_standardizer.apply(first.y)
                       : Tensor(first.y);
  ModelLoss out;
  out.examples = m;
  Tape& t = *out.tape;
  const NetworkGraph net = record_network(t, model, m, /*trainable=*/true);
  t.set(net.X, X);
  const Var y = t.input(Y, "Y");
  out.J = record_cost(model, net, y, 0.0).set_label("J");
  t.forward();
  t.backward(out.J);
  return out;
}

ModelLoss record_model_loss(const Model& model, const std::string& data_path,
                            const std::string& target, std::size_t rows, std::string_view who,
                            const CsvArgs& csv) {
  const Dataset data =
      read_for_model(model, data_path, target.empty() ? model.target_name : target, csv, who);
  return record_model_loss(model, data, rows, who);
}

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",;\t\"\r\n") == std::string_view::npos && !text.empty() &&
      text.front() != ' ' && text.back() != ' ') {
    return std::string(text);
  }
  std::string out = "\"";
  for (const char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string predictions_header(const Model& model, const Dataset& data) {
  std::string csv = data.id_name.empty() ? "row" : csv_field(data.id_name);
  if (model.task == Task::regression) return csv + ",prediction\n";
  csv += ",class";
  for (const std::string& name : class_names(model))
    csv += fmt::format(",{}", csv_field(fmt::format("p_{}", name)));
  return csv + "\n";
}

std::string predictions_rows(const Model& model, const Dataset& data, double threshold) {
  const auto row_label = [&](std::size_t i) {
    if (!data.ids.empty()) return csv_field(data.ids[i]);
    return std::to_string(data.source_rows.empty() ? i + 1 : data.source_rows[i]);
  };
  std::string csv;
  if (model.task == Task::regression) {
    const Tensor y = model.predict(data);
    for (std::size_t i = 0; i < y.rows(); ++i) csv += fmt::format("{},{}\n", row_label(i), y(i, 0));
    return csv;
  }
  const std::vector<std::string> names = class_names(model);
  // Binary: both probabilities from the logit, σ(-z) and σ(z), so neither loses its digits
  // to 1 - p (a p0 of 1e-20 stays 1e-20).
  const Tensor p = model.task == Task::binary
                       ? model.predict_logits(select_features(data, model.feature_names))
                       : model.predict_proba(data);
  for (std::size_t i = 0; i < p.rows(); ++i) {
    std::size_t best = 0;
    std::string probabilities;
    if (model.task == Task::binary) {
      const double p1 = detail::sigmoid_value(p(i, 0));
      best = p1 >= threshold ? 1 : 0;
      probabilities = fmt::format(",{},{}", detail::sigmoid_value(-p(i, 0)), p1);
    } else {
      for (std::size_t c = 0; c < p.cols(); ++c) {
        if (p(i, c) > p(i, best)) best = c;
        probabilities += fmt::format(",{}", p(i, c));
      }
    }
    csv += fmt::format("{},{}{}\n", row_label(i), csv_field(names[best]), probabilities);
  }
  return csv;
}

std::string predictions_csv(const Model& model, const Dataset& data, double threshold) {
  return predictions_header(model, data) + predictions_rows(model, data, threshold);
}

}  // namespace tapegrad::tool
