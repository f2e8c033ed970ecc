#include "handout.hpp"

#include <cctype>
#include <cmath>
#include <map>
#include <utility>

#include <fmt/format.h>

#include "lang.hpp"
#include "output.hpp"

namespace tapegrad::tool {
namespace {

std::string num(double x) { return fmt::format("{:.10g}", x); }

// One cell: plain text, or a formula (code in Markdown, math in LaTeX).
struct Cell {
  std::string text;
  bool math = false;
};
Cell math(std::string text) { return {std::move(text), true}; }
Cell plain(std::string text) { return {std::move(text), false}; }

std::string latex_text(const std::string& text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&':
      case '%':
      case '$':
      case '#':
      case '_':
      case '{':
      case '}':
        out += '\\';
        out += c;
        break;
      case '~':
        out += "\\textasciitilde{}";
        break;
      case '^':
        out += "\\textasciicircum{}";
        break;
      case '\\':
        out += "\\textbackslash{}";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// A value on one line (a matrix's rows joined by "; ").
std::string value_text(TensorView v) { return replace_all(format_value(v, 10, 64), "\n", "; "); }

// A parenthesised group ending at `end` (the index of its ')'), with the name before it: "y(1)",
// "(1-y)"; returns its start.
std::size_t group_start(const std::string& s, std::size_t end) {
  int depth = 0;
  std::size_t i = end + 1;
  while (i-- > 0) {
    if (s[i] == ')') ++depth;
    if (s[i] == '(' && --depth == 0) break;
  }
  while (i > 0 && std::isalnum(static_cast<unsigned char>(s[i - 1])) != 0) --i;
  return i;
}

std::string unwrapped(const std::string& s) {
  if (s.size() >= 2 && s.front() == '(' && s.back() == ')') {
    int depth = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '(') ++depth;
      if (s[i] == ')' && --depth == 0 && i + 1 < s.size()) return s;
    }
    return s.substr(1, s.size() - 2);
  }
  return s;
}

// a/b -> \frac{a}{b}, operands a name (with an optional "(k)") or a parenthesised group.
std::string fractions(std::string s) {
  for (std::size_t slash = s.find('/'); slash != std::string::npos; slash = s.find('/')) {
    std::size_t begin = slash;
    if (slash > 0 && s[slash - 1] == ')') {
      begin = group_start(s, slash - 1);
    } else {
      while (begin > 0 && std::isalnum(static_cast<unsigned char>(s[begin - 1])) != 0) --begin;
    }
    std::size_t end = slash + 1;
    if (end < s.size() && s[end] == '(') {
      int depth = 0;
      for (; end < s.size(); ++end) {
        if (s[end] == '(') ++depth;
        if (s[end] == ')' && --depth == 0) break;
      }
      ++end;
    } else {
      while (end < s.size() && std::isalnum(static_cast<unsigned char>(s[end])) != 0) ++end;
      if (end < s.size() && s[end] == '(') {
        while (end < s.size() && s[end] != ')') ++end;
        ++end;
      }
    }
    end = std::min(end, s.size());
    const std::string a = unwrapped(s.substr(begin, slash - begin));
    const std::string b = unwrapped(s.substr(slash + 1, end - slash - 1));
    s = fmt::format("{}\\frac{{{}}}{{{}}}{}", s.substr(0, begin), a, b, s.substr(end));
  }
  return s;
}

std::string render(const Cell& c, HandoutFormat f) {
  if (f == HandoutFormat::latex) {
    return c.math && !c.text.empty() ? fmt::format("${}$", latex_formula(c.text))
                                     : latex_text(c.text);
  }
  const std::string text = replace_all(c.text, "|", "\\|");
  return c.math && !text.empty() ? fmt::format("`{}`", text) : text;
}

void table(std::string& out, const std::vector<std::string>& head,
           const std::vector<std::vector<Cell>>& rows, HandoutFormat f) {
  if (f == HandoutFormat::markdown) {
    out += "|";
    for (const std::string& h : head) out += fmt::format(" {} |", replace_all(h, "|", "\\|"));
    out += "\n|";
    for (std::size_t i = 0; i < head.size(); ++i) out += "---|";
    out += "\n";
    for (const auto& row : rows) {
      out += "|";
      for (const Cell& c : row) out += fmt::format(" {} |", render(c, f));
      out += "\n";
    }
    out += "\n";
    return;
  }
  out += fmt::format("\\begin{{tabular}}{{{}}}\n\\hline\n", std::string(head.size(), 'l'));
  for (std::size_t i = 0; i < head.size(); ++i) {
    out += fmt::format("{}{}", i ? " & " : "", latex_text(head[i]));
  }
  out += " \\\\\n\\hline\n";
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i)
      out += fmt::format("{}{}", i ? " & " : "", render(row[i], f));
    out += " \\\\\n";
  }
  out += "\\hline\n\\end{tabular}\n\n";
}

