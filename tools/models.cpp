// `tapegrad train`, `predict`, `eval`, `demo`, and `graph` / `gradcheck` on a saved model: thin
// wrappers over the models layer (models/*.hpp).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "plot.hpp"

#ifndef TAPEGRAD_DATA_DIR
#define TAPEGRAD_DATA_DIR "data"
#endif

namespace tapegrad::tool {
namespace {

using Json = nlohmann::ordered_json;
namespace fs = std::filesystem;

// Fails before any work when an output file's folder does not exist.
void check_output(const std::string& path, std::string_view option) {
  if (path.empty()) return;
  const fs::path parent = fs::absolute(fs::path(path)).parent_path();
  if (!fs::is_directory(parent)) {
    detail::fail(option, path, "folder {} does not exist", parent.string());
  }
  if (fs::is_directory(path)) detail::fail(option, path, "is a folder");
}

// Per-epoch progress on stderr: a live bar on a terminal, a plain line every tenth otherwise.
class Progress {
 public:
  Progress(std::string name, std::size_t epochs)
      : name_(std::move(name)),
        epochs_(epochs),
        tty_(::isatty(STDERR_FILENO) == 1),
        every_(std::max<std::size_t>(1, epochs / 10)),
        start_(std::chrono::steady_clock::now()) {
    std::fflush(stdout);  // what was printed before comes before the progress
  }

