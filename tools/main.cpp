// tapegrad: the command-line tool. Parses the command line with CLI11 and runs one subcommand.
// Exit status: 0 success, 1 a failed check, 2 a usage or input error, or a run the machine cannot
// carry out (out of memory); errors are one line on stderr.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <limits>
#include <map>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "commands.hpp"

namespace tg = tapegrad;
namespace tool = tapegrad::tool;

namespace {

// A number option's check with a plain message ("expected a number greater than 0, found '0'"):
// CLI11's PositiveNumber spells its range out as 0 to 1.797...e308, and its Range(0.0, 0.999999)
// as "Value 1 not in range 0.000000 to 0.999999".
CLI::Validator number_check(std::string what, bool (*accepts)(double), std::string name) {
  return CLI::Validator(
      [what, accepts](std::string& text) -> std::string {
        char* end = nullptr;
        const double v = std::strtod(text.c_str(), &end);
        const bool ok =
            !text.empty() && end == text.c_str() + text.size() && std::isfinite(v) && accepts(v);
        return ok ? std::string()
                  : fmt::format("expected {}, found '{}'", what, tg::detail::shown(text));
      },
      std::move(name));
}
const CLI::Validator kPositive = number_check(
    "a number greater than 0", [](double v) { return v > 0.0; }, "POSITIVE");
const CLI::Validator kNonNegative = number_check(
    "a number >= 0", [](double v) { return v >= 0.0; }, "NONNEGATIVE");
const CLI::Validator kFraction = number_check(
    "a fraction in [0, 1)", [](double v) { return v >= 0.0 && v < 1.0; }, "FRACTION");
const CLI::Validator kFinite = number_check(
    "a finite number", [](double) { return true; }, "FINITE");
// The lecture's y is a label, as in the CSV files the models are trained and checked on.
const CLI::Validator kLabel = number_check(
    "a label 0 or 1", [](double v) { return v == 0.0 || v == 1.0; }, "LABEL");

// Why `text` is not a whole number from `low` to `high` ("expected a whole number from 1 to
// 1000000, found '2.5'"), or "" when it is one, then stored in `value`: decimal digits after an
// optional '+', no sign, no space.
std::string whole_number(std::string_view text, std::uint64_t low, std::uint64_t high,
                         std::uint64_t& value) {
  const char* first = text.data() + (text.starts_with('+') ? 1 : 0);
  const char* last = text.data() + text.size();
  const auto [end, ec] = std::from_chars(first, last, value);
  if (first == last || ec != std::errc() || end != last || value < low || value > high) {
    return fmt::format("expected a whole number from {} to {}, found '{}'", low, high,
                       tg::detail::shown(text));
  }
  return {};
}

// A whole-number option's check, added with transform(): whole_number's message. Without it
// CLI11 says "Could not convert: --epochs = 2.5", wraps "-1" to 2^64 - 1 and saturates 30 digits
// to it. The text is handed on in plain decimal, so CLI11 (strtoull, base 0) reads neither "010"
// as octal 8 nor "0x10" as 16.
CLI::Validator whole_check(std::uint64_t low, std::uint64_t high, std::string name) {
  return CLI::Validator(
      [low, high](std::string& text) -> std::string {
        std::uint64_t v = 0;
        std::string wrong = whole_number(text, low, high, v);
        if (wrong.empty()) text = std::to_string(v);
        return wrong;
      },
      std::move(name));
}
CLI::Validator whole_check(std::uint64_t low, std::uint64_t high) {
  return whole_check(low, high, fmt::format("{}-{}", low, high));
}
// Upper bounds of the whole-number options: what a value costs stays within reason. Training keeps
// one history entry per epoch (and at about 30 µs an epoch on the breast-cancer data a million
// epochs take half a minute); two adjacent hidden layers of 10,000 units hold a 10,000 x 10,000
// weight matrix (800 MB, its gradient as much again). --rows and --batch are capped by the data
// anyway; a billion examples is more than a CSV this tool can read into memory.
constexpr std::uint64_t kMaxEpochs = 1'000'000;
constexpr std::uint64_t kMaxHidden = 10'000;
constexpr std::uint64_t kMaxExamples = 1'000'000'000;
const CLI::Validator kPrecision = whole_check(1, 17);

// --hidden's widths, "16,8": each a whole number from 1 to kMaxHidden. CLI11's delimiter(',')
// drops empty items (it trained "16,,8" as 16-8), so the text is split here, and an empty or blank
// item is named by its position: "expected a whole number from 1 to 10000, found an empty width at
// position 2 in '16,,8'". Returns that reason, or "" when every width is good; appends the widths
// to `widths` when given.
std::string read_widths(std::string_view text, std::vector<std::size_t>* widths) {
  std::size_t position = 1;
  for (std::size_t start = 0;; ++position) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string_view item = text.substr(start, comma - start);
    if (item.find_first_not_of(" \t\n\r\f\v") == std::string_view::npos) {
      return fmt::format(
          "expected a whole number from 1 to {}, found an empty width at position {} in '{}'",
          kMaxHidden, position, tg::detail::shown(text));
    }
    std::uint64_t width = 0;
    std::string wrong = whole_number(item, 1, kMaxHidden, width);
    if (!wrong.empty()) return wrong;
    if (widths != nullptr) widths->push_back(static_cast<std::size_t>(width));
    if (comma == text.size()) return {};
    start = comma + 1;
  }
}

