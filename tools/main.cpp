// tapegrad: the command-line tool. Parses the command line with CLI11 and runs one subcommand.
// Exit status: 0 success, 1 a failed check, 2 a usage or input error (one line on stderr).
#include <cstdio>
#include <exception>
#include <map>
#include <string>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "commands.hpp"

namespace tg = tapegrad;
namespace tool = tapegrad::tool;

namespace {

// The settable values of the examples, shared by explain, graph and gradcheck.
struct ExampleOptions {
  std::string example;
  std::map<std::string, double> values;
  std::map<std::string, CLI::Option*> options;

  void add_to(CLI::App& sub) {
    sub.add_option("example", example, "lecture (logistic regression) or chain (J = 3(a + b c))")
        ->required()
        ->check(CLI::IsMember(tool::example_names()));
    const std::map<std::string, std::string> help{
        {"x1", "lecture: feature x1 (default 1)"},
        {"x2", "lecture: feature x2 (default 2)"},
        {"w1", "lecture: weight w1 (default 0.5)"},
        {"w2", "lecture: weight w2 (default -0.25)"},
        {"y", "lecture: label y (default 1)"},
        {"a", "chain: a (default 5)"},
        {"b", "lecture: bias b (default 0.1); chain: b (default 3)"},
        {"c", "chain: c (default 2)"}};
    for (const std::string name : {"x1", "x2", "w1", "w2", "b", "y", "a", "c"}) {
      options[name] = sub.add_option("--" + name, values[name], help.at(name));
    }
  }

  // The example's settings: its defaults, overridden by the values given on the command line.
  [[nodiscard]] std::vector<tool::Setting> settings(std::string_view command) const {
    std::vector<tool::Setting> out = tool::default_settings(example);
    for (const auto& [name, option] : options) {
      if (option->count() == 0) continue;
      bool found = false;
      for (tool::Setting& s : out) {
        if (s.name == name) {
          s.value = values.at(name);
          found = true;
        }
      }
      if (!found) {
        std::string accepted;
        for (const tool::Setting& s : out) accepted += (accepted.empty() ? "--" : ", --") + s.name;
        tg::detail::fail(command, "--" + name, "the {} example has no value {} (it takes {})",
                         example, name, accepted);
      }
    }
    return out;
  }
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "tapegrad: tape-based reverse-mode automatic differentiation, explained.\n"
      "Run 'tapegrad SUBCOMMAND --help' for the options of one subcommand.",
      "tapegrad"};
  app.require_subcommand(0, 1);

  tool::ExplainArgs explain;
  ExampleOptions explain_ex;
  CLI::App* explain_cmd = app.add_subcommand(
      "explain", "Walk through the forward and backward pass of a lecture example");
  explain_ex.add_to(*explain_cmd);
  explain_cmd->add_flag("--json", explain.json, "Machine-readable output");
  explain_cmd->add_option("--frames", explain.frames,
                          "Write one diagram per backward step and an index.html to this folder");

  tool::GraphArgs graph;
  ExampleOptions graph_ex;
  std::string ops = "separate";
  CLI::App* graph_cmd = app.add_subcommand(
      "graph", "Write the diagram (DOT, and SVG/PNG with Graphviz) of a lecture example");
  graph_ex.add_to(*graph_cmd);
  graph_cmd->add_option("-o,--out", graph.out, "DOT file to write (default: DOT to stdout)");
  graph_cmd->add_flag("--svg", graph.svg, "Also write an SVG next to the DOT file (Graphviz)");
  graph_cmd->add_flag("--png", graph.png, "Also write a PNG next to the DOT file (Graphviz)");
  graph_cmd->add_option("--ops", ops, "Op nodes: separate bubbles or merged into values")
      ->check(CLI::IsMember({"separate", "merged"}));
  graph_cmd->add_flag("--edge-derivatives", graph.edge_derivatives,
                      "Label edges with the local partial derivative d out / d in");
  graph_cmd->add_option("--precision", graph.precision, "Significant digits (1-17, default 4)")
      ->check(CLI::Range(1, 17));

  tool::GradcheckArgs gradcheck;
  ExampleOptions gradcheck_ex;
  CLI::App* gradcheck_cmd = app.add_subcommand(
      "gradcheck", "Check every param's gradient of a lecture example by finite differences");
  gradcheck_ex.add_to(*gradcheck_cmd);
  gradcheck_cmd->add_option("--step", gradcheck.step, "Relative finite-difference step")
      ->check(CLI::PositiveNumber);
  gradcheck_cmd->add_option("--rtol", gradcheck.rtol, "Relative tolerance")
      ->check(CLI::NonNegativeNumber);
  gradcheck_cmd->add_option("--atol", gradcheck.atol, "Absolute tolerance")
      ->check(CLI::NonNegativeNumber);
  gradcheck_cmd->add_flag("--json", gradcheck.json, "Machine-readable output");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    fmt::print(stderr, "tapegrad: {} (see tapegrad --help)\n", e.what());
    return 2;
  }

  try {
    if (*explain_cmd) {
      explain.example = explain_ex.example;
      explain.settings = explain_ex.settings("explain");
      return tool::run_explain(explain);
    }
    if (*graph_cmd) {
      graph.example = graph_ex.example;
      graph.settings = graph_ex.settings("graph");
      graph.merged = ops == "merged";
      if ((graph.svg || graph.png) && graph.out.empty()) {
        tg::detail::fail("graph", "--svg/--png", "needs -o FILE.dot to name the pictures");
      }
      return tool::run_graph(graph);
    }
    if (*gradcheck_cmd) {
      gradcheck.example = gradcheck_ex.example;
      gradcheck.settings = gradcheck_ex.settings("gradcheck");
      return tool::run_gradcheck(gradcheck);
    }
  } catch (const tg::Error& e) {
    fmt::print(stderr, "tapegrad: {}\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "tapegrad: {}\n", e.what());
    return 2;
  }
  fmt::print("{}", app.help());
  return 0;
}
