#include "examples.hpp"

#include <algorithm>
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
  ex.title =
      "Logistic regression on one example: z = w1 x1 + w2 x2 + b, a = sigmoid(z), "
      "L(a, y) = -(y log(a) + (1-y) log(1-a))";
  ex.settings = s;
  ex.tape = std::make_unique<Tape>();
  Tape& t = *ex.tape;
  const double x1v = setting(s, "x1"), x2v = setting(s, "x2"), yv = setting(s, "y");
  const double w1v = setting(s, "w1"), w2v = setting(s, "w2"), bv = setting(s, "b");
  Var x1 = t.input(x1v, "x1"), x2 = t.input(x2v, "x2"), y = t.input(yv, "y");
  Var w1 = t.param(w1v, "w1"), w2 = t.param(w2v, "w2"), b = t.param(bv, "b");
  // The lecture's one box z = w1 x1 + w2 x2 + b: one node, as drawn on the slide.
  Var z = linear({w1, w2}, {x1, x2}, b).set_label("z");
  Var a = sigmoid(z).set_label("a");
  Var L = log_loss(a, y).set_label("L");
  ex.root = L;
  t.backward(L);

  // The lecture's closed forms, computed from the settings alone.
  const double zc = w1v * x1v + w2v * x2v + bv;
  const double ac = 1.0 / (1.0 + std::exp(-zc));
  const double dz = ac - yv;
  ex.closed_forms[L.index()] = {"dL", "1", 1.0, {}};
  ex.closed_forms[a.index()] = {"da", "-y/a + (1-y)/(1-a)", -yv / ac + (1.0 - yv) / (1.0 - ac), {}};
  // At saturation sigmoid(z) rounds to exactly 1 (z above about 37) or 0 (z below about -745),
  // and the term whose weight is 0 reads 0/0 (autodiff's log_loss takes it as 0, as the loss does).
  if (ac == 1.0 && yv == 1.0) {
    ex.undefined[a.index()] =
        fmt::format("(1-y)/(1-a) = 0/0 at a = 1 (sigmoid(z) rounds to 1 at z = {:.10g})", zc);
  } else if (ac == 0.0 && yv == 0.0) {
    ex.undefined[a.index()] =
        fmt::format("y/a = 0/0 at a = 0 (sigmoid(z) rounds to 0 at z = {:.10g})", zc);
  }
  ex.closed_forms[z.index()] = {"dz", "a - y", dz, {}};
  ex.closed_forms[w1.index()] = {"dw1", "x1 dz", x1v * dz, {}};
  ex.closed_forms[w2.index()] = {"dw2", "x2 dz", x2v * dz, {}};
  ex.closed_forms[b.index()] = {"db", "dz", dz, {}};
  // The local derivatives as the lecture writes them, by (node, input slot).
  ex.local_forms[{L.index(), 0}] = "-y/a + (1-y)/(1-a)";
  ex.local_forms[{L.index(), 1}] = "log(1-a) - log(a)";
  ex.local_forms[{a.index(), 0}] = "a(1-a)";
  ex.local_forms[{z.index(), 0}] = "x1";
  ex.local_forms[{z.index(), 1}] = "w1";
  ex.local_forms[{z.index(), 2}] = "x2";
  ex.local_forms[{z.index(), 3}] = "w2";
  ex.local_forms[{z.index(), 4}] = "1";
  ex.trained = {"w1", "w2", "b"};
  ex.loss_formula = "-(y log(a) + (1-y) log(1-a))";
  // A term whose weight y or 1-y is 0 counts 0, as in log_loss (at a = 1, 0 log 0 would be nan).
  ex.loss_closed_form =
      -((yv != 0.0 ? yv * std::log(ac) : 0.0) + (yv != 1.0 ? (1.0 - yv) * std::log1p(-ac) : 0.0));
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
  ex.closed_forms[J.index()] = {"dJ", "1", 1.0, {}};
  ex.closed_forms[v.index()] = {"dv", "3", 3.0, {}};
  ex.closed_forms[u.index()] = {"du", "3", 3.0, {}};
  ex.closed_forms[a.index()] = {"da", "3", 3.0, {}};
  ex.closed_forms[b.index()] = {"db", "3c", 3.0 * cv, {}};
  ex.closed_forms[c.index()] = {"dc", "3b", 3.0 * bv, {}};
  ex.local_forms[{J.index(), 0}] = "3";
  ex.local_forms[{v.index(), 0}] = "1";
  ex.local_forms[{v.index(), 1}] = "1";
  ex.local_forms[{u.index(), 0}] = "c";
  ex.local_forms[{u.index(), 1}] = "b";
  ex.loss_formula = "3(a + b c)";
  ex.loss_closed_form = 3.0 * (av + bv * cv);
  return ex;
}

