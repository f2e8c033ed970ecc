// The command line of the tapegrad tool: what every subcommand's registration shares. Each
// subcommand's file adds its own options with add_<command>(CLI::App&) and returns a Subcommand
// whose run() is called after parsing (main.cpp). The checks here give the tool's one-line
// messages ("expected a whole number from 1 to 1000000, found '2.5'") where CLI11's would differ.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "examples.hpp"

namespace tapegrad::tool {

/// A registered subcommand: its CLI11 app and what runs it once the command line is parsed,
/// returning the exit status (0 success, 1 failed check); throws Error for bad input.
struct Subcommand {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

/// Upper bounds of the whole-number options: what a value costs stays within reason. Training
/// keeps one history entry per epoch (and at about 30 µs an epoch on the breast-cancer data a
/// million epochs take half a minute); two adjacent hidden layers of 10,000 units hold a 10,000 x
/// 10,000 weight matrix (800 MB, its gradient as much again). --rows and --batch are capped by the
/// data anyway; a billion examples is more than a CSV this tool can read into memory.
inline constexpr std::uint64_t kMaxEpochs = 1'000'000;
inline constexpr std::uint64_t kMaxHidden = 10'000;
inline constexpr std::uint64_t kMaxExamples = 1'000'000'000;
inline constexpr std::uint64_t kMaxThreads = 1'024;  // train --threads

/// Number checks: "expected a number greater than 0, found '0'" and the like.
[[nodiscard]] const CLI::Validator& positive_check();
[[nodiscard]] const CLI::Validator& non_negative_check();
[[nodiscard]] const CLI::Validator& fraction_check();  ///< in [0, 1)

/// A whole-number option's check, added with transform(): decimal digits only (an optional '+'),
/// from `low` to `high`; the text is handed on in plain decimal. `name` is the help's type name
/// (default "low-high").
[[nodiscard]] CLI::Validator whole_check(std::uint64_t low, std::uint64_t high);
[[nodiscard]] CLI::Validator whole_check(std::uint64_t low, std::uint64_t high, std::string name);

/// A choice option's check: "expected 'gd', 'momentum' or 'adam', found 'sgd'".
[[nodiscard]] CLI::Validator choice_check(std::vector<std::string> choices);

/// --hidden's widths, "16,8": each a whole number from 1 to kMaxHidden, none empty. Returns the
/// reason one is wrong, or "" when every width is good; appends the widths to `widths` if given.
std::string read_widths(std::string_view text, std::vector<std::size_t>* widths);

/// The choices as a message lists them: "'gd', 'momentum' or 'adam'".
[[nodiscard]] std::string listed(const std::vector<std::string>& choices);

/// The settable values of the examples, shared by explain, graph and gradcheck: the positional
/// EXAMPLE (or MODEL.json where `models`) and --x1 --x2 --w1 --w2 --b --y --a --c, and for the
/// m-example lessons (examples, vectorized) --m and --data where not `models` (graph and
/// gradcheck take --data for models, and draw or check the lessons on their built-in data).
class ExampleOptions {
 public:
  /// Adds the positional argument and the value options to `sub`.
  void add_to(CLI::App& sub, bool models);
  /// The example's name (or model file) as given.
  [[nodiscard]] const std::string& example() const noexcept { return example_; }
  /// The example's settings: its defaults, overridden by the values given on the command line.
  /// A name that is no example must name a model file that exists, and takes no values.
  [[nodiscard]] std::vector<Setting> settings(std::string_view command) const;

 private:
  std::string example_;
  std::string data_;   // --data: the m-example lessons' CSV (columns x1, x2, y)
  std::size_t m_ = 0;  // --m: how many examples the m-example lessons take; 0 for all
  CLI::Option* data_option_ = nullptr;
  CLI::Option* m_option_ = nullptr;
  std::map<std::string, double> values_;
  std::map<std::string, CLI::Option*> options_;
};

/// The largest m of the m-example lessons (examples, vectorized): a walkthrough to read.
inline constexpr std::uint64_t kMaxLessonExamples = 1'000;

/// The m-example lessons' data from a CSV file with columns x1, x2 and y; throws Error for other
/// columns, bad values or more than kMaxLessonExamples rows.
[[nodiscard]] std::vector<DataRow> lesson_rows(const std::string& path);

/// True when `name` is one of the lecture examples (otherwise it names a model file).
[[nodiscard]] bool is_example(const std::string& name);

}  // namespace tapegrad::tool
