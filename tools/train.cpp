// `tapegrad train DATA.csv --target COL`: read, find the task from the target (columns.hpp),
// split, standardise, train, report; optionally save the model, the loss history and a loss plot.
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "commands.hpp"
#include "models.hpp"
#include "mpi.hpp"
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
  std::string optimizer = "auto";
  double lr = 0.0;  // 0: the optimizer's default
  std::size_t epochs = 100;
  std::string schedule = "constant";
  double decay = 0.5;
  std::size_t step_size = 10;
  std::optional<double> weight_decay;
  bool early_stopping = false;
  double validation_fraction = 0.1;
  bool validation_fraction_given = false;
  std::size_t patience = 10;
  bool patience_given = false;
  std::size_t batch = 0;
  std::size_t threads = 0;  // 0: all cores
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
  c.optimizer.schedule = {parse_schedule_kind(a.schedule), a.decay, a.step_size};
  // What `auto` becomes (resolve_optimizer): lbfgs for full-batch logreg, softmax and linear.
  const bool lbfgs =
      c.optimizer.kind == OptimizerKind::lbfgs ||
      (c.optimizer.kind == OptimizerKind::automatic && c.kind != ModelKind::mlp && a.batch == 0);
  const char* add = c.optimizer.kind == OptimizerKind::lbfgs
                        ? ""
                        : " (the default for full-batch training of this model); add --optimizer "
                          "gd, momentum or adam";
  if (lbfgs && a.lr != 0.0) {
    detail::fail("train", "--lr", "lbfgs takes no learning rate, its line search sets the step{}",
                 add);
  }
  if (lbfgs && c.optimizer.schedule.kind != ScheduleKind::constant) {
    detail::fail("train", "--schedule", "applies to gd, momentum and adam, not lbfgs{}", add);
  }
  if (!a.early_stopping && (a.patience_given || a.validation_fraction_given)) {
    detail::fail("train", a.patience_given ? "--patience" : "--validation-fraction",
                 "applies with --early-stopping only");
  }
  if (a.early_stopping && a.validation_fraction == 0.0) {
    detail::fail("train", "--validation-fraction", "must be greater than 0 with --early-stopping");
  }
  if (c.optimizer.kind == OptimizerKind::lbfgs && a.batch != 0) {
    detail::fail("train", "--optimizer",
                 "lbfgs trains on the full batch; drop --batch {} or use "
                 "gd, momentum or adam",
                 a.batch);
  }
  const ScheduleKind schedule = c.optimizer.schedule.kind;
  if ((schedule == ScheduleKind::step || schedule == ScheduleKind::exponential) &&
      !(a.decay > 0.0 && a.decay <= 1.0)) {
    detail::fail("train", "--decay", "must be in (0, 1] for --schedule {}, found {}",
                 to_string(schedule), a.decay);
  }
  check_schedule(c.optimizer.schedule);
  c.epochs = a.epochs;
  c.weight_decay = a.weight_decay;
  c.early_stopping = a.early_stopping;
  c.validation_fraction = a.validation_fraction;
  c.patience = a.patience;
  c.batch_size = a.batch;
  c.threads = a.threads;
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

// The number of processes mpirun started this one among (Open MPI's OMPI_COMM_WORLD_SIZE,
// MPICH's PMI_SIZE), or 1 when it was not started by mpirun.
std::size_t mpirun_processes() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"}) {
    const char* value = std::getenv(name);
    if (value == nullptr) continue;
    char* end = nullptr;
    const unsigned long long size = std::strtoull(value, &end, 10);
    if (end != value && *end == '\0' && size > 1) return static_cast<std::size_t>(size);
  }
  return 1;
}

// Trains; with `job`, as one process of a data-parallel MPI job (mpi.hpp): each reads its share
// of the rows, and rank 0 alone prints and writes. The steps that might fail on one process
// alone run collectively (run_collectively), so that all stop together with rank 0's message.
int run_train(const TrainArgs& args, const Collective* job) {
  const Collective one;
  const Collective& group = job != nullptr ? *job : one;
  const bool speaks = group.rank == 0;
  CsvOptions options;
  TaskChoice choice = TaskChoice::automatic;
  run_collectively(group, [&] {
    if (args.target.empty()) detail::fail("train", "--target", "name the label column");
    options = args.csv.options(args.target);
    choice = parse_task_choice(args.task);
    check_outputs(args);
    if (!args.model.empty()) (void)parse_model_kind(args.model);
  });
  Dataset data;
  TargetEncoding target;
  if (job != nullptr) {
    data = read_csv_shared(args.data, options, group).data;
    target = encode_target_shared(data, choice, shown_path(args.data), group);
  } else {
    data = read_csv(args.data, options);
    target = encode_target(data, choice, shown_path(args.data));
  }
  TrainConfig config;
  run_collectively(group, [&] {
    config = train_config(args, target.task);
    if (!args.save.empty()) check_names_utf8(data, args.data);
  });
  config.collective = job;
  if (job != nullptr) {  // the notes on reading count every process's rows
    std::array<double, 3> counts{static_cast<double>(data.dropped),
                                 static_cast<double>(data.filled),
                                 static_cast<double>(data.unseen)};
    group.sum(counts);
    data.dropped = static_cast<std::size_t>(counts[0]);
    data.filled = static_cast<std::size_t>(counts[1]);
    data.unseen = static_cast<std::size_t>(counts[2]);
  }
  if (speaks) report_reading(data, "train");
  const Progress progress(std::string(to_string(config.kind)), config.epochs,
                          target.task != Task::regression);
  const std::size_t features = data.features();
  std::vector<CategoricalColumn> categorical = std::move(data.categorical);
  // The data set is handed over: train() splits and standardises it in place, without copies.
  TrainResult r = train(std::move(data), config, [&](const EpochStats& s) {
    if (speaks) progress(s);
  });
  if (!speaks) return 0;
  r.model.classes = target.classes;
  r.model.categorical = std::move(categorical);
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
           {"optimizer", to_string(r.optimizer.kind)},
           {"learning_rate", r.optimizer.learning_rate},
           {"schedule", to_string(r.optimizer.schedule.kind)},
           {"weight_decay", r.weight_decay},
           {"epochs", config.epochs},
           {"epochs_run", r.history.size()},
           {"best_epoch", r.best_epoch > 0 ? Json(r.best_epoch) : Json(nullptr)},
           {"batch", config.batch_size},
           {"seed", config.seed},
           {"threads", resolve_threads(config.threads)}};  // results depend on it (last bits)
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
    fmt::print("Trained {} on {} ({}, target {})\n", describe(config, r), shown_path(args.data),
               detail::plural(features, "feature"), detail::shown(args.target, args.target.size()));
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

