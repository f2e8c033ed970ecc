// predict's CSV (tools/models.cpp): label names, one probability per class printed in shortest
// round-trip form, probabilities that sum to 1, --threshold, ids quoted as CSV.
#include <doctest/doctest.h>

#include <cstdlib>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "models.hpp"

namespace tg = tapegrad;

namespace {

std::vector<std::vector<std::string>> lines(const std::string& csv) {
  std::vector<std::vector<std::string>> out;
  std::istringstream in(csv);
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> fields;
    std::istringstream row(line);
    for (std::string field; std::getline(row, field, ',');) fields.push_back(field);
    out.push_back(fields);
  }
  return out;
}

// Names built one by one: assigning a braced list of literals trips GCC 12's false -Wrestrict.
std::vector<std::string> names(std::initializer_list<std::string_view> list) {
  std::vector<std::string> out;
  for (const std::string_view name : list) out.emplace_back(name);
  return out;
}

double number(const std::string& text) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  REQUIRE(end == text.c_str() + text.size());
  return v;
}

}  // namespace

TEST_CASE("predictions: a multiclass model prints every class, the sum is 1, digits in full") {
  tg::Model model = tg::make_softmax(2, 3);
  model.feature_names = names({"a", "b"});
  model.target_name = std::string_view("species");
  model.classes = names({"setosa", "versicolor", "virginica"});
  model.params[0] = tg::Tensor(tg::Shape{2, 3}, {1.0, -2.0, 0.5, 3.0, 0.25, -40.0});
  model.params[1] = tg::Tensor(tg::Shape{1, 3}, {0.1, 0.2, -0.3});
  const tg::Dataset data = tg::parse_csv("a,b\n1,2\n-3,0.5\n0,0\n2,-1\n", "d.csv", "");
  const std::vector<std::vector<std::string>> rows = lines(tg::tool::predictions_csv(model, data));
  REQUIRE(rows.size() == 5);
  CHECK(rows[0] ==
        std::vector<std::string>{"row", "class", "p_setosa", "p_versicolor", "p_virginica"});
  const tg::Tensor p = model.predict_proba(data);
  for (std::size_t i = 0; i < 4; ++i) {
    const std::vector<std::string>& r = rows[i + 1];
    REQUIRE(r.size() == 5);
    CHECK(r[0] == std::to_string(i + 1));
    double sum = 0.0;
    std::size_t best = 0;
    for (std::size_t c = 0; c < 3; ++c) {
      CHECK(number(r[2 + c]) == p(i, c));  // read back exactly: shortest round trip
      sum += number(r[2 + c]);
      if (p(i, c) > p(i, best)) best = c;
    }
    CHECK(sum == doctest::Approx(1.0).epsilon(1e-15));
    CHECK(r[1] == model.classes[best]);
  }
  // The 40-unit gap gives a probability near 1e-18 for virginica in row 1: printed, not 0.
  CHECK(number(rows[1][4]) > 0.0);
  CHECK(number(rows[1][4]) < 1e-15);
}

TEST_CASE("predictions: binary probabilities from the logit, threshold, ids quoted") {
  tg::Model model = tg::make_logreg(1);
  model.feature_names = names({"x"});
  model.target_name.assign(2, 'k');
  model.target_name[0] = 'o';
  model.classes = names({"no", "yes"});
  model.params[0] = tg::Tensor(tg::Shape{1, 1}, {-46.0});
  tg::CsvOptions o;
  o.id = std::string_view("name");
  const tg::Dataset data = tg::parse_csv("name,x\n\"a,b\",1\nc,-0.01\n", "d.csv", o);
  const std::string csv = tg::tool::predictions_csv(model, data, 0.7);
  const std::vector<std::vector<std::string>> rows = lines(csv);
  CHECK(rows[0] == std::vector<std::string>{"name", "class", "p_no", "p_yes"});
  // Row 1: z = -46, p_yes = σ(-46) ≈ 1.05e-20 in full, p_no = σ(46) = 1 (rounded).
  const std::string first = "\"a,b\",no,1,";
  const std::size_t at = csv.find(first);
  REQUIRE(at != std::string::npos);
  const std::size_t from = at + first.size();
  CAPTURE(csv);
  CHECK(number(csv.substr(from, csv.find('\n', from) - from)) == tg::detail::sigmoid_value(-46.0));
  // Row 2: z = 0.46, p_yes = 0.613 < 0.7: class no at the threshold, yes at 0.5.
  CHECK(rows[2][1] == "no");
  CHECK(lines(tg::tool::predictions_csv(model, data))[2][1] == "yes");
  CHECK(number(rows[2][2]) + number(rows[2][3]) == doctest::Approx(1.0).epsilon(1e-16));
}

TEST_CASE("predictions: a regression prints its value in the target's units") {
  tg::Model model = tg::make_linear(1);
  model.feature_names = names({"x"});
  model.target_name.assign(1, 'y');
  model.params[0] = tg::Tensor(tg::Shape{1, 1}, {2.0});
  model.params[1] = tg::Tensor(tg::Shape{1, 1}, {0.5});
  model.target_standardizer.mean = {10.0};
  model.target_standardizer.scale = {4.0};
  const tg::Dataset data = tg::parse_csv("x\n1\n-0.25\n", "d.csv", "");
  CHECK(tg::tool::predictions_csv(model, data) == "row,prediction\n1,20\n2,10\n");
  CHECK(tg::tool::csv_field("plain") == "plain");
  CHECK(tg::tool::csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
}
