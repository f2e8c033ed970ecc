// `tapegrad explain`: the forward and backward pass of a lecture example, node by node, with the
// lecture's closed forms beside the autodiff values; optionally as JSON and as a folder of frames
// (one diagram per backward step) with a page that steps through them.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "handout.hpp"
#include "lang.hpp"
#include "output.hpp"

namespace tapegrad::tool {
namespace {

constexpr double kTolerance = 1e-9;  // relative agreement required of autodiff and closed form

// The language of this run (--lang), English by default; the words are in lang.cpp.
Lang g_lang = Lang::en;
std::string_view w(Msg message) { return say(message, g_lang); }

std::string num(double x) { return fmt::format("{:.10g}", x); }

// The gradient of node `index` as the lecture names it: "dz" (short for dL/dz) in the one-example
// lessons; "dJ/dz(1)" in the m-example ones, whose lecture keeps dz(i) for dL(i)/dz(i).
std::string gname(const Example& ex, std::size_t index) {
  if (!takes_rows(ex.name)) return grad_name(*ex.tape, index);
  return fmt::format("d{}/d{}", node_name(*ex.tape, ex.root.index()), node_name(*ex.tape, index));
}

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

// The lecture's symbolic local derivative of input `slot` of `node`, or "".
std::string local_form(const Example& ex, std::size_t node, std::size_t slot) {
  const auto it = ex.local_forms.find({node, slot});
  return it == ex.local_forms.end() ? std::string() : it->second;
}

// "a(1-a) = 0.2493760402", or the number alone when no formula is known or it is the number.
std::string formula_and_value(const std::string& formula, double value) {
  const std::string v = num(value);
  return formula.empty() || formula == v ? v : formula + " = " + v;
}

// One sentence describing a backward step, used as frame title and caption:
// "dz = -0.475 (lecture dz = a - y = -0.475); dw1 += dz * dz/dw1 = -0.475 * x1 = ...".
std::string step_caption(const Example& ex, const BackwardStep& step) {
  const Tape& tape = *ex.tape;
  std::string text = fmt::format("{} = {}", gname(ex, step.index), num(step.grad));
  if (const auto cf = ex.closed_forms.find(step.index); cf != ex.closed_forms.end()) {
    if (ex.undefined.count(step.index) == 0 && cf->second.formula != num(cf->second.value)) {
      text += fmt::format(" ({} {} = {})", w(Msg::lecture), cf->second.symbol,
                          formula_and_value(cf->second.formula, cf->second.value));
    }
  }
  std::vector<std::string> flows;
  for (std::size_t s = 0; s < step.inputs.size(); ++s) {
    const StepInput& in = step.inputs[s];
    if (!in.product) continue;
    const std::string form = local_form(ex, step.index, s);
    flows.push_back(
        fmt::format("{} += {} * d{}/d{} = {} * {} = {}", gname(ex, in.index), gname(ex, step.index),
                    node_name(tape, step.index), node_name(tape, in.index), num(step.grad),
                    form.empty() ? num(*in.local) : fmt::format("{} ({})", num(*in.local), form),
                    num(*in.product)));
  }
  if (flows.empty()) {
    text += fmt::format(" ({})", step.inputs.empty() ? w(Msg::leaf) : w(Msg::no_input));
  } else {
    text += fmt::format("; {}: ", w(Msg::flows_back));
    for (std::size_t i = 0; i < flows.size(); ++i) text += (i ? ", " : "") + flows[i];
  }
  return text;
}

// The title, the values and the forward pass's heading, as every text walkthrough starts.
void print_head(const Example& ex) {
  fmt::print("{}\n", ex.title);
  std::string values;
  for (const Setting& s : ex.settings) {
    values += fmt::format("{}{} = {}", values.empty() ? "" : ", ", s.name, s.value);
  }
  fmt::print("{}: {}\n\n{}\n", w(Msg::values), values, w(Msg::forward));
}

void print_text(const Example& ex, const std::vector<BackwardStep>& steps) {
  const Tape& t = *ex.tape;
  const std::string root = node_name(t, ex.root.index());
  print_head(ex);
  for (std::size_t i = 0; i <= ex.root.index(); ++i) {
    fmt::print("  [{:>2}] {:<3} = {:<22} = {}\n", i, node_name(t, i), expression_text(t, i, g_lang),
               num(t.value(i)[0]));
  }
  fmt::print("  {} {} = {} = {}\n", w(Msg::lecture), root, ex.loss_formula,
             num(ex.loss_closed_form));
  fmt::print("\n{}\n", fmt::format(fmt::runtime(takes_rows(ex.name) ? w(Msg::backward_rows_note)
                                                                    : w(Msg::backward_note)),
                                   root));
  for (const BackwardStep& step : steps) {
    const std::string name = node_name(t, step.index);
    std::string line = fmt::format("  [{:>2}] {:<3} {} {} = {}", step.index, name, w(Msg::autodiff),
                                   gname(ex, step.index), num(step.grad));
    const auto cf = ex.closed_forms.find(step.index);
    const auto undefined = ex.undefined.find(step.index);
    if (cf != ex.closed_forms.end() && undefined != ex.undefined.end()) {
      line = fmt::format("{:<42} {} {} = {} {}: {}", line, w(Msg::lecture), cf->second.symbol,
                         cf->second.formula, w(Msg::undefined_here), undefined->second);
    } else if (cf != ex.closed_forms.end()) {
      line = fmt::format("{:<42} {} {} = {}   {} {:.1e}", line, w(Msg::lecture), cf->second.symbol,
                         formula_and_value(cf->second.formula, cf->second.value), w(Msg::abs_diff),
                         std::abs(step.grad - cf->second.value));
    }
    fmt::print("{}\n", line);
    for (std::size_t s = 0; s < step.inputs.size(); ++s) {
      const StepInput& in = step.inputs[s];
      const std::string in_name = node_name(t, in.index);
      const std::string local = in.local
                                    ? formula_and_value(local_form(ex, step.index, s), *in.local)
                                    : std::string(w(Msg::not_applicable));
      fmt::print("         -> {:<3} {} d{}/d{} = {}\n", in_name, w(Msg::local), name, in_name,
                 local);
      if (in.product) {
        fmt::print("                {} {} += {} * d{}/d{} = {} * {} = {}\n", w(Msg::chain),
                   gname(ex, in.index), gname(ex, step.index), name, in_name, num(step.grad),
                   num(*in.local), num(*in.product));
      } else {
        const Msg why =
            t.node(in.index).is_leaf() ? Msg::no_gradient_input : Msg::no_gradient_constant;
        fmt::print("                {}\n", fmt::format(fmt::runtime(w(why)), in_name));
      }
    }
  }
}

// The value of the node named `name` (the last of that name), or nan.
double value_of(const Tape& t, std::size_t end, const std::string& name) {
  for (std::size_t i = end + 1; i-- > 0;) {
    if (node_name(t, i) == name) return t.value(i)[0];
  }
  return std::nan("");
}

// The lecture's for loop over the m examples, on the forward values: dz(i) = a(i) - y(i),
// dw1 += x1(i) dz(i), dw2 += x2(i) dz(i), db += dz(i), then everything divided by m; beside the
// sums, autodiff's dJ/dw1, dJ/dw2, dJ/db.
void print_loop(const Example& ex) {
  const Tape& t = *ex.tape;
  const std::size_t end = ex.root.index();
  fmt::print("\n{}\n", w(Msg::loop_intro));
  fmt::print("  {:>4} {:>14} {:>14} {:>14} {:>14} {:>14} {:>14} {:>14}\n", "i", "z(i)", "a(i)",
             "L(i)", "dz(i)", "x1(i) dz(i)", "x2(i) dz(i)", "y(i)");
  double J = 0.0, dw1 = 0.0, dw2 = 0.0, db = 0.0;
  std::size_t m = 0;
  for (std::size_t i = 1;; ++i) {
    const double z = value_of(t, end, fmt::format("z({})", i));
    if (std::isnan(z)) break;
    const double a = value_of(t, end, fmt::format("a({})", i));
    const double L = value_of(t, end, fmt::format("L({})", i));
    const double y = value_of(t, end, fmt::format("y({})", i));
    const double x1 = value_of(t, end, fmt::format("x1({})", i));
    const double x2 = value_of(t, end, fmt::format("x2({})", i));
    const double dz = a - y;
    J += L;
    dw1 += x1 * dz;
    dw2 += x2 * dz;
    db += dz;
    m = i;
    fmt::print("  {:>4} {:>14} {:>14} {:>14} {:>14} {:>14} {:>14} {:>14}\n", i, num(z), num(a),
               num(L), num(dz), num(x1 * dz), num(x2 * dz), num(y));
  }
  const double md = static_cast<double>(m);
  fmt::print("  /m: J = {}, dw1 = {}, dw2 = {}, db = {}\n", num(J / md), num(dw1 / md),
             num(dw2 / md), num(db / md));
  std::string autodiff;
  for (const std::string name : {"w1", "w2", "b"}) {
    for (std::size_t i = 0; i <= end; ++i) {
      if (t.node(i).is_param() && node_name(t, i) == name) {
        autodiff +=
            fmt::format("{}dJ/d{} = {}", autodiff.empty() ? "" : ", ", name, num(t.grad(i)[0]));
      }
    }
  }
  fmt::print("  {}: J = {}, {}\n", w(Msg::autodiff), num(t.value(end)[0]), autodiff);
}

// The gradient-descent step w := w - alpha dw after the backward pass.
void print_update(const Example& ex, const Update& u) {
  const Tape& t = *ex.tape;
  const std::string root = node_name(t, ex.root.index());
  fmt::print("\n{}\n", fmt::format(fmt::runtime(w(Msg::descent_step)), num(u.alpha)));
  for (const ParamUpdate& p : u.params) {
    fmt::print("  {0} := {0} - alpha d{0} = {1} - {2} * {3} = {4}   {7} {5}   {8} {6:.1e}\n",
               p.name, num(p.value), num(u.alpha), num(p.grad), num(p.next), num(p.next_closed),
               std::abs(p.next - p.next_closed), w(Msg::lecture), w(Msg::abs_diff));
  }
  fmt::print("  {5} {0} = {1} ({6} {2}; {7} {3} = {4})\n", root, num(u.next_loss), num(u.loss),
             ex.loss_formula, num(u.next_loss_closed), w(Msg::new_), w(Msg::was), w(Msg::lecture));
}

// N iterations of gradient descent from the example's settings.
std::vector<Update> iterate(const Example& first, double alpha, std::size_t steps) {
  std::vector<Update> out;
  std::vector<Setting> settings = first.settings;
  for (std::size_t k = 0; k < steps; ++k) {
    const Example ex = make_example(first.name, settings);
    out.push_back(gradient_step(ex, alpha));
    settings = out.back().next_settings;
  }
  return out;
}

void print_iterations(const Example& ex, const std::vector<Update>& iterations) {
  const std::string root = node_name(*ex.tape, ex.root.index());
  fmt::print("\n{}\n",
             fmt::format(fmt::runtime(w(Msg::descent_steps)), steps_text(iterations.size(), g_lang),
                         num(iterations.front().alpha)));
  std::string head = fmt::format("  {:>5}", w(Msg::step));
  for (const ParamUpdate& p : iterations.front().params) head += fmt::format(" {:>17}", p.name);
  head += fmt::format(" {:>17}", root);
  for (const ParamUpdate& p : iterations.front().params) {
    head += fmt::format(" {:>17}", fmt::format("d{}", p.name));
  }
  fmt::print("{}\n", head);
  for (std::size_t k = 0; k < iterations.size(); ++k) {
    const Update& u = iterations[k];
    std::string row = fmt::format("  {:>5}", k);
    for (const ParamUpdate& p : u.params) row += fmt::format(" {:>17}", num(p.value));
    row += fmt::format(" {:>17}", num(u.loss));
    for (const ParamUpdate& p : u.params) row += fmt::format(" {:>17}", num(p.grad));
    fmt::print("{}\n", row);
  }
  const Update& last = iterations.back();
  std::string row = fmt::format("  {:>5}", iterations.size());
  for (const ParamUpdate& p : last.params) row += fmt::format(" {:>17}", num(p.next));
  row += fmt::format(" {:>17}", num(last.next_loss));
  fmt::print("{}\n", row);
}

// The update frame's caption: "w := w - alpha dw (alpha = 0.1): w1 := 0.5 - 0.1 * -0.475 = ...;
// new L = ... (was ...)".
std::string update_caption(const Example& ex, const Update& u) {
  std::string text =
      fmt::format("{} w := w - alpha dw (alpha = {}):", w(Msg::update), num(u.alpha));
  for (std::size_t i = 0; i < u.params.size(); ++i) {
    const ParamUpdate& p = u.params[i];
    text += fmt::format("{} {} := {} - {} * {} = {}", i ? "," : "", p.name, num(p.value),
                        num(u.alpha), num(p.grad), num(p.next));
  }
  return text + fmt::format("; {} {} = {} ({} {})", w(Msg::new_),
                            node_name(*ex.tape, ex.root.index()), num(u.next_loss), w(Msg::was),
                            num(u.loss));
}

nlohmann::ordered_json update_json(const Update& u) {
  nlohmann::ordered_json j{{"alpha", u.alpha}, {"loss", u.loss}};
  j["params"] = nlohmann::ordered_json::array();
  for (const ParamUpdate& p : u.params) {
    j["params"].push_back({{"name", p.name},
                           {"value", p.value},
                           {"gradient", p.grad},
                           {"new_value", p.next},
                           {"closed_form_new_value", p.next_closed}});
  }
  j["new_loss"] = u.next_loss;
  j["closed_form_new_loss"] = u.next_loss_closed;
  return j;
}

// What the JSON of every example ends with: the update, the iterations and the comparison.
nlohmann::ordered_json json_tail(nlohmann::ordered_json j, bool ok, double worst,
                                 const std::optional<Update>& update,
                                 const std::vector<Update>& iterations) {
  if (update) j["update"] = update_json(*update);
  if (!iterations.empty()) {
    j["iterations"] = nlohmann::ordered_json::array();
    for (const Update& u : iterations) j["iterations"].push_back(update_json(u));
  }
  j["max_rel_diff"] = worst;
  j["ok"] = ok;
  return j;
}

// What the JSON of every example starts with: its name, title, values and root.
nlohmann::ordered_json json_head(const Example& ex) {
  nlohmann::ordered_json j;
  j["example"] = ex.name;
  j["title"] = ex.title;
  j["values"] = nlohmann::ordered_json::object();
  for (const Setting& s : ex.settings) j["values"][s.name] = s.value;
  j["root"] = node_name(*ex.tape, ex.root.index());
  j["forward"] = nlohmann::ordered_json::array();
  return j;
}

nlohmann::ordered_json to_json(const Example& ex, const std::vector<BackwardStep>& steps, bool ok,
                               double worst, const std::optional<Update>& update,
                               const std::vector<Update>& iterations) {
  const Tape& t = *ex.tape;
  nlohmann::ordered_json j = json_head(ex);
  for (std::size_t i = 0; i <= ex.root.index(); ++i) {
    const std::string kind = kind_in_words(t, i);
    j["forward"].push_back({{"index", i},
                            {"name", node_name(t, i)},
                            {"op", kind.empty() ? std::string(op_name(t.node(i).op)) : kind},
                            {"expression", node_expression(t, i)},
                            {"value", t.value(i)[0]}});
  }
  j["loss_formula"] = ex.loss_formula;
  j["loss_closed_form"] = ex.loss_closed_form;
  j["backward"] = nlohmann::ordered_json::array();
  for (const BackwardStep& step : steps) {
    nlohmann::ordered_json s{{"index", step.index},
                             {"name", node_name(t, step.index)},
                             {"gradient_name", gname(ex, step.index)},
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
    for (std::size_t slot = 0; slot < step.inputs.size(); ++slot) {
      const StepInput& in = step.inputs[slot];
      nlohmann::ordered_json i{{"index", in.index}, {"name", node_name(t, in.index)}};
      const std::string form = local_form(ex, step.index, slot);
      i["local_formula"] =
          form.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(form);
      i["local"] = in.local ? nlohmann::ordered_json(*in.local) : nlohmann::ordered_json(nullptr);
      i["product"] =
          in.product ? nlohmann::ordered_json(*in.product) : nlohmann::ordered_json(nullptr);
      s["inputs"].push_back(i);
    }
    j["backward"].push_back(s);
  }
  return json_tail(std::move(j), ok, worst, update, iterations);
}

// The page that steps through the frames: buttons, arrow keys, #step=N.
std::string frames_page(const Example& ex, const std::vector<std::string>& captions,
                        const std::vector<std::string>& bodies, bool have_svg) {
  std::string frames;
  for (std::size_t k = 0; k < bodies.size(); ++k) {
    frames += fmt::format(
        "<figure class=\"frame\" id=\"frame-{0}\" data-step=\"{0}\" hidden>\n"
        "<figcaption>{4}{0}{5}{1}: {2}</figcaption>\n{3}\n</figure>\n",
        k + 1, bodies.size(), html_escape(captions[k]), bodies[k], w(Msg::step_prefix),
        w(Msg::step_middle));
  }
  const std::string note =
      have_svg ? "" : fmt::format("<p class=\"note\">{}</p>\n", w(Msg::no_graphviz));
  return fmt::format(R"(<!DOCTYPE html>
<html lang="{10}">
<head>
<meta charset="utf-8">
<title>tapegrad: {4}: {0}</title>
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
<h1>{4}</h1>
<p>{1}. {9}</p>
{2}<nav>
<button id="prev" type="button">&larr; {5}</button>
<span id="counter"></span>
<button id="next" type="button">{6} &rarr;</button>
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
    document.getElementById('counter').textContent = '{7}' + current + '{8}' + count;
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
                     html_escape(ex.name), html_escape(ex.title), note, frames, w(Msg::walk_title),
                     w(Msg::previous), w(Msg::next), w(Msg::step_prefix), w(Msg::step_middle),
                     w(Msg::walk_intro), w(Msg::html_lang));
}

}  // namespace

void write_walkthrough(const Example& ex, const std::string& dir_name, double alpha) {
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
  std::optional<Update> update;
  if (!ex.trained.empty()) update = gradient_step(ex, alpha);
  const std::size_t count = steps.size() + (update ? 1 : 0);
  const auto add_frame = [&](DotOptions o, const Tape& tape, std::string caption) {
    o.words = dot_words(g_lang);
    o.title = fmt::format("{}{}{}{}: {}", w(Msg::step_prefix), captions.size() + 1,
                          w(Msg::step_middle), count, caption);
    captions.push_back(std::move(caption));
    const std::string dot = to_dot(tape, o);
    const std::string stem = fmt::format("step-{:02}", captions.size());
    write_output(dir / (stem + ".dot"), dot);
    if (have_svg) {
      const std::filesystem::path svg = dir / (stem + ".svg");
      render_dot(dot, svg, ImageFormat::Svg);
      const std::string text = read_whole(svg);
      const std::size_t start = text.find("<svg");
      bodies.push_back(start == std::string::npos ? text : text.substr(start));
    } else {
      bodies.push_back("<pre>" + html_escape(dot) + "</pre>");
    }
  };
  for (const BackwardStep& step : steps) {
    DotOptions o;
    o.edge_derivatives = true;
    o.edge_formulas = ex.local_forms;
    o.highlight = step.index;
    o.gradients_from = step.index;
    add_frame(o, t, step_caption(ex, step));
  }
  if (update) {
    // The last frame: the graph at the updated params, forward pass only.
    const Example next = make_example(ex.name, update->next_settings);
    DotOptions o;
    o.show_gradients = false;
    add_frame(o, *next.tape, update_caption(ex, *update));
  }
  write_output(dir / "index.html", frames_page(ex, captions, bodies, have_svg));
  fmt::print(stderr, "tapegrad: wrote {} ({}) and {}\n", detail::plural(count, "frame"),
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
  std::string frames;           // folder for the walkthrough frames; empty for none
  double alpha = 0.1;           // learning rate of the update step
  std::size_t steps = 0;        // gradient-descent iterations to tabulate; 0 for none
  std::string lang = "en";      // language of the walkthrough: en or ko
  std::string format = "text";  // text, markdown or latex
  CLI::Option* alpha_option = nullptr;
  CLI::Option* steps_option = nullptr;
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
      c.undefined.push_back(fmt::format(fmt::runtime(w(Msg::undefined_as)), form.symbol,
                                        form.formula, undefined->second));
      continue;
    }
    const double d = rel_diff(step.grad, form.value);
    if (!(d <= kTolerance)) c.mismatched.push_back(form.symbol + " = " + form.formula);
    if (!std::isnan(c.worst) && (std::isnan(d) || d > c.worst)) c.worst = d;
  }
  return c;
}

// ------------------------------------------------------------ tensor examples (vectorized)

bool all_scalar(const Example& ex) {
  for (std::size_t i = 0; i <= ex.root.index(); ++i) {
    if (!ex.tape->node(i).shape.is_scalar()) return false;
  }
  return true;
}

// A value on one line: "0.5", "[1, 2]", "[[1, 2]; [3, 4]]" (10 significant digits).
std::string tensor_text(TensorView v) {
  std::string text = format_value(v, 10, 1u << 20);
  if (v.rows() > 1 && v.cols() > 1) {
    std::string joined = "[";
    std::size_t start = 0;
    for (std::size_t at = text.find('\n');; at = text.find('\n', start)) {
      joined += (start == 0 ? "" : "; ") + text.substr(start, at - start);
      if (at == std::string::npos) break;
      start = at + 1;
    }
    return joined + "]";
  }
  std::replace(text.begin(), text.end(), '\n', ' ');
  return text;
}

std::string elements_text(const std::vector<double>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + num(v[i]);
  return out + "]";
}

nlohmann::ordered_json tensor_json(TensorView v) {
  if (v.size() == 1) return v[0];
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (std::size_t r = 0; r < v.rows(); ++r) {
    nlohmann::ordered_json row = nlohmann::ordered_json::array();
    for (std::size_t c = 0; c < v.cols(); ++c) row.push_back(v(r, c));
    rows.push_back(row);
  }
  return rows;
}

// The nodes with a gradient, root first.
std::vector<std::size_t> reverse_nodes(const Example& ex) {
  std::vector<std::size_t> out;
  for (std::size_t i = ex.root.index() + 1; i-- > 0;) {
    if (ex.tape->has_grad(i)) out.push_back(i);
  }
  return out;
}

// The largest relative difference of a node's gradient from its closed form.
double tensor_diff(TensorView grad, const ClosedForm& form) {
  if (form.elements.empty()) return rel_diff(grad[0], form.value);
  if (form.elements.size() != grad.size()) return std::nan("");
  double worst = 0.0;
  for (std::size_t k = 0; k < grad.size(); ++k) {
    const double d = rel_diff(grad[k], form.elements[k]);
    if (std::isnan(d) || d > worst) worst = d;
  }
  return worst;
}

std::string closed_text(const ClosedForm& form) {
  return form.elements.empty() ? formula_and_value(form.formula, form.value)
                               : form.formula + " = " + elements_text(form.elements);
}

void print_tensor_text(const Example& ex) {
  const Tape& t = *ex.tape;
  const std::string root = node_name(t, ex.root.index());
  print_head(ex);
  for (std::size_t i = 0; i <= ex.root.index(); ++i) {
    const NodeInfo n = t.node(i);
    const std::string shape = n.shape.is_scalar() ? "" : fmt::format(" ({})", n.shape);
    fmt::print("  [{:>2}] {:<3} = {:<22} = {}{}\n", i, node_name(t, i),
               expression_text(t, i, g_lang), tensor_text(t.value(i)), shape);
  }
  fmt::print("  {} {} = {} = {}\n", w(Msg::lecture), root, ex.loss_formula,
             num(ex.loss_closed_form));
  fmt::print("\n{}\n", fmt::format(fmt::runtime(w(Msg::backward_tensor_note)), root));
  for (const std::size_t i : reverse_nodes(ex)) {
    const std::string name = node_name(t, i);
    fmt::print("  [{:>2}] {:<3} {} d{}/d{} = {}\n", i, name, w(Msg::autodiff), root, name,
               tensor_text(t.grad(i)));
    if (const auto cf = ex.closed_forms.find(i); cf != ex.closed_forms.end()) {
      fmt::print("                {} {} = {}   {} {:.1e}\n", w(Msg::lecture), cf->second.symbol,
                 closed_text(cf->second), w(Msg::max_abs_diff), tensor_diff(t.grad(i), cf->second));
    }
    const NodeInfo n = t.node(i);
    for (std::size_t s = 0; s < n.input_count; ++s) {
      const std::string form = local_form(ex, i, s);
      const std::string in_name = node_name(t, n.inputs[s]);
      if (!form.empty()) {
        fmt::print("         -> {:<3} {} d{}/d{}: {}{}\n", in_name, w(Msg::local), name, in_name,
                   form, t.has_grad(n.inputs[s]) ? "" : w(Msg::no_gradient_short));
      }
    }
  }
}

Comparison compare_tensors(const Example& ex) {
  Comparison c;
  for (const std::size_t i : reverse_nodes(ex)) {
    const auto cf = ex.closed_forms.find(i);
    if (cf == ex.closed_forms.end()) continue;
    const double d = tensor_diff(ex.tape->grad(i), cf->second);
    if (!(d <= kTolerance)) c.mismatched.push_back(cf->second.symbol + " = " + cf->second.formula);
    if (!std::isnan(c.worst) && (std::isnan(d) || d > c.worst)) c.worst = d;
  }
  return c;
}

nlohmann::ordered_json to_tensor_json(const Example& ex, bool ok, double worst,
                                      const std::optional<Update>& update,
                                      const std::vector<Update>& iterations) {
  const Tape& t = *ex.tape;
  nlohmann::ordered_json j = json_head(ex);
  for (std::size_t i = 0; i <= ex.root.index(); ++i) {
    const std::string kind = kind_in_words(t, i);
    const NodeInfo n = t.node(i);
    nlohmann::ordered_json node{{"index", i},
                                {"name", node_name(t, i)},
                                {"op", kind.empty() ? std::string(op_name(n.op)) : kind},
                                {"expression", node_expression(t, i)}};
    if (!n.shape.is_scalar()) node["shape"] = fmt::format("{}", n.shape);
    node["value"] = tensor_json(t.value(i));
    j["forward"].push_back(node);
  }
  j["loss_formula"] = ex.loss_formula;
  j["loss_closed_form"] = ex.loss_closed_form;
  j["backward"] = nlohmann::ordered_json::array();
  for (const std::size_t i : reverse_nodes(ex)) {
    nlohmann::ordered_json s{{"index", i},
                             {"name", node_name(t, i)},
                             {"gradient_name", gname(ex, i)},
                             {"gradient", tensor_json(t.grad(i))},
                             {"closed_form", nullptr}};
    if (const auto cf = ex.closed_forms.find(i); cf != ex.closed_forms.end()) {
      s["closed_form"] = {{"symbol", cf->second.symbol}, {"formula", cf->second.formula}};
      s["closed_form"]["value"] = cf->second.elements.empty()
                                      ? nlohmann::ordered_json(cf->second.value)
                                      : nlohmann::ordered_json(cf->second.elements);
    }
    j["backward"].push_back(s);
  }
  return json_tail(std::move(j), ok, worst, update, iterations);
}

// The update by autodiff against the update with the lecture's closed forms.
void compare_update(const Update& u, Comparison& c) {
  const auto check = [&](const std::string& what, double autodiff, double closed) {
    const double d = rel_diff(autodiff, closed);
    if (!(d <= kTolerance)) c.mismatched.push_back(what);
    if (!std::isnan(c.worst) && (std::isnan(d) || d > c.worst)) c.worst = d;
  };
  for (const ParamUpdate& p : u.params) {
    check(fmt::format("{0} := {0} - alpha d{0}", p.name), p.next, p.next_closed);
  }
  check(std::string(w(Msg::new_loss)), u.next_loss, u.next_loss_closed);
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : "; ") + item;
  return out;
}

