// The teaching goldens (tests/tools/golden/explain_*.json, written by `tapegrad explain ... --json`
// and compared with the tool's output by the cli.* tests) checked against the lecture's closed
// forms computed here from the values alone: z = w1 x1 + w2 x2 + b, a = 1/(1 + e^-z),
// L = -(y log a + (1-y) log(1-a)), da = -y/a + (1-y)/(1-a), dz = a - y, dw_i = x_i dz, db = dz,
// w := w - alpha dw; and J = 3(a + b c) with dJ/da = 3, dJ/db = 3c, dJ/dc = 3b.
#include <cmath>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "files.hpp"

namespace fs = std::filesystem;

namespace {

nlohmann::json golden(const std::string& name) {
  const fs::path path = fs::path(TAPEGRAD_SOURCE_DIR) / "tests/tools/golden" / name;
  INFO("golden file " << path.string());
  REQUIRE(fs::exists(path));
  return nlohmann::json::parse(tapegrad::test::read_text(path));
}

// The lecture's forward and backward pass on one example, by hand.
struct Lecture {
  double z, a, L, da, dz, dw1, dw2, db;
};
Lecture lecture(double x1, double x2, double w1, double w2, double b, double y) {
  Lecture r{};
  r.z = w1 * x1 + w2 * x2 + b;
  r.a = 1.0 / (1.0 + std::exp(-r.z));
  r.L = -(y * std::log(r.a) + (1.0 - y) * std::log(1.0 - r.a));
  r.da = -y / r.a + (1.0 - y) / (1.0 - r.a);
  r.dz = r.a - y;
  r.dw1 = x1 * r.dz;
  r.dw2 = x2 * r.dz;
  r.db = r.dz;
  return r;
}

void check_close(double actual, double expected) {
  CHECK(actual == doctest::Approx(expected).epsilon(1e-12));
}

std::map<std::string, double> gradients(const nlohmann::json& j) {
  std::map<std::string, double> out;
  for (const auto& step : j.at("backward")) {
    out[step.at("gradient_name").get<std::string>()] = step.at("gradient").get<double>();
  }
  return out;
}

}  // namespace

TEST_CASE("teaching goldens: explain lecture against the lecture's closed forms") {
  const nlohmann::json j = golden("explain_lecture.json");
  const auto& v = j.at("values");
  const double x1 = v.at("x1"), x2 = v.at("x2"), w1 = v.at("w1"), w2 = v.at("w2"), b = v.at("b"),
               y = v.at("y");
  const Lecture r = lecture(x1, x2, w1, w2, b, y);
  std::map<std::string, double> forward;
  for (const auto& n : j.at("forward")) forward[n.at("name")] = n.at("value").get<double>();
  check_close(forward.at("z"), r.z);
  check_close(forward.at("a"), r.a);
  check_close(forward.at("L"), r.L);
  // One z node for w1 x1 + w2 x2 + b: nothing between the leaves and z.
  CHECK(j.at("forward").size() == 9);
  const std::map<std::string, double> g = gradients(j);
  CHECK(g.size() == 6);  // dL, da, dz, db, dw2, dw1: no ds, du1, du2
  check_close(g.at("dL"), 1.0);
  check_close(g.at("da"), r.da);
  check_close(g.at("dz"), r.dz);
  check_close(g.at("dw1"), r.dw1);
  check_close(g.at("dw2"), r.dw2);
  check_close(g.at("db"), r.db);
  // The local derivative a -> z is a(1-a), and the chain product da * a(1-a) is a - y.
  for (const auto& step : j.at("backward")) {
    if (step.at("name") != "a") continue;
    const auto& in = step.at("inputs").at(0);
    CHECK(in.at("local_formula") == "a(1-a)");
    check_close(in.at("local").get<double>(), r.a * (1.0 - r.a));
    check_close(in.at("product").get<double>(), r.dz);
  }
  // The update w := w - alpha dw and the new loss.
  const auto& u = j.at("update");
  const double alpha = u.at("alpha");
  const std::map<std::string, std::pair<double, double>> expected{
      {"w1", {w1, r.dw1}}, {"w2", {w2, r.dw2}}, {"b", {b, r.db}}};
  std::map<std::string, double> next;
  for (const auto& p : u.at("params")) {
    const auto& [value, grad] = expected.at(p.at("name"));
    check_close(p.at("new_value").get<double>(), value - alpha * grad);
    next[p.at("name")] = p.at("new_value").get<double>();
  }
  CHECK(next.size() == 3);
  check_close(u.at("new_loss").get<double>(),
              lecture(x1, x2, next.at("w1"), next.at("w2"), next.at("b"), y).L);
  CHECK(u.at("new_loss").get<double>() < r.L);  // a small step downhill lowers the loss
  CHECK(j.at("ok") == true);
}

TEST_CASE("teaching goldens: gradient-descent iterations against repeated closed-form steps") {
  const nlohmann::json j = golden("explain_lecture_steps.json");
  const auto& v = j.at("values");
  const double x1 = v.at("x1"), x2 = v.at("x2"), y = v.at("y");
  double w1 = v.at("w1"), w2 = v.at("w2"), b = v.at("b");
  const auto& iterations = j.at("iterations");
  REQUIRE(iterations.size() == 5);
  for (const auto& it : iterations) {
    const double alpha = it.at("alpha");
    const Lecture r = lecture(x1, x2, w1, w2, b, y);
    check_close(it.at("loss").get<double>(), r.L);
    w1 -= alpha * r.dw1;
    w2 -= alpha * r.dw2;
    b -= alpha * r.db;
    check_close(it.at("params").at(0).at("new_value").get<double>(), w1);
    check_close(it.at("params").at(1).at("new_value").get<double>(), w2);
    check_close(it.at("params").at(2).at("new_value").get<double>(), b);
    check_close(it.at("new_loss").get<double>(), lecture(x1, x2, w1, w2, b, y).L);
  }
}