// Under mpirun with several processes: one process of a data-parallel job (mpi.hpp).
int run_train_job(const TrainArgs& args, std::size_t processes) {
  const MpiJob job(processes);
  try {
    return run_train(args, &job.collective());
  } catch (const SharedError& e) {  // thrown on every process alike: one of them reports
    if (e.report()) {
      fmt::print(stderr, "tapegrad: {}\n",
                 detail::shown(e.what(), std::string_view(e.what()).size()));
      std::fflush(stderr);
    }
    // Every process waits for the line to be out: mpirun stops the job at the first non-zero exit.
    std::array<double, 1> barrier{0.0};
    job.collective().sum(barrier);
    return 2;
  } catch (const AnomalyError& e) {  // on this process alone: the others may wait for it
    job.abort(fmt::format("tapegrad: {}; hint: lower the learning rate (--lr), or keep the "
                          "features standardized\n",
                          e.what()),
              1);
  } catch (const std::exception& e) {
    job.abort(fmt::format("tapegrad: {}\n", e.what()), 2);
  }
}

}  // namespace

Subcommand add_train(CLI::App& app) {
  auto args = std::make_shared<TrainArgs>();
  CLI::App* cmd = app.add_subcommand(
      "train", std::string("Train a classifier or a regression on a CSV file (the "
                           "task is found from the target column); ") +
                   MpiJob::help());
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
  cmd->add_option("--optimizer", args->optimizer,
                  "auto, lbfgs, gd, momentum or adam (default auto: lbfgs for full-batch logreg, "
                  "adam for mlp or mini-batches, as scikit-learn)")
      ->check(choice_check({"auto", "lbfgs", "gd", "momentum", "adam"}));
  cmd->add_option("--lr", args->lr,
                  "Learning rate (default 0.1 for gd and momentum, 0.01 for adam; lbfgs takes "
                  "none)")
      ->check(positive_check());
  cmd->add_option("--epochs", args->epochs,
                  "Passes over the data; for lbfgs the most iterations (default 100)")
      ->transform(whole_check(1, kMaxEpochs));
  cmd->add_option("--schedule", args->schedule,
                  "Learning rate per epoch t: constant, step (lr decay^floor(t/step-size)), "
                  "exponential (lr decay^t) or inverse_time (lr / (1 + decay t)) (default "
                  "constant)")
      ->check(choice_check({"constant", "step", "exponential", "inverse_time"}));
  cmd->add_option("--decay", args->decay,
                  "The schedule's decay: a factor in (0, 1] for step and exponential, a rate "
                  ">= 0 for inverse_time (default 0.5)")
      ->check(non_negative_check());
  cmd->add_option("--step-size", args->step_size,
                  "Epochs per decay step of --schedule step "
                  "(default 10)")
      ->transform(whole_check(1, kMaxEpochs));
  cmd->add_option("--weight-decay", args->weight_decay,
                  "L2 penalty (lambda/2)||W||^2 on the weights (default 1/m for logreg, as "
                  "scikit-learn's C = 1; 0 for mlp)")
      ->check(non_negative_check());
  cmd->add_flag("--early-stopping", args->early_stopping,
                "Hold out --validation-fraction of the training part, stop after --patience "
                "epochs without a lower validation loss, keep the best epoch's parameters");
  CLI::Option* validation_fraction =
      cmd->add_option("--validation-fraction", args->validation_fraction,
                      "Fraction of the training part held out by --early-stopping (default 0.1)")
          ->check(fraction_check());
  CLI::Option* patience =
      cmd->add_option("--patience", args->patience,
                      "Epochs without improvement before --early-stopping stops (default 10)")
          ->transform(whole_check(1, kMaxEpochs));
  cmd->add_option("--batch", args->batch, "Examples per step; 0 for full batch (default)")
      ->transform(whole_check(0, kMaxExamples));
  cmd->add_option("--threads", args->threads,
                  "Threads of each training pass, 0 for all cores (default: all cores); results "
                  "are the same for a given count. Under mpirun: per process")
      ->transform(whole_check(0, kMaxThreads));
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
  return {cmd, [args, hidden, patience, validation_fraction] {
            args->hidden_given = hidden->count() > 0;
            args->patience_given = patience->count() > 0;
            args->validation_fraction_given = validation_fraction->count() > 0;
            if (args->hidden_given) {
              args->hidden.clear();
              for (const std::string& text : args->hidden_text) {
                (void)read_widths(text, &args->hidden);
              }
            }
            const std::size_t processes = mpirun_processes();
            return processes > 1 ? run_train_job(*args, processes) : run_train(*args, nullptr);
          }};
}

}  // namespace tapegrad::tool