  void operator()(const EpochStats& s) const {
    if (!tty_) {
      if (s.epoch == 1 || s.epoch % every_ == 0 || s.epoch == epochs_) {
        fmt::print(stderr, "{} epoch {}/{}: loss {:.6g}, accuracy {:.2f}%\n", name_, s.epoch,
                   epochs_, s.loss, 100.0 * s.accuracy);
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

 private:
  std::string name_;
  std::size_t epochs_;
  bool tty_;
  std::size_t every_;
  std::chrono::steady_clock::time_point start_;
  mutable std::chrono::steady_clock::time_point last_draw_{};
};

Json metrics_json(const Metrics& m) {
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

TrainConfig train_config(const TrainArgs& a) {
  TrainConfig c;
  c.kind = parse_model_kind(a.model);
  if (c.kind == ModelKind::logreg && a.hidden_given) {
    detail::fail("train", "--hidden", "applies to --model mlp only");
  }
  c.hidden = a.hidden;
  c.activation = parse_activation(a.activation);
  c.optimizer.kind = parse_optimizer_kind(a.optimizer);
  c.optimizer.learning_rate = a.lr;
  c.epochs = a.epochs;
  c.batch_size = a.batch;
  c.seed = a.seed;
  c.test_fraction = a.test_fraction;
  c.standardize = !a.no_standardize;
  return c;
}

std::string describe(const TrainConfig& c, const Model& m) {
  std::string arch = std::string(to_string(c.kind));
  if (c.kind == ModelKind::mlp) {
    std::string sizes;
    for (const std::size_t s : m.sizes) sizes += fmt::format("{}{}", sizes.empty() ? "" : "-", s);
    arch += fmt::format(" {} ({})", sizes, to_string(c.activation));
  }
  return fmt::format(
      "{}; {} of {} (learning rate {}, {})", arch, detail::plural(c.epochs, "epoch"),
      to_string(c.optimizer.kind), c.optimizer.learning_rate,
      c.batch_size == 0 ? std::string("full batch") : fmt::format("batches of {}", c.batch_size));
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

// The model's loss graph on the first `rows` examples of `data`, after forward and backward.
struct ModelLoss {
  std::unique_ptr<Tape> tape = std::make_unique<Tape>();
  Var J;
};

ModelLoss record_model_loss(const Model& model, const std::string& data_path,
                            const std::string& target, std::size_t rows, std::string_view who) {
  const Dataset data = read_csv(data_path, target.empty() ? model.target_name : target);
  if (rows == 0) detail::fail(who, "--rows", "must be at least 1");
  const std::size_t m = std::min(rows, data.size());
  if (m == 0) detail::fail(who, data_path, "has no examples");
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

fs::path default_data() { return fs::path(TAPEGRAD_DATA_DIR) / "breast_cancer.csv"; }

}  // namespace

bool is_example(const std::string& name) {
  const std::vector<std::string>& names = example_names();
  return std::find(names.begin(), names.end(), name) != names.end();
}

int run_train(const TrainArgs& args) {
  const TrainConfig config = train_config(args);
  check_output(args.save, "--save");
  check_output(args.history, "--history");
  check_output(args.plot, "--plot");
  if (args.target.empty()) detail::fail("train", "--target", "name the label column");
  const Dataset data = read_csv(args.data, args.target);
  const Progress progress(std::string(to_string(config.kind)), config.epochs);
  const TrainResult r = train(data, config, [&](const EpochStats& s) { progress(s); });
  if (!args.save.empty()) save_model(r.model, args.save);
  if (!args.history.empty()) write_file_atomic(args.history, history_csv(r.history));
  if (!args.plot.empty()) {
    write_file_atomic(
        args.plot,
        line_chart_svg(
            {{std::string(to_string(config.kind)) + " training loss", losses(r.history)}},
            "Training loss, " + fs::path(args.data).filename().string(), "mean log-loss"));
  }
  if (args.json) {
    Json j{{"model", to_string(config.kind)},
           {"sizes", r.model.sizes},
           {"optimizer", to_string(config.optimizer.kind)},
           {"learning_rate", config.optimizer.learning_rate},
           {"epochs", config.epochs},
           {"batch", config.batch_size},
           {"seed", config.seed},
           {"loss", r.train.loss},
           {"accuracy", r.train.accuracy},
           {"test_loss", r.test.count > 0 ? Json(r.test.loss) : Json(nullptr)},
           {"test_accuracy", r.test.count > 0 ? Json(r.test.accuracy) : Json(nullptr)},
           {"train", metrics_json(r.train)},
           {"test", metrics_json(r.test)},
           {"history", Json::array()}};
    for (const EpochStats& e : r.history) {
      j["history"].push_back({{"epoch", e.epoch}, {"loss", e.loss}, {"accuracy", e.accuracy}});
    }
    fmt::print("{}\n", j.dump(2));
  } else {
    fmt::print("Trained {} on {} ({}, target {})\n", describe(config, r.model), args.data,
               detail::plural(data.features(), "feature"), args.target);
    print_summary(r);
    for (const auto& [file, what] :
         {std::pair{args.save, "model"}, std::pair{args.history, "loss history"},
          std::pair{args.plot, "loss plot"}}) {
      if (!file.empty()) fmt::print("wrote {} {}\n", what, file);
    }
  }
  return 0;
}

int run_predict(const PredictArgs& args) {
  check_output(args.out, "--out");
  const Model model = load_model(args.model);
  const Dataset data = read_csv(args.data, "");
  const Tensor p = model.predict_proba(data);
  std::string csv = "row,probability,class\n";
  for (std::size_t i = 0; i < p.rows(); ++i) {
    csv += fmt::format("{},{:.6f},{}\n", i + 1, p(i, 0), p(i, 0) >= 0.5 ? 1 : 0);
  }
  if (args.out.empty()) {
    fmt::print("{}", csv);
  } else {
    write_file_atomic(args.out, csv);
    fmt::print(stderr, "tapegrad: wrote {} to {}\n", detail::plural(p.rows(), "prediction"),
               args.out);
  }
  return 0;
}

int run_eval(const EvalArgs& args) {
  const Model model = load_model(args.model);
  const std::string target = args.target.empty() ? model.target_name : args.target;
  const Dataset data = read_csv(args.data, target);
  const Metrics m = model.evaluate(data);
  if (args.json) {
    Json j = metrics_json(m);
    j["model"] = args.model;
    j["data"] = args.data;
    fmt::print("{}\n", j.dump(2));
    return 0;
  }
  fmt::print("{} on {} (target {}): loss {:.6g}, accuracy {:.2f}%\n", args.model, args.data, target,
             m.loss, 100.0 * m.accuracy);
  print_confusion(m, "all rows");
  return 0;
}

int run_model_graph(const GraphArgs& args) {
  if (args.data.empty()) detail::fail("graph", "--data", "a model graph needs data (--data CSV)");
  const Model model = load_model(args.example);
  const ModelLoss loss = record_model_loss(model, args.data, args.target, args.rows, "graph");
  return emit_graph(
      *loss.tape, args,
      fmt::format("{} ({}) on the first {} of {}", args.example, to_string(model.kind),
                  detail::plural(loss.tape->value(0).cols(), "example"), args.data));
}

int run_model_gradcheck(const GradcheckArgs& args) {
  if (args.data.empty()) {
    detail::fail("gradcheck", "--data", "checking a model needs data (--data CSV)");
  }
  const Model model = load_model(args.example);
  const ModelLoss loss = record_model_loss(model, args.data, args.target, args.rows, "gradcheck");
  return check_gradients(
      loss.J, args,
      fmt::format("{} on {} of {}", args.example,
                  detail::plural(loss.tape->value(0).cols(), "example"), args.data));
}

int run_demo(const DemoArgs& args) {
  const fs::path dir(args.out);
  const fs::path data_path = args.data.empty() ? default_data() : fs::path(args.data);
  if (!fs::exists(data_path)) {
    detail::fail("demo", data_path.string(), "not found (give the breast-cancer CSV with --data)");
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) {
    detail::fail("demo", "--out", "cannot create folder {}", dir.string());
  }

  fmt::print("1. The lecture's logistic-regression graph, forward and backward\n");
  const Example lecture = make_example("lecture", default_settings("lecture"));
  const Example chain = make_example("chain", default_settings("chain"));
  for (const Example* ex : {&lecture, &chain}) {
    const auto steps = backward_steps(*ex->tape, ex->root);
    const std::string root = node_name(*ex->tape, ex->root.index());
    for (auto step = steps.rbegin(); ex == &lecture && step != steps.rend(); ++step) {
      const auto cf = ex->closed_forms.find(step->index);
      if (cf == ex->closed_forms.end() || !ex->tape->node(step->index).is_param()) continue;
      fmt::print("   d{}/d{} = {:<14.10g} lecture {} = {} = {:.10g}\n", root,
                 node_name(*ex->tape, step->index), step->grad, cf->second.symbol,
                 cf->second.formula, cf->second.value);
    }
    DotOptions o;
    o.edge_derivatives = true;
    o.title = ex->title;
    write_diagram(to_dot(*ex->tape, o), (dir / (ex->name + ".dot")).string(), true, false);
    write_walkthrough(*ex, (dir / (ex->name + "-walkthrough")).string());
  }

  const Dataset data = read_csv(data_path, "malignant");
  fmt::print("\n2. Training on {} ({}, {})\n", data_path.string(),
             detail::plural(data.size(), "example"), detail::plural(data.features(), "feature"));
  TrainConfig logreg;
  logreg.kind = ModelKind::logreg;
  logreg.optimizer.kind = OptimizerKind::gd;
  logreg.optimizer.learning_rate = 0.5;
  logreg.epochs = 200;
  TrainConfig mlp;
  mlp.kind = ModelKind::mlp;
  mlp.hidden = {16, 8};
  mlp.activation = Activation::tanh;
  mlp.optimizer.kind = OptimizerKind::adam;
  mlp.optimizer.learning_rate = 0.01;
  mlp.epochs = 200;
  mlp.batch_size = 64;
  std::vector<Series> curves;
  for (const auto& [name, config] : {std::pair{"logreg", logreg}, std::pair{"mlp", mlp}}) {
    const Progress progress(name, config.epochs);
    const TrainResult r = train(data, config, [&](const EpochStats& s) { progress(s); });
    fmt::print("\n{}\n", describe(config, r.model));
    print_summary(r);
    save_model(r.model, dir / (std::string(name) + ".json"));
    write_file_atomic(dir / (std::string(name) + "-history.csv"), history_csv(r.history));
    curves.push_back({name, losses(r.history)});
  }
  write_file_atomic(dir / "loss.svg",
                    line_chart_svg(curves, "Training loss on breast_cancer.csv", "mean log-loss"));
  GraphArgs g;
  g.example = (dir / "logreg.json").string();
  g.data = data_path.string();
  g.rows = 3;
  const Model model = load_model(g.example);
  const ModelLoss loss = record_model_loss(model, g.data, "", g.rows, "demo");
  DotOptions o;
  o.title = "Logistic regression on 3 examples: Z = wᵀX + b, J = mean L(Z, Y)";
  write_diagram(to_dot(*loss.tape, o), (dir / "logreg-graph.dot").string(), true, false);

  fmt::print("\n3. Files in {}\n", dir.string());
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    files.push_back(entry.path().filename().string() + (entry.is_directory() ? "/" : ""));
  }
  std::sort(files.begin(), files.end());
  for (const std::string& f : files) fmt::print("   {}\n", f);
  fmt::print("\nOpen {} in a browser to step through the backward pass.\n",
             (dir / "lecture-walkthrough" / "index.html").string());
  if (!graphviz_available()) {
    fmt::print(
        "Graphviz was not found: the diagrams are DOT files only; install Graphviz "
        "(apt-get install graphviz) and run again for SVG pictures.\n");
  }
  return 0;
}

}  // namespace tapegrad::tool
