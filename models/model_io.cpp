#include "tapegrad/models/model_io.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <fstream>
#include <sstream>
#include <system_error>

#include <nlohmann/json.hpp>

#include "tapegrad/engine/error.hpp"

namespace tapegrad {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view kFormat = "tapegrad-model";

Json finite_array(std::span<const double> values, std::string_view field) {
  Json out = Json::array();
  for (double v : values) {
    if (!std::isfinite(v)) {
      detail::fail("save_model", field, "expected finite numbers, found {}", v);
    }
    out.push_back(v);
  }
  return out;
}

/// Validation of one document; every failure names the file and the field.
class Checker {
 public:
  explicit Checker(std::string_view file) : file_(file) {}

  template <typename... Args>
  [[noreturn]] void fail(std::string_view field, fmt::format_string<Args...> reason,
                         Args&&... args) const {
    detail::fail("load_model", file_, "{}: {}", field,
                 fmt::format(reason, std::forward<Args>(args)...));
  }

  const Json& member(const Json& object, std::string_view parent, const char* key) const {
    const std::string field = parent.empty() ? key : fmt::format("{}.{}", parent, key);
    if (!object.contains(key)) fail(field, "missing");
    return object[key];
  }

  void expect_type(const Json& value, std::string_view field, Json::value_t type,
                   std::string_view expected) const {
    if (value.type() != type) fail(field, "expected {}, found {}", expected, value.type_name());
  }

  std::string string(const Json& value, std::string_view field) const {
    expect_type(value, field, Json::value_t::string, "a string");
    return value.get<std::string>();
  }

  std::size_t count(const Json& value, std::string_view field) const {
    if (!value.is_number_unsigned()) {
      fail(field, "expected a non-negative integer, found {}", value.dump());
    }
    return value.get<std::size_t>();
  }

  double number(const Json& value, std::string_view field) const {
    if (!value.is_number()) fail(field, "expected a number, found {}", value.type_name());
    const double v = value.get<double>();
    if (!std::isfinite(v)) fail(field, "expected a finite number, found {}", v);
    return v;
  }

  const Json& array(const Json& value, std::string_view field, std::size_t size) const {
    expect_type(value, field, Json::value_t::array, "an array");
    if (value.size() != size) {
      fail(field, "expected {}, found {}", detail::plural(size, "element"), value.size());
    }
    return value;
  }

  std::vector<double> numbers(const Json& value, std::string_view field, std::size_t size) const {
    array(value, field, size);
    std::vector<double> out;
    out.reserve(size);
    for (std::size_t i = 0; i < size; ++i) {
      out.push_back(number(value[i], fmt::format("{}[{}]", field, i)));
    }
    return out;
  }

  /// f()'s result; an Error from f is reported for `field` with f's own reason (the text after
  /// "op: argument: ").
  template <class F>
  auto reported(std::string_view field, F&& f) const {
    try {
      return f();
    } catch (const Error& e) {
      std::string_view reason = e.what();
      for (int i = 0; i < 2; ++i)
        reason.remove_prefix(std::min(reason.size(), reason.find(": ") + 2));
      fail(field, "{}", reason);
    }
  }

 private:
  std::string_view file_;
};

Model parse_document(const Json& doc, const Checker& c) {
  c.expect_type(doc, "(document)", Json::value_t::object, "an object");
  const std::string format = c.string(c.member(doc, "", "format"), "format");
  if (format != kFormat) c.fail("format", "expected '{}', found '{}'", kFormat, format);
  const Json& version = c.member(doc, "", "version");
  if (!version.is_number_integer() || version.get<long long>() != kModelFormatVersion) {
    c.fail("version", "expected {}, found {}", kModelFormatVersion, version.dump());
  }

  Model model;
  const std::string kind = c.string(c.member(doc, "", "kind"), "kind");
  model.kind = c.reported("kind", [&] { return parse_model_kind(kind); });

  const Json& sizes = c.member(doc, "", "sizes");
  c.expect_type(sizes, "sizes", Json::value_t::array, "an array");
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    model.sizes.push_back(c.count(sizes[i], fmt::format("sizes[{}]", i)));
  }
  const std::vector<Shape> shapes =
      c.reported("sizes", [&] { return param_shapes(model.kind, model.sizes); });

  if (model.kind == ModelKind::mlp) {
    const std::string activation = c.string(c.member(doc, "", "activation"), "activation");
    model.activation = c.reported("activation", [&] { return parse_activation(activation); });
  }

  const std::size_t n = model.sizes.front();
  const Json& names = c.array(c.member(doc, "", "feature_names"), "feature_names", n);
  for (std::size_t i = 0; i < n; ++i) {
    model.feature_names.push_back(c.string(names[i], fmt::format("feature_names[{}]", i)));
    // Prediction finds columns by name: each name must be one column.
    for (std::size_t j = 0; j < i; ++j) {
      if (model.feature_names[j] == model.feature_names[i]) {
        c.fail(fmt::format("feature_names[{}]", i), "'{}' repeats feature_names[{}]",
               model.feature_names[i], j);
      }
    }
  }
  model.target_name = c.string(c.member(doc, "", "target_name"), "target_name");
  for (std::size_t j = 0; j < n; ++j) {
    if (model.feature_names[j] == model.target_name) {
      c.fail("target_name", "'{}' is also feature_names[{}]", model.target_name, j);
    }
  }

