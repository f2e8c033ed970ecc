// `tapegrad gradcheck EXAMPLE|MODEL.json`: every param's gradient against central finite
// differences, on a lecture example or on a saved model's loss over the first rows of a data set.
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "commands.hpp"
#include "models.hpp"
#include "output.hpp"

namespace tapegrad::tool {
namespace {

struct GradcheckArgs {
  ExampleOptions example;  // "lecture", "chain" or a model file, and the examples' values
  std::string data;        // models: the CSV to check the loss on
  std::string target;      // models: the label column (default: the model's)
  std::size_t rows = 16;   // models: number of examples used
  double step = 1e-6;
  double rtol = 1e-6;
  double atol = 1e-9;
  double fd_noise = GradCheckOptions{}.fd_noise;
  bool json = false;
};

// Finite-difference check of every param under `root`, reported as the arguments ask; returns 1
// when the check fails.
int check_gradients(Var root, const GradcheckArgs& args, const std::string& what) {
  GradCheckOptions o;
  o.step = args.step;
  o.rtol = args.rtol;
  o.atol = args.atol;
  o.fd_noise = args.fd_noise;
  const GradCheckResult r = grad_check(root, o);
  const std::string worst_name =
      fmt::format("{}[{},{}]", r.worst.leaf.label(), r.worst.row, r.worst.col);
  if (args.json) {
    const nlohmann::ordered_json j{{"checked_graph", what},
                                   {"ok", r.ok},
                                   {"checked", r.checked},
                                   {"worst",
                                    {{"element", worst_name},
                                     {"analytic", r.worst.analytic},
                                     {"numeric", r.worst.numeric},
                                     {"abs_error", r.worst.abs_error},
                                     {"rel_error", r.worst.rel_error}}},
                                   {"step", o.step},
                                   {"rtol", o.rtol},
                                   {"atol", o.atol},
                                   {"fd_noise", o.fd_noise}};
    fmt::print("{}\n", j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
  } else {
    fmt::print("gradcheck {}: {} by central differences (step {:g}, rtol {:g}, atol {:g})\n", what,
               detail::plural(r.checked, "param element"), o.step, o.rtol, o.atol);
    fmt::print("{}\n", r.summary());
    fmt::print("worst relative error: {:.3e} at {}\n", r.worst.rel_error, worst_name);
  }
  return r.ok ? 0 : 1;
}

int run_model_gradcheck(const GradcheckArgs& args) {
  if (args.data.empty()) {
    detail::fail("gradcheck", "--data", "checking a model needs data (--data CSV)");
  }
  const std::string& file = args.example.example();
  const Model model = load_model(file);
  const ModelLoss loss = record_model_loss(model, args.data, args.target, args.rows, "gradcheck");
  return check_gradients(
      loss.J, args,
      fmt::format("{} on {} of {}", shown_path(file), detail::plural(loss.examples, "example"),
                  shown_path(args.data)));
}

int run_gradcheck(const GradcheckArgs& args) {
  const std::vector<Setting> settings = args.example.settings("gradcheck");
  if (!is_example(args.example.example())) return run_model_gradcheck(args);
  const Example ex = make_example(args.example.example(), settings);
  return check_gradients(ex.root, args, ex.name);
}

}  // namespace

Subcommand add_gradcheck(CLI::App& app) {
  auto args = std::make_shared<GradcheckArgs>();
  CLI::App* cmd = app.add_subcommand(
      "gradcheck",
      "Check every param's gradient of a lecture example or a saved model by finite differences");
  args->example.add_to(*cmd, true);
  cmd->add_option("--data", args->data, "Models: CSV to check the loss on");
  cmd->add_option("--target", args->target, "Models: label column (default: model's)");
  cmd->add_option("--rows", args->rows, "Models: number of examples (default 16)")
      ->transform(whole_check(1, kMaxExamples));
  cmd->add_option("--step", args->step, "Relative finite-difference step")->check(positive_check());
  cmd->add_option("--rtol", args->rtol, "Relative tolerance")->check(non_negative_check());
  cmd->add_option("--atol", args->atol, "Absolute tolerance")->check(non_negative_check());
  cmd->add_option("--fd-noise", args->fd_noise,
                  "Multiples of the difference quotient's rounding error tolerated (default 64)")
      ->check(non_negative_check());
  cmd->add_flag("--json", args->json, "Machine-readable output");
  return {cmd, [args] { return run_gradcheck(*args); }};
}

}  // namespace tapegrad::tool
