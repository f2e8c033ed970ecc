// `tapegrad graph EXAMPLE|MODEL.json`: the diagram of a lecture example or of a saved model's loss
// on the first rows of a data set, as DOT (stdout or a file) and SVG / PNG with Graphviz.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "commands.hpp"
#include "lang.hpp"
#include "models.hpp"
#include "output.hpp"

namespace tapegrad::tool {
namespace {

struct GraphArgs {
  ExampleOptions example;  // "lecture", "chain" or a model file, and the examples' values
  std::string data;        // model graphs: the CSV whose first rows feed the graph
  std::string target;      // model graphs: the label column (default: the model's)
  std::size_t rows = 4;    // model graphs: number of examples in the graph
  std::string out;         // DOT file; empty: DOT to stdout
  bool svg = false;
  bool png = false;
  std::string ops = "separate";
  bool edge_derivatives = false;
  int precision = 4;
  std::string lang = "en";  // words in the diagram: en or ko
};

// Writes the diagram of `tape` as the arguments ask (stdout or files); returns the exit status.
int emit_graph(const Tape& tape, const GraphArgs& args, const std::string& title,
               const Example* ex = nullptr) {
  DotOptions o;
  if (ex != nullptr) o.edge_formulas = ex->local_forms;  // the lecture's local derivatives
  o.ops = args.ops == "merged" ? OpStyle::Merged : OpStyle::Separate;
  o.edge_derivatives = args.edge_derivatives;
  o.precision = args.precision;
  o.title = title;
  o.words = dot_words(args.lang == "ko" ? Lang::ko : Lang::en);
  const std::string dot = to_dot(tape, o);
  if (args.out.empty()) {
    fmt::print("{}", dot);
    return 0;
  }
  const std::vector<std::string> written = write_diagram(dot, args.out, args.svg, args.png);
  for (const std::string& file : written) fmt::print("wrote {}\n", shown_path(file));
  return 0;
}

int run_model_graph(const GraphArgs& args) {
  if (args.data.empty()) detail::fail("graph", "--data", "a model graph needs data (--data CSV)");
  const std::string& file = args.example.example();
  const Model model = load_model(file);
  const ModelLoss loss = record_model_loss(model, args.data, args.target, args.rows, "graph");
  const Lang lang = args.lang == "ko" ? Lang::ko : Lang::en;
  return emit_graph(
      *loss.tape, args,
      fmt::format(fmt::runtime(say(Msg::model_graph_title, lang)), file, to_string(model.kind),
                  examples_text(loss.examples, lang), args.data));
}

int run_graph(const GraphArgs& args) {
  const std::vector<Setting> settings = args.example.settings("graph");
  if ((args.svg || args.png) && args.out.empty()) {
    detail::fail("graph", "--svg/--png", "needs -o FILE.dot to name the pictures");
  }
  if (!is_example(args.example.example())) return run_model_graph(args);
  Example ex = make_example(args.example.example(), settings);
  localize(ex, args.lang == "ko" ? Lang::ko : Lang::en);
  return emit_graph(*ex.tape, args, ex.title, &ex);
}

}  // namespace

std::vector<std::string> write_diagram(const std::string& dot, const std::string& dot_path,
                                       bool svg, bool png) {
  std::vector<std::string> written;
  write_output(dot_path, dot);
  written.push_back(dot_path);
  if (!svg && !png) return written;
  if (!graphviz_available()) {
    fmt::print(stderr,
               "tapegrad: wrote {} only: Graphviz's dot program was not found; install Graphviz "
               "(apt-get install graphviz) to get SVG and PNG pictures\n",
               shown_path(dot_path));
    return written;
  }
  std::filesystem::path base(dot_path);
  if (svg) {
    render_dot(dot, base.replace_extension(".svg"), ImageFormat::Svg);
    written.push_back(base.string());
  }
  if (png) {
    render_dot(dot, base.replace_extension(".png"), ImageFormat::Png);
    written.push_back(base.string());
  }
  return written;
}

Subcommand add_graph(CLI::App& app) {
  auto args = std::make_shared<GraphArgs>();
  CLI::App* cmd = app.add_subcommand(
      "graph",
      "Write the diagram (DOT, and SVG/PNG with Graphviz) of a lecture example or a saved model");
  args->example.add_to(*cmd, true);
  cmd->add_option("--data", args->data, "Model graphs: CSV whose first rows feed the graph");
  cmd->add_option("--target", args->target, "Model graphs: label column (default: model's)");
  cmd->add_option("--rows", args->rows, "Model graphs: number of examples (default 4)")
      ->transform(whole_check(1, kMaxExamples));
  cmd->add_option("-o,--out", args->out, "DOT file to write (default: DOT to stdout)");
  cmd->add_flag("--svg", args->svg, "Also write an SVG next to the DOT file (Graphviz)");
  cmd->add_flag("--png", args->png, "Also write a PNG next to the DOT file (Graphviz)");
  cmd->add_option("--ops", args->ops, "Op nodes: separate bubbles or merged into values")
      ->check(choice_check({"separate", "merged"}));
  cmd->add_flag("--edge-derivatives", args->edge_derivatives,
                "Label edges with the local partial derivative d out / d in");
  cmd->add_option("--precision", args->precision, "Significant digits (1-17, default 4)")
      ->transform(whole_check(1, 17));
  cmd->add_option("--lang", args->lang, "Words in the diagram: en (default) or ko (Korean)")
      ->transform(choice_check({"en", "ko"}));
  return {cmd, [args] { return run_graph(*args); }};
}

}  // namespace tapegrad::tool
