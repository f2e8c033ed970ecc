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
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "tapegrad/engine/error.hpp"

namespace tapegrad {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view kFormat = "tapegrad-model";

// The length of the well-formed UTF-8 sequence at the start of `text`, or 0 if there is none.
std::size_t utf8_length(std::string_view text) noexcept {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char b0 = byte(0);
  if (b0 < 0x80) return 1;
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // the second byte's range
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3;
    if (b0 == 0xE0) lo = 0xA0;  // no overlong forms
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (text.size() < n || byte(1) < lo || byte(1) > hi) return 0;
  for (std::size_t i = 2; i < n; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xBF) return 0;
  }
  return n;
}

// Throws unless `name` is UTF-8 text.
void check_utf8(std::string_view name, std::string_view field) {
  if (!detail::is_utf8(name)) {
    detail::fail("save_model", field, "expected UTF-8 text (a model file is JSON), found '{}'",
                 detail::shown_text(name));
  }
}

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

/// A standardizer of `columns` columns from doc[key]: null (empty) or {"mean", "scale"}.
Standardizer read_standardizer(const Checker& c, const Json& doc, const char* key,
                               std::size_t columns) {
  const Json& value = c.member(doc, "", key);
  Standardizer out;
  if (value.is_null()) return out;
  c.expect_type(value, key, Json::value_t::object, "an object or null");
  const std::string scale_field = fmt::format("{}.scale", key);
  out.mean = c.numbers(c.member(value, key, "mean"), fmt::format("{}.mean", key), columns);
  out.scale = c.numbers(c.member(value, key, "scale"), scale_field, columns);
  for (std::size_t i = 0; i < columns; ++i) {
    if (!(out.scale[i] > 0.0)) {
      c.fail(fmt::format("{}[{}]", scale_field, i), "expected a positive number, found {}",
             out.scale[i]);
    }
  }
  return out;
}

/// doc[key] for a standardizer of `columns` columns: null or {"mean", "scale"}.
Json standardizer_json(const Standardizer& s, std::size_t columns, std::string_view key) {
  if (s.empty()) return nullptr;
  if (s.mean.size() != columns || s.scale.size() != columns) {
    detail::fail("save_model", key, "expected {} means and scales", columns);
  }
  return {{"mean", finite_array(s.mean, key)}, {"scale", finite_array(s.scale, key)}};
}

/// The version a model needs: 1 for a binary model without class names (the original format),
/// 2 otherwise.
int version_for(const Model& model) {
  if (!model.categorical.empty()) return 3;
  return model.task == Task::binary && model.classes.empty() && model.target_standardizer.empty()
             ? 1
             : 2;
}

/// doc["categorical"] (version 3): [{"name": column, "categories": [...]}, ...]; each category's
/// feature "column=category" must be one of the model's features (`features`: name -> index).
void read_categorical(const Checker& c, const Json& doc, Model& model,
                      const std::unordered_map<std::string_view, std::size_t>& features) {
  const Json& list = c.member(doc, "", "categorical");
  c.expect_type(list, "categorical", Json::value_t::array, "an array");
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string field = fmt::format("categorical[{}]", i);
    c.expect_type(list[i], field, Json::value_t::object, "an object");
    CategoricalColumn column;
    column.name = c.string(c.member(list[i], field, "name"), field + ".name");
    if (column.name.empty()) c.fail(field + ".name", "expected a column name, found ''");
    const Json& categories = c.member(list[i], field, "categories");
    c.expect_type(categories, field + ".categories", Json::value_t::array, "an array");
    if (categories.empty()) c.fail(field + ".categories", "expected at least one category");
    for (std::size_t k = 0; k < categories.size(); ++k) {
      const std::string at = fmt::format("{}.categories[{}]", field, k);
      column.categories.push_back(c.string(categories[k], at));
      const std::string feature = fmt::format("{}={}", column.name, column.categories.back());
      if (!features.contains(feature)) {
        c.fail(at, "expected a feature named '{}', found none", detail::shown_text(feature));
      }
      for (std::size_t j = 0; j < k; ++j) {
        if (column.categories[j] == column.categories[k]) {
          c.fail(at, "'{}' repeats {}.categories[{}]", detail::shown_text(column.categories[k]),
                 field, j);
        }
      }
    }
    for (const CategoricalColumn& before : model.categorical) {
      if (before.name == column.name) {
        c.fail(field + ".name", "'{}' is encoded twice", detail::shown_text(column.name));
      }
    }
    if (features.contains(column.name) || column.name == model.target_name) {
      c.fail(field + ".name", "'{}' is also a feature or the target",
             detail::shown_text(column.name));
    }
    model.categorical.push_back(std::move(column));
  }
}