TEST_CASE("teaching goldens: explain chain against J = 3(a + b c)") {
  const nlohmann::json j = golden("explain_chain.json");
  const auto& v = j.at("values");
  const double a = v.at("a"), b = v.at("b"), c = v.at("c");
  std::map<std::string, double> forward;
  for (const auto& n : j.at("forward")) forward[n.at("name")] = n.at("value").get<double>();
  check_close(forward.at("u"), b * c);
  check_close(forward.at("v"), a + b * c);
  check_close(forward.at("J"), 3.0 * (a + b * c));
  const std::map<std::string, double> g = gradients(j);
  check_close(g.at("dJ"), 1.0);
  check_close(g.at("dv"), 3.0);
  check_close(g.at("du"), 3.0);
  check_close(g.at("da"), 3.0);
  check_close(g.at("db"), 3.0 * c);
  check_close(g.at("dc"), 3.0 * b);
  CHECK_FALSE(j.contains("update"));
}

namespace {

// The lecture's loop over the m examples of a golden's values: J, dw1, dw2, db and each dz(i).
struct Loop {
  double J = 0.0, dw1 = 0.0, dw2 = 0.0, db = 0.0;
  std::vector<double> dz;
  std::vector<double> x1, x2;
};
Loop loop(const nlohmann::json& values) {
  const double w1 = values.at("w1"), w2 = values.at("w2"), b = values.at("b");
  Loop l;
  for (int i = 1; values.contains(fmt::format("x1({})", i)); ++i) {
    const double x1 = values.at(fmt::format("x1({})", i)), x2 = values.at(fmt::format("x2({})", i)),
                 y = values.at(fmt::format("y({})", i));
    const Lecture r = lecture(x1, x2, w1, w2, b, y);
    l.J += r.L;
    l.dw1 += r.dw1;
    l.dw2 += r.dw2;
    l.db += r.db;
    l.dz.push_back(r.dz);
    l.x1.push_back(x1);
    l.x2.push_back(x2);
  }
  const double m = static_cast<double>(l.dz.size());
  l.J /= m;
  l.dw1 /= m;
  l.dw2 /= m;
  l.db /= m;
  return l;
}

void check_examples_golden(const std::string& name, std::size_t m) {
  const nlohmann::json j = golden(name);
  const Loop l = loop(j.at("values"));
  REQUIRE(l.dz.size() == m);
  const std::map<std::string, double> g = gradients(j);
  check_close(g.at("dJ/dw1"), l.dw1);
  check_close(g.at("dJ/dw2"), l.dw2);
  check_close(g.at("dJ/db"), l.db);
  for (std::size_t i = 0; i < m; ++i) {
    check_close(g.at(fmt::format("dJ/dz({})", i + 1)), l.dz[i] / static_cast<double>(m));
  }
  std::map<std::string, double> forward;
  for (const auto& n : j.at("forward")) forward[n.at("name")] = n.at("value").get<double>();
  check_close(forward.at("J"), l.J);
  CHECK(j.at("ok") == true);
}

}  // namespace

TEST_CASE("teaching goldens: the loop over m examples against the lecture's averaged sums") {
  check_examples_golden("explain_examples.json", 4);
  check_examples_golden("explain_examples_data.json", 3);  // tests/tools/data/lesson.csv
}

TEST_CASE("teaching goldens: vectorized Z = wT X + b against dZ = A - Y, dw = (1/m) X dZT") {
  const nlohmann::json j = golden("explain_vectorized.json");
  const Loop l = loop(j.at("values"));
  const double m = static_cast<double>(l.dz.size());
  REQUIRE(m == 4);
  std::map<std::string, nlohmann::json> g;
  for (const auto& step : j.at("backward")) g[step.at("gradient_name")] = step.at("gradient");
  // dw = (1/m) X dZT: a 2x1 column.
  check_close(g.at("dJ/dw").at(0).at(0).get<double>(), l.dw1);
  check_close(g.at("dJ/dw").at(1).at(0).get<double>(), l.dw2);
  check_close(g.at("dJ/db").get<double>(), l.db);
  for (std::size_t i = 0; i < l.dz.size(); ++i) {
    check_close(g.at("dJ/dZ").at(0).at(i).get<double>(), l.dz[i] / m);
  }
  for (const auto& n : j.at("forward")) {
    if (n.at("name") == "J") check_close(n.at("value").get<double>(), l.J);
  }
  // The update w := w - alpha dw element by element.
  const auto& u = j.at("update");
  const double alpha = u.at("alpha");
  const auto& v = j.at("values");
  check_close(u.at("params").at(0).at("new_value").get<double>(),
              v.at("w1").get<double>() - alpha * l.dw1);
  check_close(u.at("params").at(1).at("new_value").get<double>(),
              v.at("w2").get<double>() - alpha * l.dw2);
  check_close(u.at("params").at(2).at("new_value").get<double>(),
              v.at("b").get<double>() - alpha * l.db);
  CHECK(j.at("ok") == true);
}
