// `tapegrad eval MODEL.json DATA.csv`: loss, accuracy and confusion matrix of a saved model on
// labelled data.
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
};

int run_eval(const EvalArgs& args) {
  const Model model = load_model(args.model);
  const std::string target = args.target.empty() ? model.target_name : args.target;
  const Dataset data = read_csv(args.data, target);
  const Metrics m = model.evaluate(data);
  if (args.json) {
    nlohmann::ordered_json j = metrics_json(m);
    j["model"] = args.model;
    j["data"] = args.data;
    fmt::print("{}\n", j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
    return 0;
  }
  fmt::print("{} on {} (target {}): loss {:.6g}, accuracy {:.2f}%\n", shown_path(args.model),
             shown_path(args.data), detail::shown(target, target.size()), m.loss,
             100.0 * m.accuracy);
  print_confusion(m, "all rows");
  return 0;
}

}  // namespace

Subcommand add_eval(CLI::App& app) {
  auto args = std::make_shared<EvalArgs>();
  CLI::App* cmd =
      app.add_subcommand("eval", "Loss, accuracy and confusion matrix of a model on a CSV file");
  cmd->add_option("model", args->model, "MODEL.json saved by 'tapegrad train --save'")->required();
  cmd->add_option("data", args->data, "Labelled CSV file")->required();
  cmd->add_option("--target", args->target, "Label column (default: the model's)");
  cmd->add_flag("--json", args->json, "Machine-readable output");
  return {cmd, [args] { return run_eval(*args); }};
}

}  // namespace tapegrad::tool