Model parse_document(const Json& doc, const Checker& c) {
  c.expect_type(doc, "(document)", Json::value_t::object, "an object");
  const std::string format = c.string(c.member(doc, "", "format"), "format");
  if (format != kFormat) c.fail("format", "expected '{}', found '{}'", kFormat, format);
  const Json& version_field = c.member(doc, "", "version");
  if (!version_field.is_number_integer() || version_field.get<long long>() < 1 ||
      version_field.get<long long>() > kModelFormatVersion) {
    c.fail("version", "expected 1, 2 or {}, found {}", kModelFormatVersion, version_field.dump());
  }
  const long long version = version_field.get<long long>();

  Model model;
  const std::string kind = c.string(c.member(doc, "", "kind"), "kind");
  model.kind = c.reported("kind", [&] { return parse_model_kind(kind); });
  if (version >= 2) {
    const std::string task = c.string(c.member(doc, "", "task"), "task");
    model.task = c.reported("task", [&] { return parse_task(task); });
  }
  if (version == 1 && model.kind != ModelKind::logreg && model.kind != ModelKind::mlp) {
    c.fail("kind", "expected 'logreg' or 'mlp' in a version-1 file, found '{}'", kind);
  }
  if (model.task != task_of(model.kind, model.task)) {
    c.fail("task", "expected '{}' for {}, found '{}'", to_string(task_of(model.kind, model.task)),
           to_string(model.kind), to_string(model.task));
  }

  const Json& sizes = c.member(doc, "", "sizes");
  c.expect_type(sizes, "sizes", Json::value_t::array, "an array");
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    model.sizes.push_back(c.count(sizes[i], fmt::format("sizes[{}]", i)));
  }
  const std::vector<Shape> shapes =
      c.reported("sizes", [&] { return param_shapes(model.kind, model.sizes, model.task); });

  if (model.kind == ModelKind::mlp) {
    const std::string activation = c.string(c.member(doc, "", "activation"), "activation");
    model.activation = c.reported("activation", [&] { return parse_activation(activation); });
  }

  const std::size_t n = model.sizes.front();
  const Json& names = c.array(c.member(doc, "", "feature_names"), "feature_names", n);
  // Prediction finds columns by name: each name must be one column, none empty (a CSV column
  // always has a name), and the target none of them. Hashed, so a wide model loads in linear time.
  std::unordered_map<std::string_view, std::size_t> first;
  model.feature_names.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::string field = fmt::format("feature_names[{}]", i);
    model.feature_names.push_back(c.string(names[i], field));
    if (model.feature_names[i].empty()) c.fail(field, "expected a column name, found ''");
  }
  for (std::size_t i = 0; i < n; ++i) {
    const auto [at, fresh] = first.emplace(model.feature_names[i], i);
    if (!fresh) {
      c.fail(fmt::format("feature_names[{}]", i), "'{}' repeats feature_names[{}]",
             detail::shown_text(model.feature_names[i]), at->second);
    }
  }
  model.target_name = c.string(c.member(doc, "", "target_name"), "target_name");
  if (model.target_name.empty()) c.fail("target_name", "expected a column name, found ''");
  if (const auto at = first.find(model.target_name); at != first.end()) {
    c.fail("target_name", "'{}' is also feature_names[{}]", detail::shown_text(model.target_name),
           at->second);
  }

  model.standardizer = read_standardizer(c, doc, "standardization", n);
  if (version >= 2) {
    const Json& classes = c.member(doc, "", "classes");
    c.expect_type(classes, "classes", Json::value_t::array, "an array");
    const std::size_t k = model.class_count();
    if (!classes.empty() && classes.size() != k) {
      c.fail("classes", "expected 0 or {} names for a {} model, found {}", k, to_string(model.task),
             classes.size());
    }
    for (std::size_t i = 0; i < classes.size(); ++i) {
      const std::string field = fmt::format("classes[{}]", i);
      model.classes.push_back(c.string(classes[i], field));
      for (std::size_t j = 0; j < i; ++j) {
        if (model.classes[j] == model.classes[i]) {
          c.fail(field, "'{}' repeats classes[{}]", model.classes[i], j);
        }
      }
    }
    model.target_standardizer = read_standardizer(c, doc, "target_standardization", 1);
    if (!model.target_standardizer.empty() && model.task != Task::regression) {
      c.fail("target_standardization", "expected null for {}, found an object",
             to_string(model.task));
    }
  }

  if (version >= 3) read_categorical(c, doc, model, first);

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
  if (model.task != task_of(model.kind, model.task)) {
    detail::fail("save_model", "task", "expected {} for {}, found {}",
                 to_string(task_of(model.kind, model.task)), to_string(model.kind),
                 to_string(model.task));
  }
  const std::vector<Shape> shapes = param_shapes(model.kind, model.sizes, model.task);
  const std::vector<std::string> names = param_names(model.kind, model.sizes);
  if (model.params.size() != shapes.size() || model.feature_names.size() != model.inputs()) {
    detail::fail("save_model", "model",
                 "expected {} parameters and {} feature names, found {} and {}", shapes.size(),
                 model.inputs(), model.params.size(), model.feature_names.size());
  }
  if (!model.classes.empty() && model.classes.size() != model.class_count()) {
    detail::fail("save_model", "classes", "expected 0 or {} names, found {}", model.class_count(),
                 model.classes.size());
  }
  const int version = version_for(model);
  Json doc;
  doc["format"] = kFormat;
  doc["version"] = version;
  doc["kind"] = to_string(model.kind);
  if (version >= 2) doc["task"] = to_string(model.task);
  doc["sizes"] = model.sizes;
  if (model.kind == ModelKind::mlp) doc["activation"] = to_string(model.activation);
  for (std::size_t i = 0; i < model.feature_names.size(); ++i) {
    check_utf8(model.feature_names[i], fmt::format("feature_names[{}]", i));
  }
  check_utf8(model.target_name, "target_name");
  for (std::size_t i = 0; i < model.classes.size(); ++i) {
    check_utf8(model.classes[i], fmt::format("classes[{}]", i));
  }
  doc["feature_names"] = model.feature_names;
  doc["target_name"] = model.target_name;
  doc["standardization"] = standardizer_json(model.standardizer, model.inputs(), "standardization");
  if (version >= 2) {
    doc["classes"] = model.classes;
    doc["target_standardization"] =
        standardizer_json(model.target_standardizer, 1, "target_standardization");
  }
  if (version >= 3) {
    Json list = Json::array();
    for (std::size_t i = 0; i < model.categorical.size(); ++i) {
      const CategoricalColumn& column = model.categorical[i];
      check_utf8(column.name, fmt::format("categorical[{}].name", i));
      for (std::size_t k = 0; k < column.categories.size(); ++k) {
        check_utf8(column.categories[k], fmt::format("categorical[{}].categories[{}]", i, k));
      }
      list.push_back({{"name", column.name}, {"categories", column.categories}});
    }
    doc["categorical"] = std::move(list);
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
    detail::fail("save_model", detail::shown_text(path.native(), path.native().size()), "{}: {}",
                 what, std::error_code(error, std::generic_category()).message());
  };
  static std::atomic<unsigned> counter{0};
  const std::filesystem::path dir = path.parent_path().empty() ? "." : path.parent_path();
  const std::filesystem::path tmp =
      dir / fmt::format(".tapegrad-{}-{}.tmp", ::getpid(), counter++);  // short: any name fits
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
  const std::string name = detail::shown_text(path.native(), path.native().size());
  std::ifstream in(path, std::ios::binary);
  if (!in) detail::fail("load_model", name, "cannot open the file for reading");
  std::ostringstream text;
  text << in.rdbuf();
  return model_from_json(text.view(), name);
}

namespace detail {

bool is_utf8(std::string_view text) noexcept {
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = utf8_length(text.substr(i));
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string shown_text(std::string_view text, std::size_t max) {
  std::string out;
  for (std::size_t i = 0; i < text.size() && i < max;) {
    const std::size_t n = utf8_length(text.substr(i));
    if (n == 0) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(text[i]));
      ++i;
    } else if (n == 1) {
      out += shown(text.substr(i, 1));
      ++i;
    } else {
      out += text.substr(i, n);
      i += n;
    }
  }
  if (text.size() > max) out += "...";
  return out;
}

}  // namespace detail

}  // namespace tapegrad
