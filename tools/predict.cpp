// `tapegrad predict MODEL.json DATA.csv`: the probability of class 1 and the class of every row,
// as CSV on stdout or in a file.
#include <memory>
#include <string>

#include <fmt/format.h>

#include "commands.hpp"
#include "models.hpp"
#include "output.hpp"

namespace tapegrad::tool {
namespace {

struct PredictArgs {
  std::string model;
  std::string data;
  std::string out;  // CSV file; empty: stdout
};

int run_predict(const PredictArgs& args) {
  check_writable(args.out, "--out");
  const Model model = load_model(args.model);
  const Dataset data = read_csv(args.data, "");
  const std::string csv = predictions_csv(model, data);
  if (args.out.empty()) {
    fmt::print("{}", csv);
  } else {
    write_output(args.out, csv);
    fmt::print(stderr, "tapegrad: wrote {} to {}\n", detail::plural(data.size(), "prediction"),
               shown_path(args.out));
  }
  return 0;
}

}  // namespace

Subcommand add_predict(CLI::App& app) {
  auto args = std::make_shared<PredictArgs>();
  CLI::App* cmd =
      app.add_subcommand("predict", "Probability and class of every row of a CSV file, as CSV");
  cmd->add_option("model", args->model, "MODEL.json saved by 'tapegrad train --save'")->required();
  cmd->add_option("data", args->data, "CSV file with the model's feature columns")->required();
  cmd->add_option("-o,--out", args->out, "Write the CSV here (default: stdout)");
  return {cmd, [args] { return run_predict(*args); }};
}

}  // namespace tapegrad::tool
