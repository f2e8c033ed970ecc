// `tapegrad explain`: the forward and backward pass of a lecture example, node by node, with the
// lecture's closed forms beside the autodiff values; optionally as JSON and as a folder of frames
// (one diagram per backward step) with a page that steps through them.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "output.hpp"

namespace tapegrad::tool {
namespace {

constexpr double kTolerance = 1e-9;  // relative agreement required of autodiff and closed form

std::string num(double x) { return fmt::format("{:.10g}", x); }

// Equal values (equal infinities too) differ by 0; a nan on either side by nan.
double rel_diff(double a, double b) {
  if (a == b) return 0.0;
  const double scale = std::max({1.0, std::abs(a), std::abs(b)});
  return std::abs(a - b) / scale;
}

std::string html_escape(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// One sentence describing a backward step, used as frame title and caption.
std::string step_caption(const Tape& tape, const std::string& root, const BackwardStep& step) {
  const std::string name = node_name(tape, step.index);
  std::string text = fmt::format("d{}/d{} = {}", root, name, num(step.grad));
  std::vector<std::string> flows;
  for (const StepInput& in : step.inputs) {
    if (in.product) {
      flows.push_back(fmt::format("{} += {} * {} = {}", node_name(tape, in.index), num(step.grad),
                                  num(*in.local), num(*in.product)));
    }
  }
  if (flows.empty()) {
    text += step.inputs.empty() ? " (a leaf: its gradient is complete)"
                                : " (no input takes a gradient)";
  } else {
    text += "; flows back: ";
    for (std::size_t i = 0; i < flows.size(); ++i) text += (i ? ", " : "") + flows[i];
  }
  return text;
}

void print_text(const Example& ex, const std::vector<BackwardStep>& steps) {
  const Tape& t = *ex.tape;
  const std::string root = node_name(t, ex.root.index());
  fmt::print("{}\n", ex.title);
  std::string values;
  for (const Setting& s : ex.settings) {
    values += fmt::format("{}{} = {}", values.empty() ? "" : ", ", s.name, s.value);
  }
  fmt::print("values: {}\n\nForward pass (tape order)\n", values);
  for (std::size_t i = 0; i <= ex.root.index(); ++i) {
    fmt::print("  [{:>2}] {:<3} = {:<22} = {}\n", i, node_name(t, i), node_expression(t, i),
               num(t.value(i)[0]));
  }
  fmt::print("\nBackward pass (reverse tape order, seeded with d{0}/d{0} = 1)\n", root);
  for (const BackwardStep& step : steps) {
    const std::string name = node_name(t, step.index);
    std::string line = fmt::format("  [{:>2}] {:<3} autodiff d{}/d{} = {}", step.index, name, root,
                                   name, num(step.grad));
    const auto cf = ex.closed_forms.find(step.index);
    const auto undefined = ex.undefined.find(step.index);
    if (cf != ex.closed_forms.end() && undefined != ex.undefined.end()) {
      line = fmt::format("{:<46} lecture {} = {} is undefined here: {}", line, cf->second.symbol,
                         cf->second.formula, undefined->second);
    } else if (cf != ex.closed_forms.end()) {
      const std::string value = num(cf->second.value);
      const std::string formula =
          cf->second.formula == value ? value : cf->second.formula + " = " + value;
      line = fmt::format("{:<46} lecture {} = {}   |diff| {:.1e}", line, cf->second.symbol, formula,
                         std::abs(step.grad - cf->second.value));
    }
    fmt::print("{}\n", line);
    for (const StepInput& in : step.inputs) {
      const std::string in_name = node_name(t, in.index);
      const std::string local = in.local ? num(*in.local) : std::string("n/a");
      if (in.product) {
        fmt::print("         -> {:<3} local d{}/d{} = {:<14} chain {} * {} = {}\n", in_name, name,
                   in_name, local, num(step.grad), local, num(*in.product));
      } else {
        fmt::print("         -> {:<3} local d{}/d{} = {:<14} ({} takes no gradient)\n", in_name,
                   name, in_name, local, in_name);
      }
    }
  }
}

nlohmann::ordered_json to_json(const Example& ex, const std::vector<BackwardStep>& steps, bool ok,
                               double worst) {
  const Tape& t = *ex.tape;
  nlohmann::ordered_json j;
  j["example"] = ex.name;
  j["title"] = ex.title;
  j["values"] = nlohmann::ordered_json::object();
  for (const Setting& s : ex.settings) j["values"][s.name] = s.value;
  j["root"] = node_name(t, ex.root.index());
  j["forward"] = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i <= ex.root.index(); ++i) {
    j["forward"].push_back({{"index", i},
                            {"name", node_name(t, i)},
                            {"op", std::string(op_name(t.node(i).op))},
                            {"expression", node_expression(t, i)},
                            {"value", t.value(i)[0]}});
  }
  j["backward"] = nlohmann::ordered_json::array();
  for (const BackwardStep& step : steps) {
    nlohmann::ordered_json s{{"index", step.index},
                             {"name", node_name(t, step.index)},
                             {"gradient", step.grad},
                             {"closed_form", nullptr},
                             {"inputs", nlohmann::ordered_json::array()}};
    const auto cf = ex.closed_forms.find(step.index);
    if (cf != ex.closed_forms.end()) {
      s["closed_form"] = {{"symbol", cf->second.symbol},
                          {"formula", cf->second.formula},
                          {"value", cf->second.value}};
      if (const auto undefined = ex.undefined.find(step.index); undefined != ex.undefined.end()) {
        s["closed_form"]["value"] = nullptr;
        s["closed_form"]["undefined"] = undefined->second;
      }
    }
    for (const StepInput& in : step.inputs) {
      nlohmann::ordered_json i{{"index", in.index}, {"name", node_name(t, in.index)}};
      i["local"] = in.local ? nlohmann::ordered_json(*in.local) : nlohmann::ordered_json(nullptr);
      i["product"] =
          in.product ? nlohmann::ordered_json(*in.product) : nlohmann::ordered_json(nullptr);
      s["inputs"].push_back(i);
    }
    j["backward"].push_back(s);
  }
  j["max_rel_diff"] = worst;
  j["ok"] = ok;
  return j;
}

// The page that steps through the frames: buttons, arrow keys, #step=N.
std::string frames_page(const Example& ex, const std::vector<std::string>& captions,
                        const std::vector<std::string>& bodies, bool have_svg) {
  std::string frames;
  for (std::size_t k = 0; k < bodies.size(); ++k) {
    frames += fmt::format(
        "<figure class=\"frame\" id=\"frame-{0}\" data-step=\"{0}\" hidden>\n"
        "<figcaption>Step {0} of {1}: {2}</figcaption>\n{3}\n</figure>\n",
        k + 1, bodies.size(), html_escape(captions[k]), bodies[k]);
  }
  const std::string note =
      have_svg ? ""
               : "<p class=\"note\">Graphviz was not found, so the frames are shown as DOT text. "
                 "Install Graphviz (<code>apt-get install graphviz</code>) and run the command "
                 "again to get pictures.</p>\n";
  return fmt::format(R"(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>tapegrad: backward pass through {0}</title>
<style>
body {{ font-family: sans-serif; margin: 1.5em; }}
nav {{ margin: 0.5em 0; }}
nav button {{ font-size: 1em; padding: 0.3em 1em; }}
#counter {{ display: inline-block; min-width: 8em; text-align: center; }}
figure {{ margin: 0; }}
figcaption {{ font-size: 1.05em; margin: 0.5em 0; }}
figure svg {{ max-width: 100%; height: auto; }}
pre {{ background: #f6f6f6; padding: 0.5em; overflow: auto; }}
.note {{ color: #8a4b00; }}
</style>
</head>
<body>
<h1>Backward pass, step by step</h1>
<p>{1}. Red: the node being processed and the gradient flowing into its inputs. Nodes not yet
reached show <code>grad ?</code>. Use the buttons or the left and right arrow keys;
<code>index.html#step=N</code> opens step N.</p>
{2}<nav>
<button id="prev" type="button">&larr; Previous</button>
<span id="counter"></span>
<button id="next" type="button">Next &rarr;</button>
</nav>
{3}<script>
(function () {{
  var frames = document.querySelectorAll('.frame');
  var count = frames.length;
  var current = 1;
  function fromHash() {{
    var m = /step=(\d+)/.exec(window.location.hash);
    return m ? parseInt(m[1], 10) : 1;
  }}
  function show(step) {{
    current = Math.min(Math.max(step, 1), count);
    for (var i = 0; i < count; ++i) {{
      frames[i].hidden = Number(frames[i].getAttribute('data-step')) !== current;
    }}
    document.getElementById('counter').textContent = 'Step ' + current + ' of ' + count;
    document.body.setAttribute('data-step', String(current));
    if (fromHash() !== current) {{
      try {{ history.replaceState(null, '', '#step=' + current); }} catch (e) {{}}
    }}
  }}
  document.getElementById('prev').addEventListener('click', function () {{ show(current - 1); }});
  document.getElementById('next').addEventListener('click', function () {{ show(current + 1); }});
  document.addEventListener('keydown', function (e) {{
    if (e.key === 'ArrowLeft') show(current - 1);
    if (e.key === 'ArrowRight') show(current + 1);
  }});
  window.addEventListener('hashchange', function () {{ show(fromHash()); }});
  show(fromHash());
}})();
</script>
</body>
</html>
)",
                     html_escape(ex.name), html_escape(ex.title), note, frames);
}

}  // namespace

void write_walkthrough(const Example& ex, const std::string& dir_name) {
  std::fflush(stdout);  // keep the order of what was printed before
  const std::filesystem::path dir(dir_name);
  const std::vector<BackwardStep> steps = backward_steps(*ex.tape, ex.root);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir)) {
    detail::fail("explain", "--frames", "cannot create folder {}: {}", shown_path(dir),
                 ec ? ec.message() : "a file of that name exists");
  }
  const bool have_svg = graphviz_available();
  const Tape& t = *ex.tape;
  const std::string root = node_name(t, ex.root.index());
  std::vector<std::string> captions, bodies;
  for (std::size_t k = 0; k < steps.size(); ++k) {
    DotOptions o;
    o.edge_derivatives = true;
    o.highlight = steps[k].index;
    o.gradients_from = steps[k].index;
    captions.push_back(step_caption(t, root, steps[k]));
    o.title = fmt::format("Step {} of {}: {}", k + 1, steps.size(), captions.back());
    const std::string dot = to_dot(t, o);
    const std::string stem = fmt::format("step-{:02}", k + 1);
    write_output(dir / (stem + ".dot"), dot);
    if (have_svg) {
      const std::filesystem::path svg = dir / (stem + ".svg");
      render_dot(dot, svg, ImageFormat::Svg);
      const std::string text = read_file(svg);
      const std::size_t start = text.find("<svg");
      bodies.push_back(start == std::string::npos ? text : text.substr(start));
    } else {
      bodies.push_back("<pre>" + html_escape(dot) + "</pre>");
    }
  }
  write_output(dir / "index.html", frames_page(ex, captions, bodies, have_svg));
  fmt::print(stderr, "tapegrad: wrote {} ({}) and {}\n", detail::plural(steps.size(), "frame"),
             have_svg ? "DOT and SVG" : "DOT only", shown_path(dir / "index.html"));
  if (!have_svg) {
    fmt::print(stderr,
               "tapegrad: Graphviz's dot program was not found, so no SVG pictures were made; "
               "install Graphviz (apt-get install graphviz) and run again to get them\n");
  }
}

namespace {

struct ExplainArgs {
  ExampleOptions example;
  bool json = false;
  std::string frames;  // folder for the walkthrough frames; empty for none
};

// How autodiff compares with the lecture's closed forms: the largest relative difference, the
// closed forms that disagree, and those undefined at these values (a 0/0, say), which are not
// compared.
struct Comparison {
  double worst = 0.0;
  std::vector<std::string> mismatched;  // "dz = a - y"
  std::vector<std::string> undefined;   // "da = -y/a + (1-y)/(1-a), as (1-y)/(1-a) = 0/0 ..."
};

Comparison compare(const Example& ex, const std::vector<BackwardStep>& steps) {
  Comparison c;
  for (const BackwardStep& step : steps) {
    const auto cf = ex.closed_forms.find(step.index);
    if (cf == ex.closed_forms.end()) continue;
    const ClosedForm& form = cf->second;
    if (const auto undefined = ex.undefined.find(step.index); undefined != ex.undefined.end()) {
      c.undefined.push_back(
          fmt::format("{} = {}, as {}", form.symbol, form.formula, undefined->second));
      continue;
    }
    const double d = rel_diff(step.grad, form.value);
    if (!(d <= kTolerance)) c.mismatched.push_back(form.symbol + " = " + form.formula);
    if (!std::isnan(c.worst) && (std::isnan(d) || d > c.worst)) c.worst = d;
  }
  return c;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : "; ") + item;
  return out;
}

int run_explain(const ExplainArgs& args) {
  const Example ex = make_example(args.example.example(), args.example.settings("explain"));
  const std::vector<BackwardStep> steps = backward_steps(*ex.tape, ex.root);
  const Comparison c = compare(ex, steps);
  const bool ok = c.mismatched.empty();
  if (!args.frames.empty()) write_walkthrough(ex, args.frames);
  if (args.json) {
    fmt::print("{}\n", to_json(ex, steps, ok, c.worst).dump(2));
    return ok ? 0 : 1;
  }
  print_text(ex, steps);
  const std::string measured =
      fmt::format("max relative difference {:.1e}, tolerance {:.0e}", c.worst, kTolerance);
  if (!ok) {
    const std::size_t more = c.mismatched.size() - 1;
    fmt::print("\nFAILED: autodiff does not match the lecture's {}{} ({})\n", c.mismatched.front(),
               more == 0 ? std::string() : fmt::format(" (nor {} more below it)", more), measured);
  } else if (c.undefined.empty()) {
    fmt::print("\nok: every autodiff gradient matches the lecture's closed form ({})\n", measured);
  } else {
    fmt::print(
        "\nok: every autodiff gradient matches the lecture's closed form where it is defined ({}); "
        "undefined here: {}\n",
        measured, joined(c.undefined));
  }
  return ok ? 0 : 1;
}

}  // namespace

Subcommand add_explain(CLI::App& app) {
  auto args = std::make_shared<ExplainArgs>();
  CLI::App* cmd = app.add_subcommand(
      "explain", "Walk through the forward and backward pass of a lecture example");
  args->example.add_to(*cmd, false);
  cmd->add_flag("--json", args->json, "Machine-readable output");
  cmd->add_option("--frames", args->frames,
                  "Write one diagram per backward step and an index.html to this folder");
  return {cmd, [args] { return run_explain(*args); }};
}

}  // namespace tapegrad::tool