void heading(std::string& out, const std::string& text, HandoutFormat f, bool top = false) {
  if (f == HandoutFormat::markdown) {
    out += fmt::format("{} {}\n\n", top ? "##" : "###", text);
  } else {
    out += fmt::format("\\{}{{{}}}\n\n", top ? "subsection*" : "subsubsection*", latex_text(text));
  }
}

void line(std::string& out, const std::vector<Cell>& cells, HandoutFormat f) {
  for (const Cell& c : cells) out += render(c, f);
  out += f == HandoutFormat::latex ? "\n\n" : "\n\n";
}

}  // namespace

std::string latex_formula(const std::string& formula) {
  std::string s = fractions(replace_all(formula, "(1/m)", "\\frac{1}{m}"));
  for (const auto& [from, to] :
       std::vector<std::pair<std::string, std::string>>{{"log_loss", "L"},
                                                        {"sigmoid", "\\sigma"},
                                                        {"log", "\\log "},
                                                        {"sum", "\\sum "},
                                                        {"alpha", "\\alpha"},
                                                        {" * ", " \\cdot "},
                                                        {"wT", "w^{T}"},
                                                        {"ZT", "Z^{T}"},
                                                        {"XT", "X^{T}"},
                                                        {":=", "\\mathrel{:=}"}}) {
    s = replace_all(s, from, to);
  }
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    // x1 -> x_1, w2 -> w_2; a(1) -> a^{(1)}
    if ((c == 'x' || c == 'w') && i + 1 < s.size() &&
        std::isdigit(static_cast<unsigned char>(s[i + 1])) != 0 &&
        (i == 0 || std::isalpha(static_cast<unsigned char>(s[i - 1])) == 0 || s[i - 1] == 'd')) {
      out += c;
      out += "_";
      continue;
    }
    // Korean words (--lang ko) as text: math fonts have no Hangul
    if (static_cast<unsigned char>(c) >= 0x80) {
      std::size_t j = i;
      while (j < s.size() && static_cast<unsigned char>(s[j]) >= 0x80) ++j;
      out += fmt::format("\\text{{{}}}", s.substr(i, j - i));
      i = j - 1;
      continue;
    }
    // words ("each", "element-wise") as text, not as products of letters
    if (std::islower(static_cast<unsigned char>(c)) != 0 &&
        (i == 0 || (s[i - 1] != '\\' && std::isalpha(static_cast<unsigned char>(s[i - 1])) == 0))) {
      std::size_t j = i;
      while (j < s.size() && (std::islower(static_cast<unsigned char>(s[j])) != 0 || s[j] == '-')) {
        ++j;
      }
      if (j - i >= 3 && (j == s.size() || std::isalnum(static_cast<unsigned char>(s[j])) == 0)) {
        out += fmt::format("\\text{{{}}}", s.substr(i, j - i));
        i = j - 1;
        continue;
      }
    }
    if (c == '(' && i > 0 && std::isalnum(static_cast<unsigned char>(s[i - 1])) != 0) {
      std::size_t j = i + 1;
      while (j < s.size() && (std::isdigit(static_cast<unsigned char>(s[j])) != 0 || s[j] == '.')) {
        ++j;
      }
      if (j > i + 1 && j < s.size() && s[j] == ')') {
        out += fmt::format("^{{{}}}", s.substr(i, j - i + 1));
        i = j;
        continue;
      }
    }
    out += c;
  }
  return out;
}