  const Json& standardization = c.member(doc, "", "standardization");
  if (!standardization.is_null()) {
    c.expect_type(standardization, "standardization", Json::value_t::object, "an object or null");
    model.standardizer.mean =
        c.numbers(c.member(standardization, "standardization", "mean"), "standardization.mean", n);
    model.standardizer.scale = c.numbers(c.member(standardization, "standardization", "scale"),
                                         "standardization.scale", n);
    for (std::size_t i = 0; i < n; ++i) {
      if (!(model.standardizer.scale[i] > 0.0)) {
        c.fail(fmt::format("standardization.scale[{}]", i), "expected a positive number, found {}",
               model.standardizer.scale[i]);
      }
    }
  }

  const std::vector<std::string> param_names_expected = param_names(model.kind, model.sizes);
  const Json& params = c.array(c.member(doc, "", "parameters"), "parameters", shapes.size());
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    const std::string field = fmt::format("parameters[{}]", i);
    const Json& p = params[i];
    c.expect_type(p, field, Json::value_t::object, "an object");
    const std::string name = c.string(c.member(p, field, "name"), field + ".name");
    if (name != param_names_expected[i]) {
      c.fail(field + ".name", "expected '{}', found '{}'", param_names_expected[i], name);
    }
    const Json& shape = c.array(c.member(p, field, "shape"), field + ".shape", 2);
    const std::size_t rows = c.count(shape[0], field + ".shape[0]");
    const std::size_t cols = c.count(shape[1], field + ".shape[1]");
    if (Shape{rows, cols} != shapes[i]) {
      c.fail(field + ".shape", "expected [{}, {}], found [{}, {}]", shapes[i].rows, shapes[i].cols,
             rows, cols);
    }
    model.params.emplace_back(
        shapes[i], c.numbers(c.member(p, field, "values"), field + ".values", rows * cols));
  }
  return model;
}

}  // namespace

std::string model_to_json(const Model& model) {
  const std::vector<Shape> shapes = param_shapes(model.kind, model.sizes);
  const std::vector<std::string> names = param_names(model.kind, model.sizes);
  if (model.params.size() != shapes.size() || model.feature_names.size() != model.inputs()) {
    detail::fail("save_model", "model",
                 "expected {} parameters and {} feature names, found {} and {}", shapes.size(),
                 model.inputs(), model.params.size(), model.feature_names.size());
  }
  Json doc;
  doc["format"] = kFormat;
  doc["version"] = kModelFormatVersion;
  doc["kind"] = to_string(model.kind);
  doc["sizes"] = model.sizes;
  if (model.kind == ModelKind::mlp) doc["activation"] = to_string(model.activation);
  doc["feature_names"] = model.feature_names;
  doc["target_name"] = model.target_name;
  if (model.standardizer.empty()) {
    doc["standardization"] = nullptr;
  } else {
    if (model.standardizer.mean.size() != model.inputs() ||
        model.standardizer.scale.size() != model.inputs()) {
      detail::fail("save_model", "standardization", "expected {} means and scales", model.inputs());
    }
    doc["standardization"] = {{"mean", finite_array(model.standardizer.mean, "standardization")},
                              {"scale", finite_array(model.standardizer.scale, "standardization")}};
  }
  Json params = Json::array();
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    if (model.params[i].shape() != shapes[i]) {
      detail::fail("save_model", names[i], "expected shape {}, found {}", shapes[i],
                   model.params[i].shape());
    }
    params.push_back({{"name", names[i]},
                      {"shape", {shapes[i].rows, shapes[i].cols}},
                      {"values", finite_array(model.params[i].view().span(), names[i])}});
  }
  doc["parameters"] = std::move(params);
  return doc.dump(2) + "\n";
}

Model model_from_json(std::string_view text, std::string_view name) {
  Json doc;
  try {
    doc = Json::parse(text);
  } catch (const Json::out_of_range& e) {  // 1e999: would read as infinity
    detail::fail("load_model", name, "(document): expected finite numbers: {}", e.what());
  } catch (const Json::exception& e) {
    detail::fail("load_model", name, "(document): invalid JSON: {}", e.what());
  }
  return parse_document(doc, Checker(name));
}

void save_model(const Model& model, const std::filesystem::path& path) {
  const std::string text = model_to_json(model);
  const auto fail = [&](std::string_view what, int error) {
    detail::fail("save_model", path.string(), "{}: {}", what,
                 std::error_code(error, std::generic_category()).message());
  };
  static std::atomic<unsigned> counter{0};
  const std::filesystem::path dir = path.parent_path().empty() ? "." : path.parent_path();
  const std::filesystem::path tmp =
      dir / fmt::format(".{}.tmp-{}-{}", path.filename().string(), ::getpid(), counter++);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) fail("cannot create a temporary file", errno);
  const auto abandon = [&](std::string_view what, int error) {
    ::close(fd);
    ::unlink(tmp.c_str());
    fail(what, error);
  };
  for (std::size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) abandon("cannot write the temporary file", errno);
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) abandon("cannot flush the temporary file", errno);
  if (::close(fd) != 0) {
    const int error = errno;
    ::unlink(tmp.c_str());
    fail("cannot close the temporary file", error);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    ::unlink(tmp.c_str());
    fail("cannot replace the file", ec.value());
  }
}

Model load_model(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) detail::fail("load_model", path.string(), "cannot open the file for reading");
  std::ostringstream text;
  text << in.rdbuf();
  return model_from_json(text.view(), path.string());
}

}  // namespace tapegrad