int run_explain(const ExplainArgs& args) {
  g_lang = args.lang == "ko" ? Lang::ko : Lang::en;
  Example ex = make_example(args.example.example(), args.example.settings("explain"));
  // JSON is for programs: only its title follows --lang.
  if (args.json) {
    ex.title = title_text(ex, g_lang);
  } else {
    localize(ex, g_lang);
  }
  const bool scalar = all_scalar(ex);
  const std::vector<BackwardStep> steps =
      scalar ? backward_steps(*ex.tape, ex.root) : std::vector<BackwardStep>{};
  for (CLI::Option* option : {args.alpha_option, args.steps_option}) {
    if (option->count() > 0 && ex.trained.empty()) {
      detail::fail("explain", option->get_name(),
                   "the {} example has no parameters to update (the lecture example has)", ex.name);
    }
  }
  if (!scalar && !args.frames.empty()) {
    detail::fail("explain", "--frames",
                 "the frames show scalar graphs (lecture, chain, examples); the {} example holds "
                 "tensors: draw it with 'tapegrad graph {}'",
                 ex.name, ex.name);
  }
  Comparison c = scalar ? compare(ex, steps) : compare_tensors(ex);
  std::optional<Update> update;
  if (!ex.trained.empty()) {
    update = gradient_step(ex, args.alpha);
    compare_update(*update, c);
  }
  const std::vector<Update> iterations =
      args.steps == 0 ? std::vector<Update>{} : iterate(ex, args.alpha, args.steps);
  const bool ok = c.mismatched.empty();
  if (!args.frames.empty()) write_walkthrough(ex, args.frames, args.alpha);
  if (args.format != "text") {
    fmt::print(
        "{}",
        handout(ex, update, iterations,
                args.format == "latex" ? HandoutFormat::latex : HandoutFormat::markdown, g_lang));
    return ok ? 0 : 1;
  }
  if (args.json) {
    const nlohmann::ordered_json j = scalar ? to_json(ex, steps, ok, c.worst, update, iterations)
                                            : to_tensor_json(ex, ok, c.worst, update, iterations);
    fmt::print("{}\n", j.dump(2));
    return ok ? 0 : 1;
  }
  if (scalar) {
    print_text(ex, steps);
    if (ex.name == "examples") print_loop(ex);
  } else {
    print_tensor_text(ex);
  }
  if (update) print_update(ex, *update);
  if (!iterations.empty()) print_iterations(ex, iterations);
  const std::string measured = fmt::format(fmt::runtime(w(Msg::measured)), c.worst, kTolerance);
  if (!ok) {
    const std::size_t more = c.mismatched.size() - 1;
    fmt::print("\n{}\n", fmt::format(fmt::runtime(w(Msg::failed)), c.mismatched.front(),
                                     more == 0 ? std::string()
                                               : fmt::format(fmt::runtime(w(Msg::nor_more)), more),
                                     measured));
  } else if (c.undefined.empty()) {
    fmt::print("\n{}\n", fmt::format(fmt::runtime(w(Msg::ok)), measured));
  } else {
    fmt::print("\n{}\n",
               fmt::format(fmt::runtime(w(Msg::ok_defined)), measured, joined(c.undefined)));
  }
  return ok ? 0 : 1;
}

}  // namespace

