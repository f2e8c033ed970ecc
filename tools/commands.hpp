// The subcommands of the tapegrad tool. main.cpp parses the command line into these argument
// structs; each run_* function returns the process exit status (0 success, 1 failed check) and
// throws tapegrad::Error (exit status 2) for bad input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "examples.hpp"

namespace tapegrad::tool {

/// `tapegrad explain EXAMPLE`.
struct ExplainArgs {
  std::string example;
  std::vector<Setting> settings;
  bool json = false;
  std::string frames;  ///< folder for the walkthrough frames; empty for none
};
int run_explain(const ExplainArgs& args);

/// `tapegrad graph EXAMPLE|MODEL.json`.
struct GraphArgs {
  std::string example;   ///< "lecture", "chain" or a model file
  std::string data;      ///< model graphs: the CSV whose first rows feed the graph
  std::string target;    ///< model graphs: the label column (default: the model's)
  std::size_t rows = 4;  ///< model graphs: number of examples in the graph
  std::vector<Setting> settings;
  std::string out;  ///< DOT file; empty: DOT to stdout
  bool svg = false;
  bool png = false;
  bool merged = false;
  bool edge_derivatives = false;
  int precision = 4;
};
int run_graph(const GraphArgs& args);

/// `tapegrad gradcheck EXAMPLE|MODEL.json`.
struct GradcheckArgs {
  std::string example;    ///< "lecture", "chain" or a model file
  std::string data;       ///< models: the CSV to check the loss on
  std::string target;     ///< models: the label column (default: the model's)
  std::size_t rows = 16;  ///< models: number of examples used
  std::vector<Setting> settings;
  double step = 1e-6;
  double rtol = 1e-6;
  double atol = 1e-9;
  double fd_noise = GradCheckOptions{}.fd_noise;
  bool json = false;
};
int run_gradcheck(const GradcheckArgs& args);

/// `tapegrad train DATA.csv`.
struct TrainArgs {
  std::string data;
  std::string target;
  std::string model = "logreg";
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
int run_train(const TrainArgs& args);

/// `tapegrad predict MODEL.json DATA.csv`.
struct PredictArgs {
  std::string model;
  std::string data;
  std::string out;  ///< CSV file; empty: stdout
};
int run_predict(const PredictArgs& args);

/// `tapegrad eval MODEL.json DATA.csv`.
struct EvalArgs {
  std::string model;
  std::string data;
  std::string target;  ///< default: the model's target
  bool json = false;
};
int run_eval(const EvalArgs& args);

/// `tapegrad demo`.
struct DemoArgs {
  std::string out = "tapegrad-demo";
  std::string data;  ///< default: the breast-cancer CSV of the source tree
};
int run_demo(const DemoArgs& args);

/// True when `name` is one of the lecture examples (otherwise it names a model file).
[[nodiscard]] bool is_example(const std::string& name);
/// Model graphs for `graph` and `gradcheck` on a saved model.
int run_model_graph(const GraphArgs& args);
int run_model_gradcheck(const GradcheckArgs& args);

/// Writes the walkthrough frames of `ex` (one diagram per backward step, index.html) to `dir`.
void write_walkthrough(const Example& ex, const std::string& dir);

/// Writes the diagram of `tape` as GraphArgs asks (stdout or files); returns the exit status.
int emit_graph(const Tape& tape, const GraphArgs& args, const std::string& title);
/// Finite-difference check of every param under `root`, reported as GradcheckArgs asks; returns
/// 1 when the check fails.
int check_gradients(Var root, const GradcheckArgs& args, const std::string& what);

/// Writes `dot` to `dot_path` and, where Graphviz is present, the pictures asked for next to it
/// (same name, .svg / .png). Without Graphviz it says on stderr how to get pictures. Returns the
/// files written.
std::vector<std::string> write_diagram(const std::string& dot, const std::string& dot_path,
                                       bool svg, bool png);

}  // namespace tapegrad::tool
