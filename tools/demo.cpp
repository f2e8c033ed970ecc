// `tapegrad demo`: the lecture walkthrough, then a logistic regression and an MLP trained on the
// breast-cancer data, with every diagram, both models, loss histories and a loss plot in one
// folder. The data set is installed beside the tool (see installed_file).
#include <unistd.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "commands.hpp"
#include "models.hpp"
#include "output.hpp"
#include "plot.hpp"

#ifndef TAPEGRAD_DATA_FROM_BIN
#define TAPEGRAD_DATA_FROM_BIN "../share/tapegrad"
#endif

namespace tapegrad::tool {
namespace {

namespace fs = std::filesystem;

struct DemoArgs {
  std::string out = "tapegrad-demo";
  std::string data;  // default: the breast-cancer CSV installed beside the tool
};

int run_demo(const DemoArgs& args) {
  const fs::path dir(args.out);
  const fs::path data_path =
      args.data.empty() ? installed_file("breast_cancer.csv") : fs::path(args.data);
  if (!fs::exists(data_path)) {
    detail::fail("demo", shown_path(data_path),
                 "not found (give the breast-cancer CSV with --data)");
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) {
    detail::fail("demo", "--out", "cannot create folder {}", shown_path(dir));
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
      fmt::print("   autodiff d{1} = {2:<14.10g} lecture {3} = {4} = {5:.10g}\n", root,
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
  logreg.weight_decay = 0.0;  // the lecture's cost, no penalty
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
    fmt::print("\n{}\n", describe(config, r));
    print_summary(r);
    write_model(r.model, (dir / (std::string(name) + ".json")).string());
    write_output(dir / (std::string(name) + "-history.csv"), history_csv(r.history));
    curves.push_back({name, losses(r.history)});
  }
  write_output(dir / "loss.svg",
               line_chart_svg(curves, "Training loss on breast_cancer.csv", "mean log-loss"));
  const Model model = load_model(dir / "logreg.json");
  const ModelLoss loss = record_model_loss(model, data_path.string(), "", 3, "demo");
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

}  // namespace

// TAPEGRAD_DATA_FROM_BIN (share/tapegrad, relative to the folder of the executable:
// ../share/tapegrad) holds the data set and the playground's engine, both where the tool is
// installed and in the build tree, which gets copies. Nothing of the source tree is compiled in,
// so an installed copy works on any machine.
fs::path installed_file(std::string_view name) {
  std::array<char, 4096> exe{};
  const ssize_t n = ::readlink("/proc/self/exe", exe.data(), exe.size() - 1);
  const fs::path bin =
      n > 0 ? fs::path(std::string(exe.data(), static_cast<std::size_t>(n))).parent_path()
            : fs::path(".");
  return (bin / TAPEGRAD_DATA_FROM_BIN / name).lexically_normal();
}

Subcommand add_demo(CLI::App& app) {
  auto args = std::make_shared<DemoArgs>();
  CLI::App* cmd = app.add_subcommand(
      "demo",
      "The lecture walkthrough, then a logistic regression and an MLP trained on the "
      "breast-cancer data, with diagrams and a loss plot in one folder");
  cmd->add_option("-o,--out", args->out, "Output folder (default ./tapegrad-demo)");
  cmd->add_option("--data", args->data,
                  "The breast-cancer CSV (default: the copy installed with tapegrad, "
                  "../share/tapegrad/breast_cancer.csv from the folder of the executable)");
  return {cmd, [args] { return run_demo(*args); }};
}

}  // namespace tapegrad::tool
