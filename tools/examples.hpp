// The lecture's two worked examples as tapes, with the closed forms the lecture derives by hand,
// and the step-by-step walkthrough of a backward pass that `tapegrad explain` prints.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tapegrad/tapegrad.hpp>

namespace tapegrad::tool {

/// One settable value of an example, e.g. {"x1", 1.0}.
struct Setting {
  std::string name;
  double value = 0.0;
};

/// The lecture's hand-derived derivative of the root with respect to one node.
struct ClosedForm {
  std::string symbol;   ///< the lecture's name, e.g. "dz"
  std::string formula;  ///< e.g. "a - y"
  double value = 0.0;
  /// For a tensor node, its elements row by row (value is then unused).
  std::vector<double> elements;
};

/// A recorded example: its tape after one forward and backward pass, and its closed forms.
struct Example {
  std::string name;   ///< "lecture" or "chain"
  std::string title;  ///< one-line description
  std::vector<Setting> settings;
  std::unique_ptr<Tape> tape;
  Var root;
  std::map<std::size_t, ClosedForm> closed_forms;  ///< by node index
  /// Closed forms with no value at these settings, by node index: why ("(1-y)/(1-a) = 0/0 at
  /// a = 1 ..."). They are shown but not compared with autodiff.
  std::map<std::size_t, std::string> undefined;
  /// The lecture's local derivative d node / d input, symbolically ("a(1-a)", "x1"), by
  /// (node index, input slot).
  std::map<std::pair<std::size_t, std::size_t>, std::string> local_forms;
  /// The root as the lecture writes it ("-(y log(a) + (1-y) log(1-a))") and its value computed
  /// from the settings alone.
  std::string loss_formula;
  double loss_closed_form = 0.0;
  /// The params gradient descent updates (w := w - alpha dw), by name; empty for none.
  std::vector<std::string> trained;
};

/// One param's gradient-descent update w := w - alpha dw, by autodiff and by the closed form.
struct ParamUpdate {
  std::string name;          ///< "w1"
  double value = 0.0;        ///< w before the update
  double grad = 0.0;         ///< dw by autodiff
  double next = 0.0;         ///< w - alpha dw by autodiff
  double next_closed = 0.0;  ///< w - alpha dw with the lecture's closed form of dw
};

/// One gradient-descent step of an example: the loss before, the updated params, the loss after.
struct Update {
  double alpha = 0.0;
  double loss = 0.0;  ///< the root's value before the step
  std::vector<ParamUpdate> params;
  std::vector<Setting> next_settings;  ///< the settings with the updated params
  double next_loss = 0.0;              ///< the root's value at next_settings, by the tape
  double next_loss_closed = 0.0;       ///< the same by the lecture's formula
};

/// Applies w := w - alpha dw to each of ex.trained and recomputes the loss. Throws Error when
/// the example trains nothing or alpha is not finite.
[[nodiscard]] Update gradient_step(const Example& ex, double alpha);

/// One example of the m-example lessons: features x1, x2 and label y.
struct DataRow {
  double x1 = 0.0, x2 = 0.0, y = 0.0;
};

/// The m-example lessons' built-in data: four examples.
[[nodiscard]] const std::vector<DataRow>& builtin_rows();
/// The settings of the m-example lessons for w1, w2, b and `rows`: "x1(1)", "x2(1)", "y(1)", ...
[[nodiscard]] std::vector<Setting> rows_settings(double w1, double w2, double b,
                                                 const std::vector<DataRow>& rows);
/// True for the examples over m examples ("examples", "vectorized").
[[nodiscard]] bool takes_rows(std::string_view example);

/// Names of the examples: {"lecture", "chain", "examples", "vectorized"}.
[[nodiscard]] const std::vector<std::string>& example_names();
/// The settable values of `example` with their defaults, in display order.
[[nodiscard]] std::vector<Setting> default_settings(std::string_view example);
/// Records `example` with `settings` (every name from default_settings) and runs backward.
/// Throws Error for an unknown example or a missing setting.
[[nodiscard]] Example make_example(std::string_view example, const std::vector<Setting>& settings);

/// The node's name: its label, or "#i".
[[nodiscard]] std::string node_name(const Tape& tape, std::size_t index);
/// The name of the node's gradient in the lecture's notation: "d" + its name ("dz", "dw1").
[[nodiscard]] std::string grad_name(const Tape& tape, std::size_t index);
/// The node's kind in words: "parameter", "input" or "" for a computed node.
[[nodiscard]] std::string kind_in_words(const Tape& tape, std::size_t index);
/// The right-hand side of the node's definition from its inputs' names: "w1 * x1",
/// "sigmoid(z)", "3 * v"; a leaf gives "parameter" or "input".
[[nodiscard]] std::string node_expression(const Tape& tape, std::size_t index);

/// One input of a backward step: d root / d input receives grad * local.
struct StepInput {
  std::size_t index = 0;
  std::optional<double> local;    ///< d node / d input (scalar nodes)
  std::optional<double> product;  ///< grad * local when the input takes a gradient
};

/// One node of the backward pass, visited in reverse tape order.
struct BackwardStep {
  std::size_t index = 0;
  double grad = 0.0;  ///< d root / d node (the node's complete gradient at this point)
  std::vector<StepInput> inputs;
};

/// The backward pass over a scalar graph: every node with a gradient from root down to the
/// first, in reverse tape order. Throws Error unless every such node is a scalar.
[[nodiscard]] std::vector<BackwardStep> backward_steps(const Tape& tape, Var root);

}  // namespace tapegrad::tool
