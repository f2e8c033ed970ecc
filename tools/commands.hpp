// The subcommands of the tapegrad tool. main.cpp parses the command line into these argument
// structs; each run_* function returns the process exit status (0 success, 1 failed check) and
// throws tapegrad::Error (exit status 2) for bad input.
#pragma once

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

/// `tapegrad graph EXAMPLE`.
struct GraphArgs {
  std::string example;
  std::vector<Setting> settings;
  std::string out;  ///< DOT file; empty: DOT to stdout
  bool svg = false;
  bool png = false;
  bool merged = false;
  bool edge_derivatives = false;
  int precision = 4;
};
int run_graph(const GraphArgs& args);

/// `tapegrad gradcheck EXAMPLE`.
struct GradcheckArgs {
  std::string example;
  std::vector<Setting> settings;
  double step = 1e-6;
  double rtol = 1e-6;
  double atol = 1e-9;
  bool json = false;
};
int run_gradcheck(const GradcheckArgs& args);

/// Writes `dot` to `dot_path` and, where Graphviz is present, the pictures asked for next to it
/// (same name, .svg / .png). Without Graphviz it says on stderr how to get pictures. Returns the
/// files written.
std::vector<std::string> write_diagram(const std::string& dot, const std::string& dot_path,
                                       bool svg, bool png);

}  // namespace tapegrad::tool