// The choices as a message lists them: "'gd', 'momentum' or 'adam'".
std::string listed(const std::vector<std::string>& choices) {
  std::string out;
  for (std::size_t i = 0; i < choices.size(); ++i) {
    const char* separator = i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ";
    out += fmt::format("{}'{}'", separator, choices[i]);
  }
  return out;
}

// A choice option's check, "expected 'gd', 'momentum' or 'adam', found 'sgd'", where CLI11's
// IsMember says "sgd not in {gd,momentum,adam}". The help shows the choices as {gd,momentum,adam}.
CLI::Validator choice_check(std::vector<std::string> choices) {
  std::string braced;
  for (std::size_t i = 0; i < choices.size(); ++i) {
    braced += fmt::format("{}{}", i == 0 ? "" : ",", choices[i]);
  }
  return CLI::Validator(
      [choices](std::string& text) -> std::string {
        const bool ok = std::find(choices.begin(), choices.end(), text) != choices.end();
        return ok ? std::string()
                  : fmt::format("expected {}, found '{}'", listed(choices),
                                tg::detail::shown(text));
      },
      "{" + braced + "}");
}

template <typename T>
bool is_a(const std::exception& e) {
  return dynamic_cast<const T*>(&e) != nullptr;
}

// The line for an exception that escaped a subcommand and is neither a tapegrad::Error nor a
// CLI11 error: what went wrong and the standard type, rather than a bare what() such as
// "vector::reserve" or "std::bad_alloc".
std::string describe_unexpected(const std::exception& e) {
  if (is_a<std::bad_alloc>(e)) return "out of memory (std::bad_alloc)";
  const char* type = is_a<std::filesystem::filesystem_error>(e)
                         ? "std::filesystem::filesystem_error"
                     : is_a<std::system_error>(e)  ? "std::system_error"
                     : is_a<std::length_error>(e)  ? "std::length_error"
                     : is_a<std::out_of_range>(e)  ? "std::out_of_range"
                     : is_a<std::logic_error>(e)   ? "std::logic_error"
                     : is_a<std::runtime_error>(e) ? "std::runtime_error"
                                                   : "std::exception";
  return fmt::format("{} ({}: {})",
                     is_a<std::length_error>(e) ? "too large to allocate" : "unexpected error",
                     type, e.what());
}

// The settable values of the examples, shared by explain, graph and gradcheck.
struct ExampleOptions {
  std::string example;
  std::map<std::string, double> values;
  std::map<std::string, CLI::Option*> options;

  void add_to(CLI::App& sub, bool models) {
    CLI::Option* positional =
        sub.add_option("example", example,
                       models ? "lecture (logistic regression), chain (J = 3(a + b c)) or a "
                                "MODEL.json saved by 'tapegrad train --save'"
                              : "lecture (logistic regression) or chain (J = 3(a + b c))")
            ->required();
    if (!models) positional->check(choice_check(tool::example_names()));
    const std::map<std::string, std::string> help{
        {"x1", "lecture: feature x1 (default 1)"},
        {"x2", "lecture: feature x2 (default 2)"},
        {"w1", "lecture: weight w1 (default 0.5)"},
        {"w2", "lecture: weight w2 (default -0.25)"},
        {"y", "lecture: label y, 0 or 1 (default 1)"},
        {"a", "chain: a (default 5)"},
        {"b", "lecture: bias b (default 0.1); chain: b (default 3)"},
        {"c", "chain: c (default 2)"}};
    for (const std::string name : {"x1", "x2", "w1", "w2", "b", "y", "a", "c"}) {
      // Not nan or inf: the walkthrough and the diagrams would show nan throughout.
      options[name] = sub.add_option("--" + name, values[name], help.at(name))
                          ->check(name == "y" ? kLabel : kFinite);
    }
  }

