// The lecture's two worked examples as tapes, with the closed forms the lecture derives by hand,
// and the step-by-step walkthrough of a backward pass that `tapegrad explain` prints.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
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
};

/// Names of the examples: {"lecture", "chain"}.
[[nodiscard]] const std::vector<std::string>& example_names();
/// The settable values of `example` with their defaults, in display order.
[[nodiscard]] std::vector<Setting> default_settings(std::string_view example);
/// Records `example` with `settings` (every name from default_settings) and runs backward.
/// Throws Error for an unknown example or a missing setting.
[[nodiscard]] Example make_example(std::string_view example, const std::vector<Setting>& settings);

/// The node's name: its label, or "#i".
[[nodiscard]] std::string node_name(const Tape& tape, std::size_t index);
/// The right-hand side of the node's definition from its inputs' names: "w1 * x1",
/// "sigmoid(z)", "3 * v"; a leaf gives "param" or "input".
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
