#include "examples.hpp"

#include <cmath>

#include <fmt/format.h>

namespace tapegrad::tool {
namespace {

double setting(const std::vector<Setting>& settings, std::string_view name) {
  for (const Setting& s : settings) {
    if (s.name == name) return s.value;
  }
  detail::fail("example", name, "no value given");
}

Example lecture(const std::vector<Setting>& s) {
  Example ex;
  ex.name = "lecture";
  ex.title = "Logistic regression on one example: z = w1 x1 + w2 x2 + b, a = sigmoid(z), L(a, y)";
  ex.settings = s;
  ex.tape = std::make_unique<Tape>();
  Tape& t = *ex.tape;
  const double x1v = setting(s, "x1"), x2v = setting(s, "x2"), yv = setting(s, "y");
  const double w1v = setting(s, "w1"), w2v = setting(s, "w2"), bv = setting(s, "b");
  Var x1 = t.input(x1v, "x1"), x2 = t.input(x2v, "x2"), y = t.input(yv, "y");
  Var w1 = t.param(w1v, "w1"), w2 = t.param(w2v, "w2"), b = t.param(bv, "b");
  Var u1 = (w1 * x1).set_label("u1");
  Var u2 = (w2 * x2).set_label("u2");
  Var s12 = (u1 + u2).set_label("s");
  Var z = (s12 + b).set_label("z");
  Var a = sigmoid(z).set_label("a");
  Var L = log_loss(a, y).set_label("L");
  ex.root = L;
  t.backward(L);

  // The lecture's closed forms, computed from the settings alone.
  const double zc = w1v * x1v + w2v * x2v + bv;
  const double ac = 1.0 / (1.0 + std::exp(-zc));
  const double dz = ac - yv;
  ex.closed_forms[L.index()] = {"dL", "1", 1.0};
  ex.closed_forms[a.index()] = {"da", "-y/a + (1-y)/(1-a)", -yv / ac + (1.0 - yv) / (1.0 - ac)};
  // At saturation sigmoid(z) rounds to exactly 1 (z above about 37) or 0 (z below about -745),
  // and the term whose weight is 0 reads 0/0 (autodiff's log_loss takes it as 0, as the loss does).
  if (ac == 1.0 && yv == 1.0) {
    ex.undefined[a.index()] =
        fmt::format("(1-y)/(1-a) = 0/0 at a = 1 (sigmoid(z) rounds to 1 at z = {:.10g})", zc);
  } else if (ac == 0.0 && yv == 0.0) {
    ex.undefined[a.index()] =
        fmt::format("y/a = 0/0 at a = 0 (sigmoid(z) rounds to 0 at z = {:.10g})", zc);
  }
  ex.closed_forms[z.index()] = {"dz", "a - y", dz};
  ex.closed_forms[s12.index()] = {"ds", "dz", dz};
  ex.closed_forms[u1.index()] = {"du1", "dz", dz};
  ex.closed_forms[u2.index()] = {"du2", "dz", dz};
  ex.closed_forms[w1.index()] = {"dw1", "x1 dz", x1v * dz};
  ex.closed_forms[w2.index()] = {"dw2", "x2 dz", x2v * dz};
  ex.closed_forms[b.index()] = {"db", "dz", dz};
  return ex;
}

Example chain(const std::vector<Setting>& s) {
  Example ex;
  ex.name = "chain";
  ex.title = "The chain rule on J = 3(a + b c): u = b c, v = a + u, J = 3 v";
  ex.settings = s;
  ex.tape = std::make_unique<Tape>();
  Tape& t = *ex.tape;
  const double av = setting(s, "a"), bv = setting(s, "b"), cv = setting(s, "c");
  Var a = t.param(av, "a"), b = t.param(bv, "b"), c = t.param(cv, "c");
  Var u = (b * c).set_label("u");
  Var v = (a + u).set_label("v");
  Var J = (3.0 * v).set_label("J");
  ex.root = J;
  t.backward(J);
  ex.closed_forms[J.index()] = {"dJ/dJ", "1", 1.0};
  ex.closed_forms[v.index()] = {"dJ/dv", "3", 3.0};
  ex.closed_forms[u.index()] = {"dJ/du", "3", 3.0};
  ex.closed_forms[a.index()] = {"dJ/da", "3", 3.0};
  ex.closed_forms[b.index()] = {"dJ/db", "3c", 3.0 * cv};
  ex.closed_forms[c.index()] = {"dJ/dc", "3b", 3.0 * bv};
  return ex;
}

}  // namespace

const std::vector<std::string>& example_names() {
  static const std::vector<std::string> names{"lecture", "chain"};
  return names;
}

std::vector<Setting> default_settings(std::string_view example) {
  if (example == "lecture") {
    return {{"x1", 1.0}, {"x2", 2.0}, {"w1", 0.5}, {"w2", -0.25}, {"b", 0.1}, {"y", 1.0}};
  }
  if (example == "chain") return {{"a", 5.0}, {"b", 3.0}, {"c", 2.0}};
  detail::fail("example", "name", "unknown example \"{}\" (expected lecture or chain)", example);
}

Example make_example(std::string_view example, const std::vector<Setting>& settings) {
  if (example == "lecture") return lecture(settings);
  if (example == "chain") return chain(settings);
  detail::fail("example", "name", "unknown example \"{}\" (expected lecture or chain)", example);
}

std::string node_name(const Tape& tape, std::size_t index) {
  const NodeInfo n = tape.node(index);
  return n.label.empty() ? fmt::format("#{}", index) : std::string(n.label);
}

std::string node_expression(const Tape& tape, std::size_t index) {
  const NodeInfo n = tape.node(index);
  std::vector<std::string> inputs;
  for (const std::size_t in : n.inputs) inputs.push_back(node_name(tape, in));
  return op_expression(n, inputs);
}

std::vector<BackwardStep> backward_steps(const Tape& tape, Var root) {
  std::vector<BackwardStep> steps;
  for (std::size_t i = root.index() + 1; i-- > 0;) {
    if (!tape.has_grad(i)) continue;
    const NodeInfo n = tape.node(i);
    if (n.shape.size() != 1) {
      detail::fail("explain", "graph", "node {} is {}, not a scalar", node_name(tape, i), n.shape);
    }
    BackwardStep step;
    step.index = i;
    step.grad = tape.grad(i)[0];
    for (std::size_t s = 0; s < n.input_count; ++s) {
      StepInput input;
      input.index = n.inputs[s];
      input.local = local_partial(tape, i, s);
      if (input.local && tape.has_grad(input.index)) input.product = step.grad * *input.local;
      step.inputs.push_back(input);
    }
    steps.push_back(std::move(step));
  }
  return steps;
}

}  // namespace tapegrad::tool
