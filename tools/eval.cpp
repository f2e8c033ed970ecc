// `tapegrad eval MODEL.json DATA.csv`: loss, accuracy and confusion matrix (classifiers) or
// RMSE, MAE and R² (regression) of a saved model on labelled data.
#include <memory>
#include <string>

#include <fmt/format.h>

#include "commands.hpp"
#include "models.hpp"
#include "output.hpp"

namespace tapegrad::tool {
namespace {

struct EvalArgs {
  std::string model;
  std::string data;
  std::string target;  // default: the model's target
  bool json = false;
  CsvArgs csv;
};

int run_eval(const EvalArgs& args) {
  const Model model = load_model(args.model);
  const std::string target = args.target.empty() ? model.target_name : args.target;
  // In blocks of rows: memory holds one block, the metrics are evaluate's on the whole file.
  MetricsSum sum(model);
  read_blocks_for_model(model, args.data, target, args.csv, "eval",
                        [&](const Dataset& block) { sum.add(block); });
  const Metrics m = sum.result();
  const std::vector<std::string> classes =
      model.task == Task::regression ? std::vector<std::string>{} : class_names(model);
  if (args.json) {
    nlohmann::ordered_json j = metrics_json(m, classes);
    j["task"] = to_string(model.task);
    j["model"] = args.model;
    j["data"] = args.data;
    fmt::print("{}\n", j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
    return 0;
  }
  if (model.task == Task::regression) {
    fmt::print("{} on {} (target {}): mean squared error {:.6g}\n", shown_path(args.model),
               shown_path(args.data), detail::shown(target, target.size()), m.loss);
  } else {
    fmt::print("{} on {} (target {}): loss {:.6g}, accuracy {:.2f}%\n", shown_path(args.model),
               shown_path(args.data), detail::shown(target, target.size()), m.loss,
               100.0 * m.accuracy);
  }
  print_confusion(m, classes, "all rows");
  return 0;
}

}  // namespace

Subcommand add_eval(CLI::App& app) {
  auto args = std::make_shared<EvalArgs>();
  CLI::App* cmd = app.add_subcommand(
      "eval", "Loss, accuracy and confusion matrix (or RMSE, MAE and R²) of a model on a CSV file");
  cmd->add_option("model", args->model, "MODEL.json saved by 'tapegrad train --save'")->required();
  cmd->add_option("data", args->data, "Labelled CSV file")->required();
  cmd->add_option("--target", args->target, "Label column (default: the model's)");
  cmd->add_flag("--json", args->json, "Machine-readable output");
  args->csv.add_to(*cmd, false);
  return {cmd, [args] { return run_eval(*args); }};
}

}  // namespace tapegrad::tool
