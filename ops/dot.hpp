// Diagrams: Graphviz DOT export of a tape.
//
// to_dot() draws one node per recorded value, in tape order (node ids "v0", "v1", ... follow the
// tape, so the same tape always gives the same text). A value node shows its label (or "#i" when
// it has none), in the lecture's words (DotOptions::words, English by default): a leaf's kind
// ("parameter" or "input"), in the merged style the op as an expression of its inputs
// ("J = 3 * v"), the shape of a tensor (none for a scalar), its value and, where it has one, its
// gradient named as in the lecture ("dz" for d root / d z; "grad" for a node without a label):
//   - a scalar as a number with DotOptions::precision significant digits ("%.4g" by default);
//   - a tensor of at most DotOptions::max_full_elements elements in full, row by row;
//   - a larger tensor as its shape with min / mean / max.
// Params, inputs and intermediate values are styled apart (blue, grey, white). Ops are drawn as
// small bubbles between operands and result (OpStyle::Separate, the micrograd picture) or folded
// into the value node (OpStyle::Merged). Edges of scalar nodes can carry the local partial
// derivative d out / d in, computed by the op's own rule (see local_partial), so the ops/ rules
// stay the one source of derivatives.
//
// The library writes no files and runs no programs: turn the text into a picture with Graphviz
// (`dot -Tsvg graph.dot -o graph.svg`); the tapegrad tool does so in tools/output.hpp.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "tapegrad/engine/tape.hpp"

namespace tapegrad {

/// How op nodes are drawn.
enum class OpStyle {
  Separate,  ///< a small op bubble between the operands and the result (micrograd style)
  Merged,    ///< the op is written inside the result's value node
};

/// The words to_dot() writes into node labels; English by default (a caller may translate them).
struct DotWords {
  std::string parameter = "parameter";              ///< a parameter leaf's kind
  std::string input = "input";                      ///< any other leaf's kind
  std::string value = "value";                      ///< before a node's value
  std::string non_finite = "non-finite (anomaly)";  ///< on the anomaly node
};

/// Options for to_dot().
struct DotOptions {
  /// Separate op bubbles or ops merged into value nodes.
  OpStyle ops = OpStyle::Separate;
  /// Label each edge of a scalar node with the local partial derivative d out / d in.
  bool edge_derivatives = false;
  /// Formulas of those local derivatives by (node index, input slot), written before the number
  /// ("∂a/∂z = a(1-a) = 0.2494"): the lecture's, where the caller knows them.
  std::map<std::pair<std::size_t, std::size_t>, std::string> edge_formulas;
  /// Significant digits of every number shown ("%.{precision}g"); 1 to 17.
  int precision = 4;
  /// Tensors with at most this many elements are shown in full; larger ones as min/mean/max.
  std::size_t max_full_elements = 16;
  /// Show gradients (of the nodes that have one).
  bool show_gradients = true;
  /// Show gradients only of nodes with index >= this; the others read "grad ?". A backward
  /// walk that has reached node i has finished exactly the gradients of nodes >= i.
  std::size_t gradients_from = 0;
  /// Highlight this node and the edges from its inputs: the gradient flowing into the inputs
  /// (labelled with the contribution d root/d node * d node/d input for scalar nodes).
  std::optional<std::size_t> highlight;
  /// Mark this node as the anomaly: the node an AnomalyError names (AnomalyError::node()), drawn
  /// filled red with a "non-finite" line.
  std::optional<std::size_t> anomaly;
  /// Graph title drawn at the top; empty for none.
  std::string title;
  /// Layout direction: "LR" (left to right, default) or "TB" (top to bottom).
  std::string rankdir = "LR";
  /// The words in the node labels.
  DotWords words;
};

/// The DOT text of the whole tape. Throws Error for a bad option (precision out of range,
/// highlight out of range, rankdir not LR/TB/RL/BT).
[[nodiscard]] std::string to_dot(const Tape& tape, const DotOptions& options = {});

/// Quotes `text` as a DOT string: wraps it in double quotes and escapes backslashes and quotes;
/// a newline becomes DOT's centred line break "\n".
[[nodiscard]] std::string dot_quote(std::string_view text);

/// The local partial derivative d node / d input for input slot `slot` (0 or 1) of a node whose
/// value and inputs are all scalars, evaluated at the tape's current values by the op's own
/// backward rule. nullopt for leaves, a slot the op does not have, non-scalar nodes, and detach
/// (no gradient flows through it). Throws Error when `node` is out of range.
[[nodiscard]] std::optional<double> local_partial(const Tape& tape, std::size_t node,
                                                  std::size_t slot);

/// Formats a value for diagrams and walkthroughs: a number with `precision` significant digits,
/// a small tensor in full ("[[1, 2], [3, 4]]"), a large one as "30x4 min .. mean .. max ..".
[[nodiscard]] std::string format_value(TensorView value, int precision = 4,
                                       std::size_t max_full_elements = 16);

}  // namespace tapegrad
