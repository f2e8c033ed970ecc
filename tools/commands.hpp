// The subcommands of the tapegrad tool. Each tools/<command>.cpp registers its own options with
// add_<command>() and runs itself (see cli.hpp); main.cpp registers them in this order, parses the
// command line and runs the one given. A run returns the exit status (0 success, 1 failed check)
// and throws tapegrad::Error (exit status 2) for bad input.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli.hpp"
#include "examples.hpp"

namespace tapegrad::tool {

/// `tapegrad explain EXAMPLE`: the forward and backward pass, node by node (explain.cpp).
Subcommand add_explain(CLI::App& app);
/// `tapegrad graph EXAMPLE|MODEL.json`: DOT, SVG and PNG diagrams (graph.cpp).
Subcommand add_graph(CLI::App& app);
/// `tapegrad gradcheck EXAMPLE|MODEL.json`: finite differences for every param (gradcheck.cpp).
Subcommand add_gradcheck(CLI::App& app);
/// `tapegrad train DATA.csv`: train, report, save (train.cpp).
Subcommand add_train(CLI::App& app);
/// `tapegrad predict MODEL.json DATA.csv`: probabilities as CSV (predict.cpp).
Subcommand add_predict(CLI::App& app);
/// `tapegrad eval MODEL.json DATA.csv`: loss, accuracy, confusion matrix (eval.cpp).
Subcommand add_eval(CLI::App& app);
/// `tapegrad demo`: the walkthrough and two classifiers in one folder (demo.cpp).
Subcommand add_demo(CLI::App& app);

/// Writes the walkthrough frames of `ex` (one diagram per backward step, then for an example with
/// params to train the update w := w - alpha dw, and index.html) to `dir`.
void write_walkthrough(const Example& ex, const std::string& dir, double alpha = 0.1);

/// A file installed with the tool in share/tapegrad beside its folder of executables (the
/// breast-cancer data, the playground's engine), found from the running executable (demo.cpp).
[[nodiscard]] std::filesystem::path installed_file(std::string_view name);

/// `tapegrad playground DIR`: the live lecture page, its engine in WebAssembly (playground.cpp).
Subcommand add_playground(CLI::App& app);

/// Writes `dot` to `dot_path` and, where Graphviz is present, the pictures asked for next to it
/// (same name, .svg / .png). Without Graphviz it says on stderr how to get pictures. Returns the
/// files written.
std::vector<std::string> write_diagram(const std::string& dot, const std::string& dot_path,
                                       bool svg, bool png);

}  // namespace tapegrad::tool