  // The example's settings: its defaults, overridden by the values given on the command line.
  // A name that is no example must name a model file that exists (graph and gradcheck).
  [[nodiscard]] std::vector<tool::Setting> settings(std::string_view command) const {
    if (!tool::is_example(example)) {
      std::error_code error;
      if (!std::filesystem::exists(example, error)) {
        tg::detail::fail(command, "example",
                         "'{}' is neither an example ({}) nor a model file that exists",
                         tg::detail::shown(example, example.size()), listed(tool::example_names()));
      }
      for (const auto& [name, option] : options) {
        if (option->count() > 0) {
          tg::detail::fail(command, "--" + name, "applies to the lecture examples only");
        }
      }
      return {};
    }
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
  explain_ex.add_to(*explain_cmd, false);
  explain_cmd->add_flag("--json", explain.json, "Machine-readable output");
  explain_cmd->add_option("--frames", explain.frames,
                          "Write one diagram per backward step and an index.html to this folder");

  tool::GraphArgs graph;
  ExampleOptions graph_ex;
  std::string ops = "separate";
  CLI::App* graph_cmd = app.add_subcommand(
      "graph",
      "Write the diagram (DOT, and SVG/PNG with Graphviz) of a lecture example or a saved model");
  graph_ex.add_to(*graph_cmd, true);
  graph_cmd->add_option("--data", graph.data, "Model graphs: CSV whose first rows feed the graph");
  graph_cmd->add_option("--target", graph.target, "Model graphs: label column (default: model's)");
  graph_cmd->add_option("--rows", graph.rows, "Model graphs: number of examples (default 4)")
      ->transform(whole_check(1, kMaxExamples));
  graph_cmd->add_option("-o,--out", graph.out, "DOT file to write (default: DOT to stdout)");
  graph_cmd->add_flag("--svg", graph.svg, "Also write an SVG next to the DOT file (Graphviz)");
  graph_cmd->add_flag("--png", graph.png, "Also write a PNG next to the DOT file (Graphviz)");
  graph_cmd->add_option("--ops", ops, "Op nodes: separate bubbles or merged into values")
      ->check(choice_check({"separate", "merged"}));
  graph_cmd->add_flag("--edge-derivatives", graph.edge_derivatives,
                      "Label edges with the local partial derivative d out / d in");
  graph_cmd->add_option("--precision", graph.precision, "Significant digits (1-17, default 4)")
      ->transform(kPrecision);

  tool::GradcheckArgs gradcheck;
  ExampleOptions gradcheck_ex;
  CLI::App* gradcheck_cmd = app.add_subcommand(
      "gradcheck",
      "Check every param's gradient of a lecture example or a saved model by finite differences");
  gradcheck_ex.add_to(*gradcheck_cmd, true);
  gradcheck_cmd->add_option("--data", gradcheck.data, "Models: CSV to check the loss on");
  gradcheck_cmd->add_option("--target", gradcheck.target,
                            "Models: label column (default: model's)");
  gradcheck_cmd->add_option("--rows", gradcheck.rows, "Models: number of examples (default 16)")
      ->transform(whole_check(1, kMaxExamples));
  gradcheck_cmd->add_option("--step", gradcheck.step, "Relative finite-difference step")
      ->check(kPositive);
  gradcheck_cmd->add_option("--rtol", gradcheck.rtol, "Relative tolerance")->check(kNonNegative);
  gradcheck_cmd->add_option("--atol", gradcheck.atol, "Absolute tolerance")->check(kNonNegative);
  gradcheck_cmd
      ->add_option("--fd-noise", gradcheck.fd_noise,
                   "Multiples of the difference quotient's rounding error tolerated (default 64)")
      ->check(kNonNegative);
  gradcheck_cmd->add_flag("--json", gradcheck.json, "Machine-readable output");

  tool::TrainArgs train;
  CLI::App* train_cmd =
      app.add_subcommand("train", "Train a logistic regression or an MLP on a CSV file");
  train_cmd->add_option("data", train.data, "CSV file with a header row")->required();
  train_cmd->add_option("--target", train.target, "Label column (values 0 or 1)")->required();
  train_cmd->add_option("--model", train.model, "logreg or mlp (default logreg)")
      ->check(choice_check({"logreg", "mlp"}));
  std::vector<std::string> hidden_text;  // read into train.hidden by read_widths
  CLI::Option* hidden =
      train_cmd
          ->add_option("--hidden", hidden_text, "MLP hidden layer widths, e.g. 16,8 (default 16)")
          ->type_name("UINT")
          ->check(CLI::Validator([](std::string& text) { return read_widths(text, nullptr); },
                                 fmt::format("1-{}", kMaxHidden)));
  train_cmd->add_option("--activation", train.activation, "MLP hidden activation: tanh or relu")
      ->check(choice_check({"tanh", "relu"}));
  train_cmd->add_option("--optimizer", train.optimizer, "gd, momentum or adam (default gd)")
      ->check(choice_check({"gd", "momentum", "adam"}));
  train_cmd->add_option("--lr", train.lr, "Learning rate (default 0.1)")->check(kPositive);
  train_cmd->add_option("--epochs", train.epochs, "Passes over the data (default 100)")
      ->transform(whole_check(1, kMaxEpochs));
  train_cmd->add_option("--batch", train.batch, "Examples per step; 0 for full batch (default)")
      ->transform(whole_check(0, kMaxExamples));
  train_cmd->add_option("--seed", train.seed, "Seed of the split, initialisation and shuffles")
      ->transform(whole_check(0, std::numeric_limits<std::uint64_t>::max(), ""));
  train_cmd
      ->add_option("--test-fraction", train.test_fraction,
                   "Fraction held out for testing, in [0, 1) (default 0.2)")
      ->check(kFraction);
  train_cmd->add_flag("--no-standardize", train.no_standardize,
                      "Train on the raw features (no z-score standardisation)");
  train_cmd->add_option("--save", train.save, "Write the trained model to this JSON file");
  train_cmd->add_option("--history", train.history, "Write epoch,loss,accuracy to this CSV");
  train_cmd->add_option("--plot", train.plot, "Write the loss curve to this SVG file");
  train_cmd->add_flag("--json", train.json, "Machine-readable summary on stdout");

  tool::PredictArgs predict;
  CLI::App* predict_cmd =
      app.add_subcommand("predict", "Probability and class of every row of a CSV file, as CSV");
  predict_cmd->add_option("model", predict.model, "MODEL.json saved by 'tapegrad train --save'")
      ->required();
  predict_cmd->add_option("data", predict.data, "CSV file with the model's feature columns")
      ->required();
  predict_cmd->add_option("-o,--out", predict.out, "Write the CSV here (default: stdout)");

  tool::EvalArgs eval;
  CLI::App* eval_cmd =
      app.add_subcommand("eval", "Loss, accuracy and confusion matrix of a model on a CSV file");
  eval_cmd->add_option("model", eval.model, "MODEL.json saved by 'tapegrad train --save'")
      ->required();
  eval_cmd->add_option("data", eval.data, "Labelled CSV file")->required();
  eval_cmd->add_option("--target", eval.target, "Label column (default: the model's)");
  eval_cmd->add_flag("--json", eval.json, "Machine-readable output");

  tool::DemoArgs demo;
  CLI::App* demo_cmd = app.add_subcommand(
      "demo",
      "The lecture walkthrough, then a logistic regression and an MLP trained on the "
      "breast-cancer data, with diagrams and a loss plot in one folder");
  demo_cmd->add_option("-o,--out", demo.out, "Output folder (default ./tapegrad-demo)");
  demo_cmd->add_option("--data", demo.data, "The breast-cancer CSV (default: the source tree's)");

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
      return tool::is_example(graph.example) ? tool::run_graph(graph)
                                             : tool::run_model_graph(graph);
    }
    if (*gradcheck_cmd) {
      gradcheck.example = gradcheck_ex.example;
      gradcheck.settings = gradcheck_ex.settings("gradcheck");
      return tool::is_example(gradcheck.example) ? tool::run_gradcheck(gradcheck)
                                                 : tool::run_model_gradcheck(gradcheck);
    }
    if (*train_cmd) {
      train.hidden_given = hidden->count() > 0;
      if (train.hidden_given) {
        train.hidden.clear();
        for (const std::string& text : hidden_text) (void)read_widths(text, &train.hidden);
      }
      return tool::run_train(train);
    }
    if (*predict_cmd) return tool::run_predict(predict);
    if (*eval_cmd) return tool::run_eval(eval);
    if (*demo_cmd) return tool::run_demo(demo);
  } catch (const tg::AnomalyError& e) {
    // Training diverged: a failed run (exit 1), not a usage error.
    fmt::print(stderr,
               "tapegrad: {}; hint: lower the learning rate (--lr), or keep the features "
               "standardized\n",
               e.what());
    return 1;
  } catch (const tg::Error& e) {
    fmt::print(stderr, "tapegrad: {}\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    // Out of memory, say, with absurd sizes the options' checks let through: still one line that
    // names the subcommand, and exit status 2 like any other input the tool cannot carry out.
    std::string where;
    for (const CLI::App* sub : app.get_subcommands()) where += sub->get_name() + ": ";
    fmt::print(stderr, "tapegrad: {}{}\n", where, describe_unexpected(e));
    return 2;
  }
  fmt::print("{}", app.help());
  return 0;
}
