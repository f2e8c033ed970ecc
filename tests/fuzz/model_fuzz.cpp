// libFuzzer harness for the model loader and for what the tool does with a loaded model. The
// input is model JSON, optionally followed by a NUL byte and CSV text. The JSON either loads into
// a model that is valid (parameter shapes as the sizes say, every number finite) and survives a
// save/load round trip bit for bit, or throws tapegrad::Error naming the loader and the file.
// A loaded model then goes through the model-using paths of `tapegrad predict`, `eval`, `graph`
// and `gradcheck` (tools/models.hpp) on the CSV (or, without one, three rows of the model's own
// columns): each gives a result without nan or throws a one-line Error. Anything else (another
// exception, a sanitizer report, a nan probability or loss) is a crash.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <string_view>

#include <tapegrad/tapegrad.hpp>

#include "models.hpp"

namespace {
namespace tg = tapegrad;

[[noreturn]] void crash(const char* what) {
  std::fprintf(stderr, "model_fuzz: %s\n", what);
  std::abort();
}

// Runs `f`; a tapegrad::Error is fine if its message is one line.
void one_line_or_ok(const std::function<void()>& f) {
  try {
    f();
  } catch (const tg::Error& e) {
    if (std::string_view(e.what()).find('\n') != std::string_view::npos) {
      crash("a message spans several lines");
    }
  }
}

std::string csv_quoted(std::string_view name) {
  std::string out = "\"";
  for (const char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// Three labelled rows of the model's own columns: 0, 1 and -1.
std::string own_columns(const tg::Model& model) {
  std::string header, rows[3];
  for (const std::string& name : model.feature_names) {
    header += csv_quoted(name) + ",";
    rows[0] += "0,";
    rows[1] += "1,";
    rows[2] += "-1,";
  }
  return header + csv_quoted(model.target_name) + "\n" + rows[0] + "0\n" + rows[1] + "1\n" +
         rows[2] + "1\n";
}

void use_model(const tg::Model& model, std::string_view csv) {
  tg::Dataset data;
  try {
    tg::CsvOptions options;  // as eval, graph and gradcheck read (tools/models.cpp)
    options.target = model.target_name;
    data = tg::parse_csv(csv, "fuzz.csv", tg::model_csv_options(model, options));
    tg::encode_target_for(data, model, "fuzz.csv");
  } catch (const tg::Error&) {
    return;  // the CSV reader has its own harness
  }
  one_line_or_ok([&] {  // predict
    if (tapegrad::tool::predictions_csv(model, data).find("nan") != std::string::npos) {
      crash("a probability is nan");
    }
  });
  one_line_or_ok([&] {  // eval
    const tg::Metrics m = model.evaluate(data);
    if (std::isnan(m.loss) || !(m.accuracy >= 0.0 && m.accuracy <= 1.0)) {
      crash("eval gave a nan loss or an accuracy outside [0, 1]");
    }
  });
  one_line_or_ok([&] {  // graph and gradcheck: the loss graph on the first rows
    const tapegrad::tool::ModelLoss loss =
        tapegrad::tool::record_model_loss(model, data, 4, "graph");
    (void)tg::to_dot(*loss.tape);
    (void)tg::grad_check(loss.J);
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t nul = input.find('\0');
  const std::string_view text = input.substr(0, nul);
  tg::Model model;
  try {
    model = tg::model_from_json(text, "fuzz.json");
  } catch (const tg::Error& e) {
    const std::string_view message = e.what();
    if (message.find("fuzz.json") == std::string_view::npos) crash("a message omits the file");
    return 0;
  }
  const std::vector<tg::Shape> shapes = tg::param_shapes(model.kind, model.sizes, model.task);
  if (shapes.size() != model.params.size()) crash("parameter count disagrees with sizes");
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    if (model.params[i].shape() != shapes[i]) crash("a parameter shape disagrees with sizes");
    for (double v : model.params[i]) {
      if (!std::isfinite(v)) crash("a non-finite parameter was accepted");
    }
  }
  if (model.feature_names.size() != model.inputs()) crash("feature names disagree with sizes");
  if (model.target_name.empty()) crash("an empty target name was accepted");
  std::string json;
  try {
    json = tg::model_to_json(model);
  } catch (const tg::Error& e) {  // only a name that is not UTF-8 (JSON's \u escapes make them)
    if (std::string_view(e.what()).find("expected UTF-8 text") == std::string_view::npos) {
      crash("a loaded model cannot be saved");
    }
    return 0;
  }
  const tg::Model again = tg::model_from_json(json, "round-trip.json");
  for (std::size_t i = 0; i < model.params.size(); ++i) {
    if (!(again.params[i].view() == model.params[i].view())) crash("round trip changed a value");
  }
  const std::string csv =
      nul == std::string_view::npos ? own_columns(model) : std::string(input.substr(nul + 1));
  use_model(model, csv);
  return 0;
}
