// `tapegrad train DATA.csv --target COL`: read, find the task from the target (columns.hpp),
// split, standardise, train, report; optionally save the model, the loss history and a loss plot.
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "commands.hpp"
#include "models.hpp"
#include "output.hpp"
#include "plot.hpp"

namespace tapegrad::tool {
namespace {

using Json = nlohmann::ordered_json;

struct TrainArgs {
  std::string data;
  std::string target;
  std::string task = "auto";
  std::string model;                     // default: logreg, softmax or linear as the task says
  std::vector<std::string> hidden_text;  // read into hidden by read_widths
  std::vector<std::size_t> hidden{16};
  bool hidden_given = false;
  std::string activation = "tanh";
  std::string optimizer = "gd";
  double lr = 0.1;
  std::size_t epochs = 100;
  std::size_t batch = 0;
  std::uint64_t seed = 0;
  double test_fraction = 0.2;
  bool no_standardize = false;
  std::string save;
  std::string history;
  std::string plot;
  bool json = false;
  CsvArgs csv;
};

// The model for the task: the one asked for, which must suit it, or logreg, softmax or linear.
ModelKind model_for(const std::string& asked, Task task) {
  if (asked.empty()) {
    return task == Task::binary       ? ModelKind::logreg
           : task == Task::multiclass ? ModelKind::softmax
                                      : ModelKind::linear;
  }
  const ModelKind kind = parse_model_kind(asked);
  const bool suits = kind == ModelKind::mlp ||
                     (kind == ModelKind::logreg && task == Task::binary) ||
                     (kind == ModelKind::softmax && task == Task::multiclass) ||
                     (kind == ModelKind::linear && task == Task::regression);
  if (!suits) {
    detail::fail("train", "--model", "{} does not fit a {} target; use {} or mlp", asked,
                 to_string(task),
                 task == Task::binary       ? "logreg"
                 : task == Task::multiclass ? "softmax"
                                            : "linear");
  }
  return kind;
}

TrainConfig train_config(const TrainArgs& a, Task task) {
  TrainConfig c;
  c.kind = model_for(a.model, task);
  c.task = task;
  if (c.kind != ModelKind::mlp && a.hidden_given) {
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

// Every output can be written, and no two of them are one file: found before training.
void check_outputs(const TrainArgs& args) {
  const std::vector<std::pair<std::string, const std::string*>> outputs{
      {"--save", &args.save}, {"--history", &args.history}, {"--plot", &args.plot}};
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    check_writable(*outputs[i].second, outputs[i].first);
    for (std::size_t j = 0; j < i; ++j) {
      if (!outputs[i].second->empty() && !outputs[j].second->empty() &&
          same_output(*outputs[i].second, *outputs[j].second)) {
        detail::fail("train", outputs[i].first, "'{}' is the {} file too; give each its own",
                     shown_path(*outputs[i].second), outputs[j].first);
      }
    }
  }
}

// The summary's fields named in the issue: "loss", "accuracy", "classes", "test_loss",
// "test_accuracy" for classification; "loss" (MSE), "rmse", "r2", "test_loss", "test_rmse",
// "test_r2" for regression.
void add_headline(Json& j, const TrainResult& r, const std::vector<std::string>& classes) {
  const bool tested = r.test.count > 0;
  const auto test = [&](double v) { return tested ? Json(v) : Json(nullptr); };
  if (r.train.task == Task::regression) {
    j["loss"] = r.train.loss;
    j["rmse"] = r.train.rmse;
    j["mae"] = r.train.mae;
    j["r2"] = r.train.r2;
    j["test_loss"] = test(r.test.loss);
    j["test_rmse"] = test(r.test.rmse);
    j["test_mae"] = test(r.test.mae);
    j["test_r2"] = test(r.test.r2);
    return;
  }
  j["classes"] = classes;
  j["loss"] = r.train.loss;
  j["accuracy"] = r.train.accuracy;
  j["test_loss"] = test(r.test.loss);
  j["test_accuracy"] = test(r.test.accuracy);
}

int run_train(const TrainArgs& args) {
  if (args.target.empty()) detail::fail("train", "--target", "name the label column");
  const CsvOptions options = args.csv.options(args.target);
  const TaskChoice choice = parse_task_choice(args.task);
  check_outputs(args);
  if (!args.model.empty()) (void)parse_model_kind(args.model);
  Dataset data = read_csv(args.data, options);
  const TargetEncoding target = encode_target(data, choice, shown_path(args.data));
  const TrainConfig config = train_config(args, target.task);
  if (!args.save.empty()) check_names_utf8(data, args.data);
  report_reading(data, "train");
  const Progress progress(std::string(to_string(config.kind)), config.epochs,
                          target.task != Task::regression);
  TrainResult r = train(data, config, [&](const EpochStats& s) { progress(s); });
  r.model.classes = target.classes;
  r.model.categorical = data.categorical;
  const std::vector<std::string> classes = class_names(r.model);
  if (!args.save.empty()) write_model(r.model, args.save);
  if (!args.history.empty()) write_output(args.history, history_csv(r.history));
  if (!args.plot.empty()) {
    const char* cost = target.task == Task::binary       ? "mean log-loss"
                       : target.task == Task::multiclass ? "mean cross-entropy"
                       : config.standardize ? "mean squared error (standardised target)"
                                            : "mean squared error";
    write_output(
        args.plot,
        line_chart_svg(
            {{std::string(to_string(config.kind)) + " training loss", losses(r.history)}},
            "Training loss, " + std::filesystem::path(args.data).filename().string(), cost));
  }
  if (args.json) {
    Json j{{"task", to_string(target.task)},
           {"model", to_string(config.kind)},
           {"sizes", r.model.sizes},
           {"optimizer", to_string(config.optimizer.kind)},
           {"learning_rate", config.optimizer.learning_rate},
           {"epochs", config.epochs},
           {"batch", config.batch_size},
           {"seed", config.seed}};
    add_headline(j, r, classes);
    j["train"] = metrics_json(r.train, classes);
    j["test"] = metrics_json(r.test, classes);
    j["history"] = Json::array();
    for (const EpochStats& e : r.history) {
      if (target.task == Task::regression) {
        j["history"].push_back({{"epoch", e.epoch}, {"loss", e.loss}});
      } else {
        j["history"].push_back({{"epoch", e.epoch}, {"loss", e.loss}, {"accuracy", e.accuracy}});
      }
    }
    fmt::print("{}\n", j.dump(2, ' ', false, Json::error_handler_t::replace));
  } else {
    fmt::print("Trained {} on {} ({}, target {})\n", describe(config, r.model),
               shown_path(args.data), detail::plural(data.features(), "feature"),
               detail::shown(args.target, args.target.size()));
    if (target.task == Task::regression) {
      fmt::print("Task: regression\n");
    } else {
      std::string names;
      for (std::size_t c = 0; c < classes.size(); ++c) {
        names += fmt::format("{}{}", c == 0 ? "" : ", ", detail::shown(classes[c], 24));
      }
      fmt::print("Task: {} classification ({} classes: {})\n",
                 target.task == Task::binary ? "binary" : "multiclass", classes.size(), names);
    }
    print_summary(r);
    for (const auto& [file, what] :
         {std::pair{args.save, "model"}, std::pair{args.history, "loss history"},
          std::pair{args.plot, "loss plot"}}) {
      if (!file.empty()) fmt::print("wrote {} {}\n", what, shown_path(file));
    }
  }
  return 0;
}

}  // namespace

Subcommand add_train(CLI::App& app) {
  auto args = std::make_shared<TrainArgs>();
  CLI::App* cmd =
      app.add_subcommand("train",
                         "Train a classifier or a regression on a CSV file (the task is found "
                         "from the target column)");
  cmd->add_option("data", args->data, "CSV file with a header row")->required();
  cmd->add_option("--target", args->target,
                  "Target column: 0/1 or two labels (binary), text or 3-20 whole numbers "
                  "(multiclass), other numbers (regression)")
      ->required();
  cmd->add_option("--task", args->task,
                  "auto (default), classification or regression: overrides the detection")
      ->check(choice_check({"auto", "classification", "regression"}));
  cmd->add_option("--model", args->model,
                  "logreg (binary), softmax (multiclass), linear (regression) or mlp (any task); "
                  "default: the first that fits the task")
      ->check(choice_check({"logreg", "softmax", "linear", "mlp"}));
  CLI::Option* hidden =
      cmd->add_option("--hidden", args->hidden_text,
                      "MLP hidden layer widths, e.g. 16,8 (default 16)")
          ->type_name("UINT")
          ->check(CLI::Validator([](std::string& text) { return read_widths(text, nullptr); },
                                 fmt::format("1-{}", kMaxHidden)));
  cmd->add_option("--activation", args->activation, "MLP hidden activation: tanh or relu")
      ->check(choice_check({"tanh", "relu"}));
  cmd->add_option("--optimizer", args->optimizer, "gd, momentum or adam (default gd)")
      ->check(choice_check({"gd", "momentum", "adam"}));
  cmd->add_option("--lr", args->lr, "Learning rate (default 0.1)")->check(positive_check());
  cmd->add_option("--epochs", args->epochs, "Passes over the data (default 100)")
      ->transform(whole_check(1, kMaxEpochs));
  cmd->add_option("--batch", args->batch, "Examples per step; 0 for full batch (default)")
      ->transform(whole_check(0, kMaxExamples));
  cmd->add_option("--seed", args->seed, "Seed of the split, initialisation and shuffles")
      ->transform(whole_check(0, std::numeric_limits<std::uint64_t>::max(), ""));
  cmd->add_option("--test-fraction", args->test_fraction,
                  "Fraction held out for testing, in [0, 1) (default 0.2)")
      ->check(fraction_check());
  cmd->add_flag("--no-standardize", args->no_standardize,
                "Train on the raw features (no z-score standardisation)");
  cmd->add_option("--save", args->save, "Write the trained model to this JSON file");
  cmd->add_option("--history", args->history, "Write epoch,loss,accuracy to this CSV");
  cmd->add_option("--plot", args->plot, "Write the loss curve to this SVG file");
  cmd->add_flag("--json", args->json, "Machine-readable summary on stdout");
  args->csv.add_to(*cmd, true);
  return {cmd, [args, hidden] {
            args->hidden_given = hidden->count() > 0;
            if (args->hidden_given) {
              args->hidden.clear();
              for (const std::string& text : args->hidden_text) {
                (void)read_widths(text, &args->hidden);
              }
            }
            return run_train(*args);
          }};
}

}  // namespace tapegrad::tool