// The m examples of `s`: x1(i), x2(i), y(i) for i = 1, 2, ... while present.
std::vector<DataRow> rows_of(const std::vector<Setting>& s) {
  std::vector<DataRow> rows;
  for (std::size_t i = 1;; ++i) {
    const auto has = [&](const std::string& name) {
      return std::any_of(s.begin(), s.end(), [&](const Setting& x) { return x.name == name; });
    };
    const std::string x1 = fmt::format("x1({})", i);
    if (!has(x1)) break;
    rows.push_back({setting(s, x1), setting(s, fmt::format("x2({})", i)),
                    setting(s, fmt::format("y({})", i))});
  }
  if (rows.empty()) detail::fail("example", "data", "no examples given (m = 0)");
  return rows;
}

// sigmoid and the lecture's loss with a term of weight 0 counted as 0 (as log_loss does).
double sigmoid_of(double z) { return 1.0 / (1.0 + std::exp(-z)); }
double loss_of(double a, double y) {
  return -((y != 0.0 ? y * std::log(a) : 0.0) + (y != 1.0 ? (1.0 - y) * std::log1p(-a) : 0.0));
}

// The loop over m examples: J = (1/m) sum_i L(a(i), y(i)), one z, a, L per example, as the
// lecture's for loop computes them (dw1 += x1(i) dz(i), ..., then dw1 /= m).
Example loop_examples(const std::vector<Setting>& s) {
  Example ex;
  ex.name = "examples";
  const std::vector<DataRow> rows = rows_of(s);
  const double m = static_cast<double>(rows.size());
  ex.title = fmt::format(
      "Logistic regression on m = {} examples: z(i) = w1 x1(i) + w2 x2(i) + b, a(i) = "
      "sigmoid(z(i)), J = (1/m) sum L(a(i), y(i))",
      rows.size());
  ex.settings = s;
  ex.tape = std::make_unique<Tape>();
  Tape& t = *ex.tape;
  const double w1v = setting(s, "w1"), w2v = setting(s, "w2"), bv = setting(s, "b");
  Var w1 = t.param(w1v, "w1"), w2 = t.param(w2v, "w2"), b = t.param(bv, "b");
  Var total;
  double dw1 = 0.0, dw2 = 0.0, db = 0.0, J = 0.0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const DataRow& r = rows[i];
    const std::size_t k = i + 1;
    Var x1 = t.input(r.x1, fmt::format("x1({})", k)), x2 = t.input(r.x2, fmt::format("x2({})", k));
    Var y = t.input(r.y, fmt::format("y({})", k));
    Var z = linear({w1, w2}, {x1, x2}, b).set_label(fmt::format("z({})", k));
    Var a = sigmoid(z).set_label(fmt::format("a({})", k));
    Var L = log_loss(a, y).set_label(fmt::format("L({})", k));
    total = i == 0 ? L : (total + L).set_label(fmt::format("sum(1..{})", k));
    // The lecture's loop, by hand.
    const double zc = w1v * r.x1 + w2v * r.x2 + bv;
    const double ac = sigmoid_of(zc);
    const double dz = ac - r.y;
    J += loss_of(ac, r.y);
    dw1 += r.x1 * dz;
    dw2 += r.x2 * dz;
    db += dz;
    ex.closed_forms[L.index()] = {fmt::format("dL({})", k), "1/m", 1.0 / m, {}};
    ex.closed_forms[a.index()] = {fmt::format("da({})", k),
                                  fmt::format("(-y({0})/a({0}) + (1-y({0}))/(1-a({0})))/m", k),
                                  (-r.y / ac + (1.0 - r.y) / (1.0 - ac)) / m,
                                  {}};
    ex.closed_forms[z.index()] = {
        fmt::format("dz({})/m", k), fmt::format("(a({0}) - y({0}))/m", k), dz / m, {}};
    ex.local_forms[{L.index(), 0}] = fmt::format("-y({0})/a({0}) + (1-y({0}))/(1-a({0}))", k);
    ex.local_forms[{a.index(), 0}] = fmt::format("a({0})(1-a({0}))", k);
    ex.local_forms[{z.index(), 0}] = fmt::format("x1({})", k);
    ex.local_forms[{z.index(), 1}] = "w1";
    ex.local_forms[{z.index(), 2}] = fmt::format("x2({})", k);
    ex.local_forms[{z.index(), 3}] = "w2";
    ex.local_forms[{z.index(), 4}] = "1";
    if (i > 0) {
      ex.local_forms[{total.index(), 0}] = "1";
      ex.local_forms[{total.index(), 1}] = "1";
      ex.closed_forms[total.index()] = {fmt::format("dsum(1..{})", k), "1/m", 1.0 / m, {}};
    }
  }
  Var Jv = (total * (1.0 / m)).set_label("J");
  ex.local_forms[{Jv.index(), 0}] = "1/m";
  ex.root = Jv;
  t.backward(Jv);
  ex.closed_forms[Jv.index()] = {"dJ", "1", 1.0, {}};
  ex.closed_forms[w1.index()] = {"dw1", "(1/m) sum x1(i) dz(i)", dw1 / m, {}};
  ex.closed_forms[w2.index()] = {"dw2", "(1/m) sum x2(i) dz(i)", dw2 / m, {}};
  ex.closed_forms[b.index()] = {"db", "(1/m) sum dz(i)", db / m, {}};
  ex.trained = {"w1", "w2", "b"};
  ex.loss_formula = "(1/m) sum L(a(i), y(i))";
  ex.loss_closed_form = J / m;
  return ex;
}

