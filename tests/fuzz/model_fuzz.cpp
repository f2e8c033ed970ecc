// libFuzzer harness for the model loader: any text either loads into a model that is valid
// (parameter shapes as the sizes say, every number finite) and survives a save/load round trip
// bit for bit, or throws tapegrad::Error naming the loader and the file. Anything else is a crash.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <tapegrad/tapegrad.hpp>

namespace {
[[noreturn]] void crash(const char* what) {
  std::fprintf(stderr, "model_fuzz: %s\n", what);
  std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace tg = tapegrad;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  tg::Model model;
  try {
    model = tg::model_from_json(text, "fuzz.json");
  } catch (const tg::Error& e) {
    const std::string_view message = e.what();
    if (message.find("fuzz.json") == std::string_view::npos) crash("a message omits the file");
    return 0;
  }
  const std::vector<tg::Shape> shapes = tg::param_shapes(model.kind, model.sizes);
  if (shapes.size() != model.params.size()) crash("parameter count disagrees with sizes");
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    if (model.params[i].shape() != shapes[i]) crash("a parameter shape disagrees with sizes");
    for (double v : model.params[i]) {
      if (!std::isfinite(v)) crash("a non-finite parameter was accepted");
    }
  }
  if (model.feature_names.size() != model.inputs()) crash("feature names disagree with sizes");
  const tg::Model again = tg::model_from_json(tg::model_to_json(model), "round-trip.json");
  for (std::size_t i = 0; i < model.params.size(); ++i) {
    if (!(again.params[i].view() == model.params[i].view())) crash("round trip changed a value");
  }
  return 0;
}
