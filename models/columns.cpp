#include "tapegrad/models/columns.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <unordered_set>

#include "tapegrad/engine/error.hpp"

namespace tapegrad {
namespace {

/// A number as a class name: shortest form ("1", "-1", "2.5").
std::string number_name(double v) { return fmt::format("{}", v); }

/// "'a', 'b' or 'c'" (at most 10 named).
std::string listed(const std::vector<std::string>& names) {
  std::string out;
  const std::size_t shown = std::min<std::size_t>(names.size(), 10);
  for (std::size_t i = 0; i < shown; ++i) {
    const char* sep = i == 0 ? "" : (i + 1 == names.size() ? " or " : ", ");
    out += fmt::format("{}'{}'", sep, detail::shown(names[i]));
  }
  if (shown < names.size()) out += fmt::format(" (and {} more)", names.size() - shown);
  return out;
}

}  // namespace

TaskChoice parse_task_choice(std::string_view text) {
  if (text == "auto") return TaskChoice::automatic;
  if (text == "classification") return TaskChoice::classification;
  if (text == "regression") return TaskChoice::regression;
  detail::fail("parse_task_choice", "task",
               "expected 'auto', 'classification' or 'regression', found '{}'",
               detail::shown(text));
}

TargetEncoding encode_target(Dataset& data, TaskChoice choice, std::string_view file) {
  std::vector<double> distinct(data.y.begin(), data.y.end());
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  return encode_target(data, choice, file, distinct);
}

TargetEncoding encode_target(Dataset& data, TaskChoice choice, std::string_view file,
                             std::span<const double> distinct) {
  const std::string where = fmt::format("{}: column '{}'", file, detail::shown(data.target_name));
  if (data.y.shape() != Shape{data.size(), 1} || data.size() == 0) {
    detail::fail("target", where, "expected labelled examples, found none");
  }
  TargetEncoding out;
  const auto single = [&](const std::string& value) {
    detail::fail("target", where,
                 "expected at least 2 classes, found only '{}' in {}; a classifier needs "
                 "examples of each class",
                 detail::shown(value), detail::plural(data.size(), "row"));
  };
  if (!data.classes.empty()) {  // text
    if (choice == TaskChoice::regression) {
      detail::fail("target", where, "expected numbers for regression, found text such as '{}'",
                   detail::shown(data.classes.front()));
    }
    if (data.classes.size() < 2) single(data.classes.front());
    out.task = data.classes.size() == 2 ? Task::binary : Task::multiclass;
    out.classes = data.classes;
    return out;
  }
  if (choice == TaskChoice::regression) {
    out.task = Task::regression;
    return out;
  }
  const bool whole = std::all_of(distinct.begin(), distinct.end(), [](double v) {
    return v == std::floor(v) && std::abs(v) < 9007199254740992.0;  // 2^53
  });
  if (choice == TaskChoice::automatic) {
    if (!whole) {
      out.task = Task::regression;
      return out;
    }
    if (distinct.size() > kMaxAutoClasses) {
      detail::fail("target", where,
                   "expected at most {} distinct whole numbers for classification, found {}; say "
                   "--task classification or --task regression",
                   kMaxAutoClasses, distinct.size());
    }
  }
  if (distinct.size() < 2) single(number_name(distinct.front()));
  out.task = distinct.size() == 2 ? Task::binary : Task::multiclass;
  if (distinct.size() == 2 && distinct[0] == 0.0 && distinct[1] == 1.0) return out;
  for (const double v : distinct) out.classes.push_back(number_name(v));
  for (double& v : data.y) {
    v = static_cast<double>(std::lower_bound(distinct.begin(), distinct.end(), v) -
                            distinct.begin());
  }
  data.classes = out.classes;
  return out;
}

void encode_target_for(Dataset& data, const Model& model, std::string_view file) {
  const std::string where = fmt::format("{}: column '{}'", file, detail::shown(data.target_name));
  if (model.task == Task::regression || model.classes.empty()) {
    if (!data.classes.empty()) {
      detail::fail("target", where, "expected {}, found text such as '{}'",
                   model.task == Task::regression ? "numbers" : "labels 0 or 1",
                   detail::shown(data.classes.front()));
    }
    return;  // numbers; the model checks them (check_targets)
  }
  std::unordered_map<std::string_view, std::size_t> label;
  for (std::size_t c = 0; c < model.classes.size(); ++c) label.emplace(model.classes[c], c);
  for (double& v : data.y) {
    const std::string name =
        data.classes.empty() ? number_name(v) : data.classes.at(static_cast<std::size_t>(v));
    const auto it = label.find(name);
    if (it == label.end()) {
      detail::fail("target", where, "expected one of the model's classes {}, found '{}'",
                   listed(model.classes), detail::shown(name));
    }
    v = static_cast<double>(it->second);
  }
  data.classes = model.classes;
}

std::vector<std::string> model_columns(const Model& model) {
  std::unordered_map<std::string, const std::string*> encoded;  // "name=category" -> name
  for (const CategoricalColumn& c : model.categorical) {
    for (const std::string& category : c.categories) {
      encoded.emplace(fmt::format("{}={}", c.name, category), &c.name);
    }
  }
  std::vector<std::string> out;
  std::unordered_set<std::string_view> listed_text;
  for (const std::string& name : model.feature_names) {
    const auto it = encoded.find(name);
    if (it == encoded.end()) {
      out.push_back(name);
    } else if (listed_text.insert(*it->second).second) {
      out.push_back(*it->second);
    }
  }
  return out;
}

CsvOptions model_csv_options(const Model& model, CsvOptions options) {
  options.columns = model_columns(model);
  options.categorical = model.categorical;
  options.fill.clear();
  if (!model.standardizer.empty()) {
    for (std::size_t j = 0; j < model.feature_names.size(); ++j) {
      options.fill.emplace(model.feature_names[j], model.standardizer.mean[j]);
    }
  }
  return options;
}

}  // namespace tapegrad
