// The command line's shared checks and the examples' value options (see cli.hpp).
#include "cli.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <utility>

#include <fmt/format.h>

#include "models.hpp"
#include "output.hpp"

namespace tapegrad::tool {
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
                  : fmt::format("expected {}, found '{}'", what, detail::shown(text));
      },
      std::move(name));
}
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
                       detail::shown(text));
  }
  return {};
}

}  // namespace

const CLI::Validator& positive_check() {
  static const CLI::Validator check = number_check(
      "a number greater than 0", [](double v) { return v > 0.0; }, "POSITIVE");
  return check;
}
const CLI::Validator& non_negative_check() {
  static const CLI::Validator check = number_check(
      "a number >= 0", [](double v) { return v >= 0.0; }, "NONNEGATIVE");
  return check;
}
const CLI::Validator& fraction_check() {
  static const CLI::Validator check = number_check(
      "a fraction in [0, 1)", [](double v) { return v >= 0.0 && v < 1.0; }, "FRACTION");
  return check;
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
          kMaxHidden, position, detail::shown(text));
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
                  : fmt::format("expected {}, found '{}'", listed(choices), detail::shown(text));
      },
      "{" + braced + "}");
}

void CsvArgs::add_to(CLI::App& cmd, bool ignore_and_id) {
  cmd.add_option("--sep", sep,
                 "CSV separator: ',', ';' or tab (default: whichever of the three the header "
                 "line holds most often)")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            if (text == "\t") text = "tab";
            for (const char* ok : {",", ";", "tab", "\\t", "comma", "semicolon"}) {
              if (text == ok) return {};
            }
            return fmt::format("expected ',', ';' or 'tab', found '{}'", detail::shown(text));
          },
          "{,|;|tab}"));
  cmd.add_option("--missing", missing,
                 "Missing values (empty, NA, N/A, NaN, null, ?): error (default), drop the row, "
                 "or mean (the column's mean: over the file in train, the model's training mean "
                 "in predict and eval)")
      ->check(choice_check({"error", "drop", "mean"}));
  if (!ignore_and_id) return;
  cmd.add_option("--ignore", ignore, "Columns to leave out, e.g. name,comment")
      ->delimiter(',')
      ->type_name("COL,...");
  cmd.add_option("--id", id,
                 "A column that names the rows: never a feature, passed to predict's "
                 "output");
}

void ExampleOptions::add_to(CLI::App& sub, bool models) {
  CLI::Option* positional =
      sub.add_option(
             "example", example_,
             models
                 ? "lecture (logistic regression), chain (J = 3(a + b c)), examples, "
                   "vectorized (m examples) or a MODEL.json saved by 'tapegrad train "
                   "--save'"
                 : "lecture (logistic regression), chain (J = 3(a + b c)), examples (the loop over "
                   "m examples) or vectorized (Z = wT X + b over m examples)")
          ->required();
  if (!models) positional->check(choice_check(example_names()));
  const std::map<std::string, std::string> help{
      {"x1", "lecture: feature x1 (default 1)"},
      {"x2", "lecture: feature x2 (default 2)"},
      {"w1", "lecture, examples, vectorized: weight w1 (default 0.5)"},
      {"w2", "lecture, examples, vectorized: weight w2 (default -0.25)"},
      {"y", "lecture: label y, 0 or 1 (default 1)"},
      {"a", "chain: a (default 5)"},
      {"b", "lecture, examples, vectorized: bias b (default 0.1); chain: b (default 3)"},
      {"c", "chain: c (default 2)"}};
  for (const std::string name : {"x1", "x2", "w1", "w2", "b", "y", "a", "c"}) {
    // Not nan or inf: the walkthrough and the diagrams would show nan throughout.
    options_[name] = sub.add_option("--" + name, values_[name], help.at(name))
                         ->check(name == "y" ? kLabel : kFinite);
  }
  if (models) return;  // graph and gradcheck: --data is a model's data; the lessons' built-in
  m_option_ = sub.add_option("--m", m_,
                             "examples, vectorized: take the first M examples of the data "
                             "(default all: 4 built in, or the rows of --data)")
                  ->transform(whole_check(1, kMaxLessonExamples));
  data_option_ = sub.add_option("--data", data_,
                                "examples, vectorized: a CSV file with columns x1, x2 and y (a "
                                "label 0 or 1), one example a row (default: 4 built-in examples)");
}

std::vector<Setting> ExampleOptions::settings(std::string_view command) const {
  if (!is_example(example_)) {
    std::error_code error;
    if (!std::filesystem::exists(example_, error)) {
      detail::fail(command, "example",
                   "'{}' is neither an example ({}) nor a model file that exists",
                   detail::shown(example_, example_.size()), listed(example_names()));
    }
    for (const auto& [name, option] : options_) {
      if (option->count() > 0) {
        detail::fail(command, "--" + name, "applies to the lecture examples only");
      }
    }
    return {};
  }
  std::vector<Setting> out = default_settings(example_);
  if (!takes_rows(example_)) {
    for (CLI::Option* option : {m_option_, data_option_}) {
      if (option != nullptr && option->count() > 0) {
        detail::fail(command, option->get_name(),
                     "the {} example has no data (examples and vectorized take it)", example_);
      }
    }
  } else {
    std::vector<DataRow> rows = builtin_rows();
    if (data_option_ != nullptr && data_option_->count() > 0) rows = lesson_rows(data_);
    if (m_option_ != nullptr && m_option_->count() > 0) {
      if (m_ > rows.size()) {
        detail::fail(command, "--m", "{} examples asked for, the data has {}", m_, rows.size());
      }
      rows.resize(m_);
    }
    out = rows_settings(0.5, -0.25, 0.1, rows);
  }
  for (const auto& [name, option] : options_) {
    if (option->count() == 0) continue;
    bool found = false;
    for (Setting& s : out) {
      if (s.name == name) {
        s.value = values_.at(name);
        found = true;
      }
    }
    if (!found) {
      std::string accepted;
      for (const Setting& s : out) accepted += (accepted.empty() ? "--" : ", --") + s.name;
      detail::fail(command, "--" + name, "the {} example has no value {} (it takes {})", example_,
                   name, accepted);
    }
  }
  return out;
}

std::vector<DataRow> lesson_rows(const std::string& path) {
  const Dataset data = read_csv(path, "y");
  if (data.feature_names != std::vector<std::string>{"x1", "x2"}) {
    std::string names;
    for (const std::string& f : data.feature_names) names += (names.empty() ? "" : ", ") + f;
    detail::fail("--data", shown_path(path), "expected the columns x1, x2 and y, found {} and y",
                 names.empty() ? std::string("none") : names);
  }
  if (data.size() > kMaxLessonExamples) {
    detail::fail("--data", shown_path(path), "{} examples; the lessons take at most {}",
                 data.size(), kMaxLessonExamples);
  }
  std::vector<DataRow> rows;
  for (std::size_t i = 0; i < data.size(); ++i) {
    rows.push_back({data.X(i, 0), data.X(i, 1), data.y(i, 0)});
  }
  return rows;
}

bool is_example(const std::string& name) {
  const std::vector<std::string>& names = example_names();
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace tapegrad::tool
