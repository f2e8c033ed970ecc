// What the model subcommands share (see models.hpp).
#include "models.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include <fmt/format.h>

#include "output.hpp"

namespace tapegrad::tool {

Progress::Progress(std::string name, std::size_t epochs)
    : name_(std::move(name)),
      epochs_(epochs),
      tty_(::isatty(STDERR_FILENO) == 1),
      every_(std::max<std::size_t>(1, epochs / 10)),
      start_(std::chrono::steady_clock::now()) {
  std::fflush(stdout);  // what was printed before comes before the progress
}

void Progress::operator()(const EpochStats& s) const {
  if (!tty_) {
    if (s.epoch == 1 || s.epoch % every_ == 0 || s.epoch == epochs_) {
      fmt::print(stderr, "{} epoch {}/{}: loss {:.6g}, accuracy {:.2f}%\n", name_, s.epoch, epochs_,
                 s.loss, 100.0 * s.accuracy);
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
  fmt::print(stderr, "\r{} [{}{}] epoch {}/{}  loss {:.4g}  acc {:.1f}%  {:.1f}s left   ", name_,
             std::string(filled, '#'), std::string(width - filled, '.'), s.epoch, epochs_, s.loss,
             100.0 * s.accuracy, left);
  if (s.epoch >= epochs_) fmt::print(stderr, "\n");
}

nlohmann::ordered_json metrics_json(const Metrics& m) {
  return {{"count", m.count},
          {"loss", m.loss},
          {"accuracy", m.accuracy},
          {"confusion",
           {{"true_positive", m.confusion.true_positive},
            {"false_positive", m.confusion.false_positive},
            {"true_negative", m.confusion.true_negative},
            {"false_negative", m.confusion.false_negative}}}};
}

void print_confusion(const Metrics& m, std::string_view which) {
  const ConfusionMatrix& c = m.confusion;
  fmt::print("Confusion matrix ({}, {}, threshold p >= 0.5):\n", which,
             detail::plural(m.count, "example"));
  fmt::print("              predicted 0  predicted 1\n");
  fmt::print("  actual 0    {:>11}  {:>11}\n", c.true_negative, c.false_positive);
  fmt::print("  actual 1    {:>11}  {:>11}\n", c.false_negative, c.true_positive);
}

// Losses with 6 significant digits, as in the progress lines: 12 characters hold any of them
// (0.0623093, 1.23457e-05, 8.43348e+298), where a fixed format gives a diverging but finite run's
// loss in 300 digits.
void print_summary(const TrainResult& r) {
  fmt::print("         {:>12}  {:>9}  {:>9}\n", "loss", "accuracy", "examples");
  fmt::print("  train  {:>12.6g}  {:>8.2f}%  {:>9}\n", r.train.loss, 100.0 * r.train.accuracy,
             r.train.count);
  if (r.test.count > 0) {
    fmt::print("  test   {:>12.6g}  {:>8.2f}%  {:>9}\n", r.test.loss, 100.0 * r.test.accuracy,
               r.test.count);
    print_confusion(r.test, "test set");
  } else {
    print_confusion(r.train, "training set");
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
  std::vector<std::string_view> names(data.feature_names.begin(), data.feature_names.end());
  names.push_back(data.target_name);
  for (const std::string_view name : names) {
    if (!detail::is_utf8(name)) {
      detail::fail("train", "--save",
                   "the column name '{}' in {} is not UTF-8 text, which a model file (JSON) "
                   "holds; re-encode the file as UTF-8",
                   detail::shown_text(name), shown_path(path));
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
  Tensor X = select_features(data, model.feature_names);
  if (!model.standardizer.empty()) X = model.standardizer.apply(X);
  Tensor Xt(model.inputs(), m), Y(1, m);
  for (std::size_t i = 0; i < m; ++i) {
    for (std::size_t j = 0; j < model.inputs(); ++j) Xt(j, i) = X(i, j);
    Y(0, i) = data.y(i, 0);
  }
  ModelLoss out;
  Tape& t = *out.tape;
  const NetworkGraph net = record_network(t, model, m, /*trainable=*/true);
  t.set(net.X, Xt);
  const Var y = t.input(Y, "Y");
  out.J = mean(log_loss_with_logits(net.Z, y)).set_label("J");
  t.forward();
  t.backward(out.J);
  return out;
}

ModelLoss record_model_loss(const Model& model, const std::string& data_path,
                            const std::string& target, std::size_t rows, std::string_view who) {
  const Dataset data = read_csv(data_path, target.empty() ? model.target_name : target);
  return record_model_loss(model, data, rows, who);
}

std::string predictions_csv(const Model& model, const Dataset& data) {
  const Tensor p = model.predict_proba(data);
  std::string csv = "row,probability,class\n";
  for (std::size_t i = 0; i < p.rows(); ++i) {
    csv += fmt::format("{},{:.6f},{}\n", i + 1, p(i, 0), p(i, 0) >= 0.5 ? 1 : 0);
  }
  return csv;
}

}  // namespace tapegrad::tool
