#include "tapegrad/ops/dot.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "tapegrad/engine/error.hpp"
#include "tapegrad/ops/op_kind.hpp"

namespace tapegrad {
namespace {

constexpr std::string_view kHighlight = "#d62728";

std::string num(double x, int precision) { return fmt::format("{:.{}g}", x, precision); }

std::string node_name(const NodeInfo& n) {
  return n.label.empty() ? fmt::format("#{}", n.index) : std::string(n.label);
}

// The node's name (in the merged style with its op: "J = 3 * v"); its kind in words for leaves
// ("parameter", "input"); its shape only for tensors; its value; and its gradient in the lecture's
// notation, "dz" for d root / d z ("grad" for a node without a label).
std::string value_label(const Tape& tape, const NodeInfo& n, const DotOptions& o) {
  std::string label = node_name(n);
  std::string kind;
  if (n.is_param()) {
    kind = o.words.parameter;
  } else if (n.is_leaf()) {
    kind = o.words.input;
  } else if (o.ops == OpStyle::Merged) {
    // The op folded into the node: "J = 3 * v", "z = w1 x1 + w2 x2 + b".
    std::vector<std::string> inputs;
    for (const std::size_t in : n.inputs) inputs.push_back(node_name(tape.node(in)));
    label += " = " + op_expression(n, inputs);
  }
  if (!n.shape.is_scalar()) {
    kind = kind.empty() ? fmt::format("{}", n.shape) : fmt::format("{} {}", kind, n.shape);
  }
  if (!kind.empty()) label += "\n" + kind;
  label += fmt::format("\n{} {}", o.words.value,
                       format_value(tape.value(n.index), o.precision, o.max_full_elements));
  if (o.show_gradients && tape.has_grad(n.index)) {
    const std::string grad = n.label.empty() ? std::string("grad") : fmt::format("d{}", n.label);
    if (n.index >= o.gradients_from) {
      label +=
          "\n" + grad + " " + format_value(tape.grad(n.index), o.precision, o.max_full_elements);
    } else {
      label += "\n" + grad + " ?";
    }
  }
  return label;
}

// Params blue, inputs grey, intermediate values white.
std::string_view node_style(const NodeInfo& n) {
  if (n.is_param()) return R"(shape=box, style="rounded,filled", fillcolor="#cfe2ff")";
  if (n.is_leaf()) return R"(shape=box, style="filled", fillcolor="#eeeeee")";
  return R"(shape=box, style="rounded")";
}

// The label of the edge from input slot `slot` into node n, or "" for none.
std::string edge_label(const Tape& tape, const NodeInfo& n, std::size_t slot, const DotOptions& o,
                       bool highlighted) {
  std::vector<std::string> lines;
  const std::optional<double> d = local_partial(tape, n.index, slot);
  const NodeInfo in = tape.node(n.inputs[slot]);
  if (o.edge_derivatives && d) {
    const auto formula = o.edge_formulas.find({n.index, slot});
    const std::string number = num(*d, o.precision);
    const bool shown = formula != o.edge_formulas.end() && formula->second != number;
    lines.push_back(fmt::format("∂{}/∂{} = {}{}", node_name(n), node_name(in),
                                shown ? fmt::format("{} = ", formula->second) : std::string(),
                                number));
  }
  if (highlighted && d && tape.has_grad(n.index) && tape.has_grad(in.index) &&
      tape.value(n.index).size() == 1) {
    // the lecture's name for the input's gradient: "db += 6" ("grad" when it has no label)
    const std::string grad = in.label.empty() ? std::string("grad") : fmt::format("d{}", in.label);
    lines.push_back(fmt::format("{} += {}", grad, num(tape.grad(n.index)[0] * *d, o.precision)));
  }
  std::string out;
  for (const std::string& line : lines) out += (out.empty() ? "" : "\n") + line;
  return out;
}

void check_options(const Tape& tape, const DotOptions& o) {
  if (o.precision < 1 || o.precision > 17) {
    detail::fail("to_dot", "precision", "{} is outside 1..17", o.precision);
  }
  if (o.anomaly && *o.anomaly >= tape.size()) {
    detail::fail("to_dot", "anomaly", "node {} is out of range (the tape has {} nodes)", *o.anomaly,
                 tape.size());
  }
  if (o.highlight && *o.highlight >= tape.size()) {
    detail::fail("to_dot", "highlight", "node {} is out of range (the tape has {} nodes)",
                 *o.highlight, tape.size());
  }
  if (o.rankdir != "LR" && o.rankdir != "TB" && o.rankdir != "RL" && o.rankdir != "BT") {
    detail::fail("to_dot", "rankdir", "\"{}\" is not one of LR, TB, RL, BT", o.rankdir);
  }
}

}  // namespace

std::string dot_quote(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        break;
      default:
        out += c;
    }
  }
  out += '"';
  return out;
}