// The vectorized lecture: X (2 x m, one example per column), Z = w^T X + b, A = sigmoid(Z),
// J = (1/m) sum L(A, Y); dZ = A - Y, dw = (1/m) X dZ^T, db = (1/m) sum dZ.
Example vectorized(const std::vector<Setting>& s) {
  Example ex;
  ex.name = "vectorized";
  const std::vector<DataRow> rows = rows_of(s);
  const std::size_t m = rows.size();
  const double md = static_cast<double>(m);
  ex.title = fmt::format(
      "Vectorized logistic regression on m = {} examples: Z = wT X + b, A = sigmoid(Z), "
      "J = (1/m) sum L(A, Y)",
      m);
  ex.settings = s;
  ex.tape = std::make_unique<Tape>();
  Tape& t = *ex.tape;
  const double w1v = setting(s, "w1"), w2v = setting(s, "w2"), bv = setting(s, "b");
  Tensor X(2, m), Y(1, m);
  for (std::size_t i = 0; i < m; ++i) {
    X(0, i) = rows[i].x1;
    X(1, i) = rows[i].x2;
    Y(0, i) = rows[i].y;
  }
  Var Xv = t.input(X, "X"), Yv = t.input(Y, "Y");
  Var w = t.param(Tensor::column({w1v, w2v}), "w"), b = t.param(bv, "b");
  Var wT = transpose(w).set_label("wT");
  Var wTX = matmul(wT, Xv).set_label("wTX");
  Var Z = (wTX + b).set_label("Z");
  Var A = sigmoid(Z).set_label("A");
  Var L = log_loss(A, Yv).set_label("L");
  Var J = mean(L).set_label("J");
  ex.root = J;
  t.backward(J);
  // The lecture's closed forms, element by element from the settings.
  std::vector<double> dZ(m), dA(m), dZm(m), dL(m, 1.0 / md), dwT(2, 0.0);
  double dw1 = 0.0, dw2 = 0.0, db = 0.0, Jc = 0.0;
  for (std::size_t i = 0; i < m; ++i) {
    const double a = sigmoid_of(w1v * rows[i].x1 + w2v * rows[i].x2 + bv);
    dZ[i] = a - rows[i].y;
    dZm[i] = dZ[i] / md;
    dA[i] = (-rows[i].y / a + (1.0 - rows[i].y) / (1.0 - a)) / md;
    Jc += loss_of(a, rows[i].y);
    dw1 += rows[i].x1 * dZ[i];
    dw2 += rows[i].x2 * dZ[i];
    db += dZ[i];
  }
  ex.closed_forms[J.index()] = {"dJ", "1", 1.0, {}};
  ex.closed_forms[L.index()] = {"dL", "1/m", 0.0, dL};
  ex.closed_forms[A.index()] = {"dA", "(1/m)(-Y/A + (1-Y)/(1-A))", 0.0, dA};
  ex.closed_forms[Z.index()] = {"dZ/m", "(1/m)(A - Y)", 0.0, dZm};
  ex.closed_forms[wTX.index()] = {"dZ/m", "(1/m)(A - Y)", 0.0, dZm};
  ex.closed_forms[wT.index()] = {"dwT", "(1/m) dZ XT", 0.0, {dw1 / md, dw2 / md}};
  ex.closed_forms[w.index()] = {"dw", "(1/m) X dZT", 0.0, {dw1 / md, dw2 / md}};
  ex.closed_forms[b.index()] = {"db", "(1/m) sum dZ", db / md, {}};
  ex.local_forms[{J.index(), 0}] = "1/m each";
  ex.local_forms[{L.index(), 0}] = "-Y/A + (1-Y)/(1-A) element-wise";
  ex.local_forms[{A.index(), 0}] = "A(1-A) element-wise";
  ex.local_forms[{Z.index(), 0}] = "1";
  ex.local_forms[{Z.index(), 1}] = "1 for each example (db sums dZ)";
  ex.local_forms[{wTX.index(), 0}] = "d(wTX) XT";
  ex.local_forms[{wT.index(), 0}] = "transposed back";
  ex.trained = {"w", "b"};
  ex.loss_formula = "(1/m) sum L(A, Y)";
  ex.loss_closed_form = Jc / md;
  return ex;
}

}  // namespace

