// `tapegrad predict MODEL.json DATA.csv`: the predicted class and one probability per class (or
// the regression's prediction) of every row, as CSV on stdout or in a file.
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
  double threshold = 0.5;
  bool threshold_given = false;
  CsvArgs csv;
};

int run_predict(const PredictArgs& args) {
  check_writable(args.out, "--out");
  const Model model = load_model(args.model);
  if (args.threshold_given && model.task != Task::binary) {
    detail::fail("predict", "--threshold", "applies to binary models only, found a {} model",
                 to_string(model.task));
  }
  // In blocks of rows, each written before the next is read: memory holds one block. A file is
  // written to a temporary file put in place at the end, so an error leaves no part of it.
  std::unique_ptr<OutputFile> file;
  if (!args.out.empty()) file = std::make_unique<OutputFile>(args.out);
  const auto emit = [&](const std::string& text) {
    if (file) {
      file->write(text);
    } else {
      fmt::print("{}", text);
    }
  };
  bool first = true;
  const std::size_t rows =
      read_blocks_for_model(model, args.data, "", args.csv, "predict", [&](const Dataset& block) {
        std::string text = predictions_rows(model, block, args.threshold);
        if (first) text = predictions_header(model, block) + text;
        first = false;
        emit(text);
      });
  if (file) {
    file->commit();
    fmt::print(stderr, "tapegrad: wrote {} to {}\n", detail::plural(rows, "prediction"),
               shown_path(args.out));
  }
  return 0;
}

}  // namespace

Subcommand add_predict(CLI::App& app) {
  auto args = std::make_shared<PredictArgs>();
  CLI::App* cmd = app.add_subcommand(
      "predict",
      "Class and per-class probabilities (or the regression's value) of every row of a CSV file, "
      "as CSV");
  cmd->add_option("model", args->model, "MODEL.json saved by 'tapegrad train --save'")->required();
  cmd->add_option("data", args->data, "CSV file with the model's feature columns")->required();
  cmd->add_option("-o,--out", args->out, "Write the CSV here (default: stdout)");
  CLI::Option* threshold =
      cmd->add_option("--threshold", args->threshold,
                      "Binary models: predict the second class where its probability is at least "
                      "this (default 0.5)")
          ->check(CLI::Validator(
              [](std::string& text) -> std::string {
                char* end = nullptr;
                const double v = std::strtod(text.c_str(), &end);
                const bool ok =
                    !text.empty() && end == text.c_str() + text.size() && v >= 0.0 && v <= 1.0;
                return ok ? std::string()
                          : fmt::format("expected a probability in [0, 1], found '{}'",
                                        detail::shown(text));
              },
              "PROBABILITY"));
  args->csv.add_to(*cmd, true);
  // Only the model's columns are read: nothing to leave out.
  cmd->remove_option(cmd->get_option("--ignore"));
  return {cmd, [args, threshold] {
            args->threshold_given = threshold->count() > 0;
            return run_predict(*args);
          }};
}

}  // namespace tapegrad::tool