Subcommand add_explain(CLI::App& app) {
  auto args = std::make_shared<ExplainArgs>();
  CLI::App* cmd = app.add_subcommand(
      "explain", "Walk through the forward and backward pass of a lecture example");
  args->example.add_to(*cmd, false);
  CLI::Option* json = cmd->add_flag("--json", args->json, "Machine-readable output");
  cmd->add_option("--frames", args->frames,
                  "Write one diagram per backward step and an index.html to this folder");
  args->alpha_option =
      cmd->add_option("--alpha", args->alpha,
                      "lecture: learning rate of the update w := w - alpha dw (default 0.1)")
          ->check(positive_check());
  args->steps_option =
      cmd->add_option("--steps", args->steps,
                      "lecture: run this many gradient-descent steps and tabulate them")
          ->transform(whole_check(1, 10'000));
  cmd->add_option(
         "--lang", args->lang,
         "Language of the walkthrough, the tables and the frames: en (default) or ko (Korean)")
      ->transform(choice_check({"en", "ko"}));
  cmd->add_option("--format", args->format,
                  "text (default), markdown or latex: tables and formulas for slides and handouts")
      ->transform(choice_check({"text", "markdown", "latex"}))
      ->excludes(json);
  return {cmd, [args] { return run_explain(*args); }};
}

}  // namespace tapegrad::tool