std::string handout(const Example& ex, const std::optional<Update>& update,
                    const std::vector<Update>& iterations, HandoutFormat f, Lang lang) {
  const auto h = [lang](Msg message) { return std::string(say(message, lang)); };
  const Tape& t = *ex.tape;
  const std::size_t root = ex.root.index();
  const std::string root_name = node_name(t, root);
  std::string out;
  heading(out, ex.title, f, true);
  std::string values;
  for (const Setting& s : ex.settings) {
    values += fmt::format("{}{} = {}", values.empty() ? "" : ", ", s.name, s.value);
  }
  line(out, {plain(h(Msg::handout_values) + ": "), math(values)}, f);

  heading(out, h(Msg::handout_forward), f);
  std::vector<std::vector<Cell>> rows;
  for (std::size_t i = 0; i <= root; ++i) {
    const std::string kind = kind_text(t, i, lang);
    rows.push_back({math(node_name(t, i)), kind.empty() ? math(node_expression(t, i)) : plain(kind),
                    math(value_text(t.value(i)))});
  }
  table(out, {h(Msg::node), h(Msg::definition), h(Msg::value)}, rows, f);
  line(out,
       {plain(h(Msg::lecture) + ": "),
        math(fmt::format("{} = {} = {}", root_name, ex.loss_formula, num(ex.loss_closed_form)))},
       f);

  // Each node's incoming chain-rule contributions, from the nodes it feeds.
  struct Flow {
    std::string local, chain;
  };
  std::map<std::size_t, std::vector<Flow>> flows;
  for (std::size_t p = root + 1; p-- > 0;) {
    if (!t.has_grad(p)) continue;
    const NodeInfo n = t.node(p);
    for (std::size_t s = 0; s < n.input_count; ++s) {
      const std::size_t in = n.inputs[s];
      const auto form = ex.local_forms.find({p, s});
      const std::string symbolic = form == ex.local_forms.end() ? "" : form->second;
      const std::optional<double> local = t.local_partial(p, s);
      std::string text = fmt::format("d{}/d{}", node_name(t, p), node_name(t, in));
      if (!symbolic.empty()) text += fmt::format(" = {}", symbolic);
      if (local && (symbolic.empty() || symbolic != num(*local)))
        text += fmt::format(" = {}", num(*local));
      Flow flow{text, ""};
      if (local && t.has_grad(in)) {
        flow.chain =
            fmt::format("d{0} * d{0}/d{1} = {2} * {3} = {4}", node_name(t, p), node_name(t, in),
                        num(t.grad(p)[0]), num(*local), num(t.grad(p)[0] * *local));
      }
      if (t.has_grad(in)) flows[in].push_back(flow);
    }
  }
  heading(out, h(Msg::handout_backward), f);
  rows.clear();
  for (std::size_t i = root + 1; i-- > 0;) {
    if (!t.has_grad(i)) continue;
    std::string local, chain;
    for (const Flow& fl : flows[i]) {
      local += fmt::format("{}{}", local.empty() ? "" : "; ", fl.local);
      if (!fl.chain.empty()) chain += fmt::format("{}{}", chain.empty() ? "" : " + ", fl.chain);
    }
    std::string lecture, diff;
    if (const auto cf = ex.closed_forms.find(i); cf != ex.closed_forms.end()) {
      const ClosedForm& form = cf->second;
      if (ex.undefined.count(i) != 0) {
        lecture = form.symbol + " = " + form.formula;
        diff = ex.undefined.at(i);
      } else if (form.elements.empty()) {
        lecture = form.formula == num(form.value)
                      ? fmt::format("{} = {}", form.symbol, form.formula)
                      : fmt::format("{} = {} = {}", form.symbol, form.formula, num(form.value));
        diff = fmt::format("{:.1e}", std::abs(t.grad(i)[0] - form.value));
      } else {
        lecture = form.symbol + " = " + form.formula + " = [";
        double worst = 0.0;
        for (std::size_t k = 0; k < form.elements.size(); ++k) {
          lecture += fmt::format("{}{}", k ? ", " : "", num(form.elements[k]));
          worst = std::max(worst, std::abs(t.grad(i)[k] - form.elements[k]));
        }
        lecture += "]";
        diff = fmt::format("{:.1e}", worst);
      }
    }
    const std::string gradient = takes_rows(ex.name)
                                     ? fmt::format("d{}/d{}", root_name, node_name(t, i))
                                     : fmt::format("d{}", node_name(t, i));
    rows.push_back({math(gradient), math(value_text(t.grad(i))), math(local), math(chain),
                    math(lecture), plain(diff)});
  }
  table(out,
        {h(Msg::gradient), "tapegrad", h(Msg::local_derivative), h(Msg::chain_rule),
         h(Msg::lecture), h(Msg::abs_diff)},
        rows, f);

  if (update) {
    heading(out,
            fmt::format("{} w := w - alpha dw (alpha = {})", h(Msg::handout_update),
                        num(update->alpha)),
            f);
    rows.clear();
    for (const ParamUpdate& p : update->params) {
      rows.push_back({math(p.name), math(num(p.value)), math(num(p.grad)),
                      math(fmt::format("{0} - {1} * {2} = {3}", num(p.value), num(update->alpha),
                                       num(p.grad), num(p.next))),
                      math(num(p.next_closed))});
    }
    table(out,
          {h(Msg::parameter), h(Msg::before), h(Msg::gradient), h(Msg::after), h(Msg::lecture)},
          rows, f);
    line(out,
         {plain(h(Msg::new_loss) + ": "),
          math(fmt::format("{} = {}", root_name, num(update->next_loss))),
          plain(fmt::format(" ({} ", h(Msg::lecture))),
          math(fmt::format("{} = {}", ex.loss_formula, num(update->next_loss_closed))), plain(")")},
         f);
  }
  if (!iterations.empty()) {
    heading(out, h(Msg::iterations), f);
    std::vector<std::string> head{h(Msg::step)};
    for (const ParamUpdate& p : iterations.front().params) head.push_back(p.name);
    head.push_back(root_name);
    rows.clear();
    for (std::size_t k = 0; k <= iterations.size(); ++k) {
      const bool last = k == iterations.size();
      const Update& u = iterations[last ? k - 1 : k];
      std::vector<Cell> row{plain(std::to_string(k))};
      for (const ParamUpdate& p : u.params) row.push_back(math(num(last ? p.next : p.value)));
      row.push_back(math(num(last ? u.next_loss : u.loss)));
      rows.push_back(row);
    }
    table(out, head, rows, f);
  }
  return out;
}

}  // namespace tapegrad::tool