const std::vector<DataRow>& builtin_rows() {
  static const std::vector<DataRow> rows{
      {1.0, 2.0, 1.0}, {-1.0, 0.5, 0.0}, {2.0, -1.0, 1.0}, {0.5, 1.5, 0.0}};
  return rows;
}

std::vector<Setting> rows_settings(double w1, double w2, double b,
                                   const std::vector<DataRow>& rows) {
  std::vector<Setting> out{{"w1", w1}, {"w2", w2}, {"b", b}};
  for (std::size_t i = 0; i < rows.size(); ++i) {
    out.push_back({fmt::format("x1({})", i + 1), rows[i].x1});
    out.push_back({fmt::format("x2({})", i + 1), rows[i].x2});
    out.push_back({fmt::format("y({})", i + 1), rows[i].y});
  }
  return out;
}

bool takes_rows(std::string_view example) {
  return example == "examples" || example == "vectorized";
}

const std::vector<std::string>& example_names() {
  static const std::vector<std::string> names{"lecture", "chain", "examples", "vectorized"};
  return names;
}

std::vector<Setting> default_settings(std::string_view example) {
  if (example == "lecture") {
    return {{"x1", 1.0}, {"x2", 2.0}, {"w1", 0.5}, {"w2", -0.25}, {"b", 0.1}, {"y", 1.0}};
  }
  if (example == "chain") return {{"a", 5.0}, {"b", 3.0}, {"c", 2.0}};
  if (takes_rows(example)) return rows_settings(0.5, -0.25, 0.1, builtin_rows());
  detail::fail("example", "name",
               "unknown example \"{}\" (expected lecture, chain, examples or vectorized)", example);
}

Example make_example(std::string_view example, const std::vector<Setting>& settings) {
  if (example == "lecture") return lecture(settings);
  if (example == "chain") return chain(settings);
  if (example == "examples") return loop_examples(settings);
  if (example == "vectorized") return vectorized(settings);
  detail::fail("example", "name",
               "unknown example \"{}\" (expected lecture, chain, examples or vectorized)", example);
}

std::string node_name(const Tape& tape, std::size_t index) {
  const NodeInfo n = tape.node(index);
  return n.label.empty() ? fmt::format("#{}", index) : std::string(n.label);
}

std::string grad_name(const Tape& tape, std::size_t index) {
  return fmt::format("d{}", node_name(tape, index));
}

std::string kind_in_words(const Tape& tape, std::size_t index) {
  const NodeInfo n = tape.node(index);
  if (n.is_param()) return "parameter";
  return n.is_leaf() ? "input" : "";
}

std::string node_expression(const Tape& tape, std::size_t index) {
  const NodeInfo n = tape.node(index);
  if (n.is_leaf()) return kind_in_words(tape, index);
  std::vector<std::string> inputs;
  for (const std::size_t in : n.inputs) inputs.push_back(node_name(tape, in));
  return op_expression(n, inputs);
}

Update gradient_step(const Example& ex, double alpha) {
  if (ex.trained.empty()) {
    detail::fail("explain", "--alpha", "the {} example has no parameters to update", ex.name);
  }
  if (!std::isfinite(alpha)) detail::fail("explain", "--alpha", "{} is not finite", alpha);
  const Tape& t = *ex.tape;
  Update u;
  u.alpha = alpha;
  u.loss = t.value(ex.root.index())[0];
  u.next_settings = ex.settings;
  for (const std::string& name : ex.trained) {
    for (std::size_t i = 0; i < t.size(); ++i) {
      if (!t.node(i).is_param() || node_name(t, i) != name) continue;
      // A tensor param (the vectorized w) updates element by element: w1, w2, ...
      const TensorView value = t.value(i), grad = t.grad(i);
      const auto cf = ex.closed_forms.find(i);
      for (std::size_t k = 0; k < value.size(); ++k) {
        ParamUpdate p;
        p.name = value.size() == 1 ? name : fmt::format("{}{}", name, k + 1);
        p.value = value[k];
        p.grad = grad[k];
        p.next = p.value - alpha * p.grad;
        double closed = p.grad;
        if (cf != ex.closed_forms.end()) {
          closed = cf->second.elements.empty() ? cf->second.value : cf->second.elements.at(k);
        }
        p.next_closed = p.value - alpha * closed;
        for (Setting& s : u.next_settings) {
          if (s.name == p.name) s.value = p.next;
        }
        u.params.push_back(p);
      }
    }
  }
  const Example next = make_example(ex.name, u.next_settings);
  u.next_loss = next.tape->value(next.root.index())[0];
  u.next_loss_closed = next.loss_closed_form;
  return u;
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
