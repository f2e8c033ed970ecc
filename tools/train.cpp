// `tapegrad train DATA.csv --target COL`: split, standardise, train, report; optionally save the
// model, the loss history and a loss plot.
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
  std::string model = "logreg";
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
};

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

int run_train(const TrainArgs& args) {
  const TrainConfig config = train_config(args);
  check_outputs(args);
  if (args.target.empty()) detail::fail("train", "--target", "name the label column");
  const Dataset data = read_csv(args.data, args.target);
  if (!args.save.empty()) check_names_utf8(data, args.data);
  const Progress progress(std::string(to_string(config.kind)), config.epochs);
  const TrainResult r = train(data, config, [&](const EpochStats& s) { progress(s); });
  if (!args.save.empty()) write_model(r.model, args.save);
  if (!args.history.empty()) write_output(args.history, history_csv(r.history));
  if (!args.plot.empty()) {
    write_output(args.plot,
                 line_chart_svg(
                     {{std::string(to_string(config.kind)) + " training loss", losses(r.history)}},
                     "Training loss, " + std::filesystem::path(args.data).filename().string(),
                     "mean log-loss"));
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
    fmt::print("Trained {} on {} ({}, target {})\n", describe(config, r.model),
               shown_path(args.data), detail::plural(data.features(), "feature"),
               detail::shown(args.target, args.target.size()));
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
      app.add_subcommand("train", "Train a logistic regression or an MLP on a CSV file");
  cmd->add_option("data", args->data, "CSV file with a header row")->required();
  cmd->add_option("--target", args->target, "Label column (values 0 or 1)")->required();
  cmd->add_option("--model", args->model, "logreg or mlp (default logreg)")
      ->check(choice_check({"logreg", "mlp"}));
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
