// Diagrams (ops/dot.hpp): golden DOT files for the lecture examples, escaping, local partial
// derivatives against finite differences, value formatting, highlighting; the tool's backward
// walk (tools/examples.hpp). Writing files and rendering are tested in output_test.cpp.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include <fmt/format.h>
#include <tapegrad/tapegrad.hpp>

#include "examples.hpp"
#include "files.hpp"

namespace tg = tapegrad;
namespace fs = std::filesystem;

namespace {

using tapegrad::test::read_text;

// Compares `actual` with the golden file; TAPEGRAD_UPDATE_GOLDEN=1 rewrites the file instead.
void check_golden(const std::string& name, const std::string& actual) {
  const fs::path path = fs::path(TAPEGRAD_SOURCE_DIR) / "tests/tools/golden" / name;
  const char* update = std::getenv("TAPEGRAD_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  INFO("golden file " << path.string() << " (TAPEGRAD_UPDATE_GOLDEN=1 rewrites it)");
  REQUIRE(fs::exists(path));
  CHECK(read_text(path) == actual);
}

tg::tool::Example example(const std::string& name) {
  return tg::tool::make_example(name, tg::tool::default_settings(name));
}

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("dot: golden files for the lecture examples, both op styles") {
  for (const std::string name : {"lecture", "chain"}) {
    const tg::tool::Example ex = example(name);
    tg::DotOptions separate;
    separate.edge_derivatives = true;
    check_golden(name + "_separate.dot", tg::to_dot(*ex.tape, separate));
    tg::DotOptions merged;
    merged.ops = tg::OpStyle::Merged;
    check_golden(name + "_merged.dot", tg::to_dot(*ex.tape, merged));
  }
}

TEST_CASE("dot: one value node per tape node, op bubbles only in the separate style") {
  const tg::tool::Example ex = example("chain");  // 3 params, mul, add, affine
  const std::string separate = tg::to_dot(*ex.tape);
  tg::DotOptions o;
  o.ops = tg::OpStyle::Merged;
  const std::string merged = tg::to_dot(*ex.tape, o);
  for (std::size_t i = 0; i < ex.tape->size(); ++i) {
    CHECK(count(separate, "  v" + std::to_string(i) + " [") == 1);
    CHECK(count(merged, "  v" + std::to_string(i) + " [") == 1);
  }
  CHECK(count(separate, "shape=ellipse") == 3);
  CHECK(count(merged, "shape=ellipse") == 0);
  CHECK(count(separate, "->") == 3 + 5);  // one op -> value edge per op, one per operand
  CHECK(count(merged, "->") == 5);
  CHECK(separate.find("v1 -> op3") != std::string::npos);
  CHECK(merged.find("v1 -> v3") != std::string::npos);
  CHECK(separate.find("\"×3\"") != std::string::npos);   // J = 3 v shows its constant
  CHECK(separate.find("\\ndb 6") != std::string::npos);  // dJ/db = 3c, named as in the lecture
  CHECK(separate.find("\\ndc 9") != std::string::npos);  // dJ/dc = 3b
  // Kinds in words, no shape for a scalar; the merged style writes the op as an expression.
  CHECK(separate.find("\"b\\nparameter\\nvalue 3\\ndb 6\"") != std::string::npos);
  CHECK(count(separate, "1x1") == 0);
  CHECK(merged.find("\"J = 3 * v\\nvalue 33\\ndJ 1\"") != std::string::npos);
}

TEST_CASE("dot: DotOptions::words replace the words of the labels, nothing else") {
  const tg::tool::Example ex = example("lecture");
  tg::DotOptions o;
  const std::string english = tg::to_dot(*ex.tape, o);
  o.words = {"P", "I", "V", "N"};
  o.anomaly = 3;
  const std::string other = tg::to_dot(*ex.tape, o);
  CHECK(count(other, "\\nP\\nV ") == 3);  // w1, w2, b
  CHECK(count(other, "\\nI\\nV ") == 3);  // x1, x2, y
  CHECK(count(other, "\\nV ") == ex.tape->size());
  CHECK(count(other, "\\nN\"") == 1);
  CHECK(count(other, "parameter") + count(other, "input") + count(other, "value") == 0);
  CHECK(count(english, "\\nparameter\\nvalue ") == 3);
  CHECK(count(english, "\\ninput\\nvalue ") == 3);
}

TEST_CASE("dot: params, inputs and intermediates are styled apart") {
  const tg::tool::Example ex = example("lecture");
  const std::string dot = tg::to_dot(*ex.tape);
  CHECK(count(dot, "fillcolor=\"#cfe2ff\"") == 3);  // w1, w2, b
  CHECK(count(dot, "fillcolor=\"#eeeeee\"") == 3);  // x1, x2, y
  CHECK(count(dot, "style=\"rounded\"]") == 3);     // z (one node for w1 x1 + w2 x2 + b), a, L
  // Inputs have no gradient line; params and intermediates do: dw1, dw2, db, dz, da, dL.
  CHECK(count(dot, "\\nd") == 6);
  CHECK(count(dot, "\\ninput\\n") == 3);
  CHECK(count(dot, "\\nparameter\\n") == 3);
}

TEST_CASE("dot: labels are escaped") {
  CHECK(tg::dot_quote("plain") == "\"plain\"");
  CHECK(tg::dot_quote("say \"hi\"") == "\"say \\\"hi\\\"\"");
  CHECK(tg::dot_quote("back\\slash") == "\"back\\\\slash\"");
  CHECK(tg::dot_quote("two\nlines") == "\"two\\nlines\"");
  CHECK(tg::dot_quote("crlf\r\n") == "\"crlf\\n\"");
  CHECK(tg::dot_quote("<&>") == "\"<&>\"");  // plain (not HTML-like) labels keep these

  tg::Tape tape;
  tg::Var w = tape.param(2.0, "w \"quoted\" \\ <b>\nnext");
  tg::Var y = tg::tanh(w);
  tape.backward(y);
  const std::string dot = tg::to_dot(tape);
  CHECK(dot.find("w \\\"quoted\\\" \\\\ <b>\\nnext\\nparameter") != std::string::npos);
  // unlabelled node: "#index", its gradient "grad"
  CHECK(dot.find("#1\\nvalue 0.964\\ngrad 1") != std::string::npos);
}

TEST_CASE("dot: values are formatted with the documented precision") {
  CHECK(tg::format_value(tg::Tensor(1.0 / 3.0)) == "0.3333");
  CHECK(tg::format_value(tg::Tensor(1.0 / 3.0), 8) == "0.33333333");
  CHECK(tg::format_value(tg::Tensor(1e-7), 3) == "1e-07");
  CHECK(tg::format_value(tg::Tensor::from_rows({{1, 2}, {3, 4.5}})) == "[1, 2]\n[3, 4.5]");
  tg::Tensor big(5, 4, 1.0);
  big(0, 0) = -3.0;
  big(4, 3) = 9.0;
  CHECK(tg::format_value(big) == "5x4 min -3 mean 1.2 max 9");
  CHECK(tg::format_value(big, 4, 20) != tg::format_value(big));  // 20 elements shown in full
}

TEST_CASE("dot: large tensors are summarised in the diagram") {
  tg::Tape tape;
  tg::Var W = tape.param(tg::Tensor(5, 4, 0.5), "W");
  tg::Var J = tg::sum(W * W);
  tape.backward(J);
  const std::string dot = tg::to_dot(tape);
  CHECK(dot.find("W\\nparameter 5x4\\nvalue 5x4 min 0.5 mean 0.5 max 0.5") != std::string::npos);
  CHECK(dot.find("dW 5x4 min 1 mean 1 max 1") != std::string::npos);  // 2W
}

TEST_CASE("dot: highlight marks the node and the gradient flowing into its inputs") {
  const tg::tool::Example ex = example("chain");
  tg::DotOptions o;
  o.highlight = 3;  // u = b * c
  o.gradients_from = 3;
  const std::string dot = tg::to_dot(*ex.tape, o);
  CHECK(dot.find("v3 [label=\"u\\nvalue 6\\ndu 3\", shape=box, style=\"rounded\", "
                 "penwidth=3") != std::string::npos);
  CHECK(dot.find("v1 -> op3 [label=\"db += 6\"") != std::string::npos);  // 3 * c
  CHECK(dot.find("v2 -> op3 [label=\"dc += 9\"") != std::string::npos);  // 3 * b
  CHECK(count(dot, "penwidth=2.5") == 3);  // two operand edges and op -> value
  CHECK(count(dot, " ?\"") == 3);          // da, db, dc: a, b, c are not reached yet
  CHECK(dot.find("\\ndc ?\"") != std::string::npos);
  o.highlight = 6;
  CHECK_THROWS_WITH_AS(static_cast<void>(tg::to_dot(*ex.tape, o)),
                       "to_dot: highlight: node 6 is out of range (the tape has 6 nodes)",
                       tg::Error);
  o.highlight.reset();
  o.precision = 0;
  CHECK_THROWS_AS(static_cast<void>(tg::to_dot(*ex.tape, o)), tg::Error);
  o.precision = 4;
  o.rankdir = "XY";
  CHECK_THROWS_AS(static_cast<void>(tg::to_dot(*ex.tape, o)), tg::Error);
}

TEST_CASE("local_partial: every scalar op's rule agrees with central differences") {
  using Build = std::function<tg::Var(tg::Var, tg::Var)>;
  const std::vector<std::pair<std::string, Build>> ops{
      {"add", [](tg::Var a, tg::Var b) { return a + b; }},
      {"sub", [](tg::Var a, tg::Var b) { return a - b; }},
      {"mul", [](tg::Var a, tg::Var b) { return a * b; }},
      {"div", [](tg::Var a, tg::Var b) { return a / b; }},
      {"affine", [](tg::Var a, tg::Var) { return 2.5 * a; }},
      {"affine2", [](tg::Var a, tg::Var) { return 1.0 - a; }},
      {"rdiv", [](tg::Var a, tg::Var) { return 3.0 / a; }},
      {"pow", [](tg::Var a, tg::Var) { return tg::pow(a, 3.0); }},
      {"exp", [](tg::Var a, tg::Var) { return tg::exp(a); }},
      {"log", [](tg::Var a, tg::Var) { return tg::log(a); }},
      {"sigmoid", [](tg::Var a, tg::Var) { return tg::sigmoid(a); }},
      {"tanh", [](tg::Var a, tg::Var) { return tg::tanh(a); }},
      {"relu", [](tg::Var a, tg::Var) { return tg::relu(a); }},
      {"sum", [](tg::Var a, tg::Var) { return tg::sum(a); }},
      {"mean", [](tg::Var a, tg::Var) { return tg::mean(a); }},
      {"matmul", [](tg::Var a, tg::Var b) { return tg::matmul(a, b); }},
      {"transpose", [](tg::Var a, tg::Var) { return tg::transpose(a); }},
      {"log_loss", [](tg::Var a, tg::Var b) { return tg::log_loss(tg::sigmoid(a), b); }},
      {"log_loss_with_logits", [](tg::Var a, tg::Var b) { return tg::log_loss_with_logits(a, b); }},
      {"mse", [](tg::Var a, tg::Var b) { return tg::mse(a, b); }},
  };
  for (const auto& [name, build] : ops) {
    CAPTURE(name);
    tg::Tape tape;
    tg::Var a = tape.param(0.7, "a"), b = tape.param(0.3, "b");
    tg::Var y = build(a, b);
    const std::size_t node = y.index();
    const tg::NodeInfo info = tape.node(node);
    for (std::size_t slot = 0; slot < info.input_count; ++slot) {
      CAPTURE(slot);
      const std::optional<double> d = tg::local_partial(tape, node, slot);
      REQUIRE(d.has_value());
      const std::size_t operand = info.inputs[slot];
      const double h = 1e-6;
      const auto value_at = [&](double shift) {
        tg::Tape t;
        tg::Var x0 = t.param(slot == 0 ? 0.7 + shift : 0.7, "a");
        tg::Var x1 = t.param(slot == 1 ? 0.3 + shift : 0.3, "b");
        tg::Var out = build(x0, x1);
        return out.item();
      };
      if (name == "log_loss" && slot == 0) {
        // log_loss's operand is sigmoid(a): compare dL/da with the lecture's closed form.
        const double av = tape.value(operand)[0], yv = 0.3;
        CHECK(*d == doctest::Approx(-yv / av + (1 - yv) / (1 - av)).epsilon(1e-12));
        continue;
      }
      const double numeric = (value_at(h) - value_at(-h)) / (2 * h);
      CHECK(*d == doctest::Approx(numeric).epsilon(1e-6));
    }
    CHECK_FALSE(tg::local_partial(tape, node, info.input_count).has_value());
  }
}

TEST_CASE("local_partial: leaves, detach and tensors have none, x * x has two slots") {
  tg::Tape tape;
  tg::Var x = tape.param(3.0, "x");
  tg::Var sq = x * x;
  tg::Var d = tg::detach(sq);
  tg::Var v = tape.param(tg::Tensor::column({1.0, 2.0}), "v");
  tg::Var s = tg::sum(v);
  CHECK_FALSE(tg::local_partial(tape, x.index(), 0).has_value());
  CHECK(tg::local_partial(tape, sq.index(), 0) == 3.0);
  CHECK(tg::local_partial(tape, sq.index(), 1) == 3.0);
  CHECK_FALSE(tg::local_partial(tape, d.index(), 0).has_value());
  CHECK_FALSE(tg::local_partial(tape, s.index(), 0).has_value());  // 2x1 operand
  CHECK_THROWS_AS(static_cast<void>(tg::local_partial(tape, 99, 0)), tg::Error);
}

TEST_CASE("backward_steps: the chain example in reverse order with chain-rule products") {
  const tg::tool::Example ex = example("chain");
  const std::vector<tg::tool::BackwardStep> steps = tg::tool::backward_steps(*ex.tape, ex.root);
  REQUIRE(steps.size() == 6);
  CHECK(steps[0].index == 5);
  CHECK(steps[0].grad == 1.0);
  CHECK(steps[2].index == 3);  // u = b * c
  CHECK(steps[2].grad == 3.0);
  REQUIRE(steps[2].inputs.size() == 2);
  CHECK(steps[2].inputs[0].local == 2.0);    // du/db = c
  CHECK(steps[2].inputs[0].product == 6.0);  // dJ/db = 3c
  CHECK(steps[2].inputs[1].product == 9.0);  // dJ/dc = 3b
  for (const tg::tool::BackwardStep& step : steps) {
    const auto cf = ex.closed_forms.find(step.index);
    REQUIRE(cf != ex.closed_forms.end());
    CHECK(step.grad == cf->second.value);
  }
}

TEST_CASE("dot: the lecture's formula of a local derivative is written before its number") {
  const tg::tool::Example ex = example("lecture");
  tg::DotOptions o;
  o.edge_derivatives = true;
  o.edge_formulas = ex.local_forms;
  const std::string dot = tg::to_dot(*ex.tape, o);
  // a = sigmoid(0.1): a(1-a) = 0.2494 to 4 digits, computed here independently
  const double a = 1.0 / (1.0 + std::exp(-0.1));
  CHECK(fmt::format("{:.4g}", a * (1 - a)) == "0.2494");
  CHECK(dot.find("∂a/∂z = a(1-a) = 0.2494") != std::string::npos);
  CHECK(dot.find("∂z/∂w1 = x1 = 1") != std::string::npos);
  CHECK(dot.find("∂z/∂w2 = x2 = 2") != std::string::npos);
  CHECK(dot.find("∂z/∂b = 1\"") != std::string::npos);  // a formula that is its number: once
  CHECK(dot.find("∂L/∂a = -y/a + (1-y)/(1-a) = -1.905") != std::string::npos);
  o.edge_formulas.clear();  // without formulas, the number alone
  CHECK(tg::to_dot(*ex.tape, o).find("∂a/∂z = 0.2494") != std::string::npos);
}