std::string format_value(TensorView value, int precision, std::size_t max_full_elements) {
  if (value.size() == 1) return num(value[0], precision);
  if (value.size() == 0) return "[]";
  if (value.size() <= max_full_elements) {
    std::string out;
    for (std::size_t r = 0; r < value.rows(); ++r) {
      if (r > 0) out += '\n';
      out += '[';
      for (std::size_t c = 0; c < value.cols(); ++c) {
        if (c > 0) out += ", ";
        out += num(value(r, c), precision);
      }
      out += ']';
    }
    return out;
  }
  double lo = value[0], hi = value[0], total = 0.0;
  for (const double x : value) {
    lo = std::min(lo, x);
    hi = std::max(hi, x);
    total += x;
  }
  return fmt::format("{} min {} mean {} max {}", value.shape(), num(lo, precision),
                     num(total / static_cast<double>(value.size()), precision), num(hi, precision));
}

std::optional<double> local_partial(const Tape& tape, std::size_t node, std::size_t slot) {
  return tape.local_partial(node, slot);
}

std::string to_dot(const Tape& tape, const DotOptions& o) {
  check_options(tape, o);
  std::string out = "digraph tapegrad {\n";
  out += fmt::format("  rankdir={};\n", o.rankdir);
  out += "  graph [fontname=\"Helvetica\"];\n  node [fontname=\"Helvetica\", fontsize=11];\n";
  out += "  edge [fontname=\"Helvetica\", fontsize=9];\n";
  if (!o.title.empty()) {
    out += fmt::format("  labelloc=t;\n  label={};\n", dot_quote(o.title));
  }
  const bool separate = o.ops == OpStyle::Separate;
  for (std::size_t i = 0; i < tape.size(); ++i) {
    const NodeInfo n = tape.node(i);
    const bool hi = o.highlight == i;
    const bool anomaly = o.anomaly == i;
    const std::string_view extra = hi ? ", penwidth=3, color=\"#d62728\"" : "";
    // Later attributes override node_style's fill.
    const std::string_view mark =
        anomaly ? ", style=\"rounded,filled,bold\", fillcolor=\"#f8d7da\", color=\"#d62728\", "
                  "penwidth=3"
                : "";
    const std::string text =
        anomaly ? fmt::format("{}\n{}", value_label(tape, n, o), o.words.non_finite)
                : value_label(tape, n, o);
    out +=
        fmt::format("  v{} [label={}, {}{}{}];\n", i, dot_quote(text), node_style(n), extra, mark);
    if (n.input_count == 0) continue;
    const std::string target = separate ? fmt::format("op{}", i) : fmt::format("v{}", i);
    if (separate) {
      out += fmt::format(
          "  op{} [label={}, shape=ellipse, style=filled, fillcolor=\"#fff3cd\", fontsize=10, "
          "margin=\"0.05,0.02\"{}];\n",
          i, dot_quote(op_bubble(n, o.precision)), extra);
      out += fmt::format("  op{} -> v{}{};\n", i, i,
                         hi ? fmt::format(" [color=\"{}\", penwidth=2.5]", kHighlight) : "");
    }
    for (std::size_t s = 0; s < n.input_count; ++s) {
      const std::string label = edge_label(tape, n, s, o, hi);
      std::vector<std::string> attrs;
      if (!label.empty()) attrs.push_back("label=" + dot_quote(label));
      if (hi) {
        attrs.push_back(fmt::format("color=\"{}\"", kHighlight));
        attrs.push_back("penwidth=2.5");
        attrs.push_back(fmt::format("fontcolor=\"{}\"", kHighlight));
      }
      std::string attr_text;
      for (const std::string& a : attrs) attr_text += (attr_text.empty() ? "" : ", ") + a;
      out += fmt::format("  v{} -> {}{};\n", n.inputs[s], target,
                         attr_text.empty() ? std::string() : " [" + attr_text + "]");
    }
  }
  out += "}\n";
  return out;
}

}  // namespace tapegrad
