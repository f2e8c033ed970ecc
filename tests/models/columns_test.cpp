// What a target column means (the task, the labels), reading for a model, and training on the
// tasks' CSV files end to end.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "models/helpers.hpp"

namespace tg = tapegrad;

namespace {

tg::Dataset labelled(std::string_view text, std::string target = "y") {
  tg::CsvOptions o;
  o.target = std::move(target);
  return tg::parse_csv(text, "data.csv", o);
}

std::string task_error(std::string_view text, tg::TaskChoice choice = tg::TaskChoice::automatic) {
  tg::Dataset d = labelled(text);
  try {
    (void)tg::encode_target(d, choice, "data.csv");
  } catch (const tg::Error& e) {
    return e.what();
  }
  return "(no error)";
}

std::vector<double> values(const tg::Tensor& t) { return {t.begin(), t.end()}; }

// Names built one by one: assigning a braced list of literals trips GCC 12's false -Wrestrict.
std::vector<std::string> names(std::initializer_list<std::string_view> list) {
  std::vector<std::string> out;
  for (const std::string_view name : list) out.emplace_back(name);
  return out;
}

std::filesystem::path tasks_file(std::string_view name) {
  return std::filesystem::path(TAPEGRAD_SOURCE_DIR) / "tests" / "tools" / "data" / "tasks" / name;
}

}  // namespace

TEST_CASE("targets: 0/1 is binary with its labels, other pairs are binary with names") {
  tg::Dataset d = labelled("x,y\n1,0\n2,1\n3,1\n");
  tg::TargetEncoding e = tg::encode_target(d, tg::TaskChoice::automatic, "data.csv");
  CHECK(e.task == tg::Task::binary);
  CHECK(e.classes.empty());
  CHECK(values(d.y) == std::vector<double>{0, 1, 1});

  d = labelled("x,y\n1,-1\n2,1\n3,-1\n");
  e = tg::encode_target(d, tg::TaskChoice::automatic, "data.csv");
  CHECK(e.task == tg::Task::binary);
  CHECK(e.classes == std::vector<std::string>{"-1", "1"});
  CHECK(values(d.y) == std::vector<double>{0, 1, 0});

  d = labelled("x,y\n1,true\n2,false\n3,true\n");
  e = tg::encode_target(d, tg::TaskChoice::automatic, "data.csv");
  CHECK(e.task == tg::Task::binary);
  CHECK(e.classes == std::vector<std::string>{"false", "true"});
  CHECK(values(d.y) == std::vector<double>{1, 0, 1});
}

TEST_CASE("targets: text or 3 to 20 whole numbers are multiclass, decimals are regression") {
  tg::Dataset d = labelled("x,y\n1,b\n2,c\n3,a\n");
  tg::TargetEncoding e = tg::encode_target(d, tg::TaskChoice::automatic, "data.csv");
  CHECK(e.task == tg::Task::multiclass);
  CHECK(e.classes == std::vector<std::string>{"a", "b", "c"});
  CHECK(values(d.y) == std::vector<double>{1, 2, 0});

  d = labelled("x,y\n1,2\n2,0\n3,1\n4,10\n");
  e = tg::encode_target(d, tg::TaskChoice::automatic, "data.csv");
  CHECK(e.task == tg::Task::multiclass);
  CHECK(e.classes == std::vector<std::string>{"0", "1", "2", "10"});
  CHECK(values(d.y) == std::vector<double>{2, 0, 1, 3});

  d = labelled("x,y\n1,2.5\n2,0\n3,1\n");
  e = tg::encode_target(d, tg::TaskChoice::automatic, "data.csv");
  CHECK(e.task == tg::Task::regression);
  CHECK(values(d.y) == std::vector<double>{2.5, 0, 1});

  // --task overrides: 0/1 as regression, decimals as classes.
  d = labelled("x,y\n1,0\n2,1\n");
  CHECK(tg::encode_target(d, tg::TaskChoice::regression, "data.csv").task == tg::Task::regression);
  d = labelled("x,y\n1,0.5\n2,1.5\n3,0.5\n");
  e = tg::encode_target(d, tg::TaskChoice::classification, "data.csv");
  CHECK(e.task == tg::Task::binary);
  CHECK(e.classes == std::vector<std::string>{"0.5", "1.5"});
}

TEST_CASE("targets: more than 20 whole numbers, a single class, text for regression refused") {
  std::string many = "x,y\n";
  for (int i = 0; i < 21; ++i) many += fmt::format("{},{}\n", i, i);
  CHECK(task_error(many) ==
        "target: data.csv: column 'y': expected at most 20 distinct whole numbers for "
        "classification, found 21; say --task classification or --task regression");
  CHECK(task_error(many, tg::TaskChoice::regression) == "(no error)");
  tg::Dataset d = labelled(many);
  CHECK(tg::encode_target(d, tg::TaskChoice::classification, "data.csv").classes.size() == 21);
  CHECK(task_error("x,y\n1,1\n2,1\n") ==
        "target: data.csv: column 'y': expected at least 2 classes, found only '1' in 2 rows; a "
        "classifier needs examples of each class");
  CHECK(task_error("x,y\n1,cat\n2,cat\n") ==
        "target: data.csv: column 'y': expected at least 2 classes, found only 'cat' in 2 rows; a "
        "classifier needs examples of each class");
  CHECK(task_error("x,y\n1,cat\n2,dog\n", tg::TaskChoice::regression) ==
        "target: data.csv: column 'y': expected numbers for regression, found text such as 'cat'");
  CHECK(tg::parse_task_choice("classification") == tg::TaskChoice::classification);
  CHECK_THROWS_AS(tg::parse_task_choice("binary"), tg::Error);
}

TEST_CASE("targets: a file is mapped to a model's classes by name") {
  tg::Model model = tg::make_softmax(1, 3);
  model.target_name = std::string("y");  // (GCC 12 -Wrestrict misfires on = "y")
  model.feature_names = names({"x"});
  model.classes = names({"setosa", "versicolor", "virginica"});
  tg::Dataset d = labelled("x,y\n1,virginica\n2,setosa\n");
  tg::encode_target_for(d, model, "data.csv");
  CHECK(values(d.y) == std::vector<double>{2, 0});
  d = labelled("x,y\n1,virginica\n2,daisy\n");
  CHECK_THROWS_WITH_AS(tg::encode_target_for(d, model, "data.csv"),
                       "target: data.csv: column 'y': expected one of the model's classes "
                       "'setosa', 'versicolor' or 'virginica', found 'daisy'",
                       tg::Error);
  // Numbers map through their shortest form: "-1" in a file, class "-1" in the model.
  model.classes = names({"-1", "1", "2"});
  d = labelled("x,y\n1,1.0\n2,-1\n");
  tg::encode_target_for(d, model, "data.csv");
  CHECK(values(d.y) == std::vector<double>{1, 0});
}

TEST_CASE("columns: a model reads its own columns, text columns by name") {
  tg::Model model = tg::make_logreg(4);
  model.feature_names = names({"size", "color=blue", "color=red", "weight"});
  model.categorical = {{"color", names({"blue", "red"})}};
  CHECK(tg::model_columns(model) == std::vector<std::string>{"size", "color", "weight"});
  const tg::CsvOptions o = tg::model_csv_options(model, {});
  const tg::Dataset d = tg::parse_csv("weight,other,color,size\n1,zzz,red,2\n", "data.csv", o);
  CHECK(values(tg::select_features(d, model.feature_names)) == std::vector<double>{2, 0, 1, 1});
}

TEST_CASE("tasks end to end: an exactly linear CSV gives back its coefficients, R² = 1") {
  tg::Dataset data = tg::read_csv(tasks_file("linear.csv"), "y");
  REQUIRE(tg::encode_target(data, tg::TaskChoice::automatic, "linear.csv").task ==
          tg::Task::regression);
  tg::TrainConfig config;
  config.kind = tg::ModelKind::linear;
  config.optimizer.kind = tg::OptimizerKind::gd;  // the lecture's rule, run to rounding
  config.epochs = 2000;
  config.test_fraction = 0.25;
  const tg::TrainResult r = tg::train(data, config);
  CHECK(r.train.r2 == doctest::Approx(1.0).epsilon(1e-12));
  CHECK(r.test.r2 == doctest::Approx(1.0).epsilon(1e-12));
  CHECK(r.test.rmse < 1e-10);
  // y = 2 x1 - 3 x2 + 0.5 at points the file does not hold.
  const tg::Tensor X(tg::Shape{3, 2}, {1.0, 1.0, 0.0, 0.0, 10.0, -7.0});
  const tg::Tensor y = r.model.predict(X);
  CHECK(y[0] == doctest::Approx(-0.5).epsilon(1e-10));
  CHECK(y[1] == doctest::Approx(0.5).epsilon(1e-10));
  CHECK(y[2] == doctest::Approx(41.5).epsilon(1e-10));
}

TEST_CASE("tasks end to end: one-hot columns train exactly as an encoded file does") {
  tg::Dataset text = tg::read_csv(tasks_file("colors.csv"), "label");
  tg::Dataset encoded = tg::read_csv(tasks_file("colors_onehot.csv"), "label");
  CHECK(text.feature_names == encoded.feature_names);
  CHECK(text.X == encoded.X);
  tg::TrainConfig config;
  config.epochs = 50;
  const tg::TrainResult a = tg::train(text, config);
  const tg::TrainResult b = tg::train(encoded, config);
  REQUIRE(a.model.params.size() == b.model.params.size());
  for (std::size_t i = 0; i < a.model.params.size(); ++i) {
    CHECK(a.model.params[i] == b.model.params[i]);
  }
  CHECK(a.test.loss == b.test.loss);
}

TEST_CASE("tasks end to end: string species train a softmax whose probabilities sum to 1") {
  tg::Dataset data = tg::read_csv(tasks_file("species.csv"), "species");
  const tg::TargetEncoding e = tg::encode_target(data, tg::TaskChoice::automatic, "species.csv");
  REQUIRE(e.task == tg::Task::multiclass);
  tg::TrainConfig config;
  config.kind = tg::ModelKind::softmax;
  const tg::TrainResult r = tg::train(data, config);
  CHECK(r.train.accuracy == 1.0);
  const tg::Tensor p = r.model.predict_proba(data);
  REQUIRE(p.cols() == 3);
  for (std::size_t i = 0; i < p.rows(); ++i) {
    CHECK(p(i, 0) + p(i, 1) + p(i, 2) == doctest::Approx(1.0).epsilon(1e-15));
  }
  // The same file with labels 0, 1, 2 trains the same model (names aside).
  tg::Dataset ints = tg::read_csv(tasks_file("species_ints.csv"), "label");
  CHECK(tg::encode_target(ints, tg::TaskChoice::automatic, "i.csv").classes ==
        std::vector<std::string>{"0", "1", "2"});
  const tg::TrainResult s = tg::train(ints, config);
  for (std::size_t i = 0; i < s.model.params.size(); ++i) {
    CHECK(s.model.params[i] == r.model.params[i]);
  }
}

TEST_CASE("model files: text columns are saved in version 3 and read back") {
  tg::Dataset data = tg::read_csv(tasks_file("colors.csv"), "label");
  tg::TrainConfig config;
  config.epochs = 5;
  tg::TrainResult r = tg::train(data, config);
  r.model.categorical = data.categorical;
  const std::string json = tg::model_to_json(r.model);
  CHECK(json.find("\"version\": 3") != std::string::npos);
  const tg::Model back = tg::model_from_json(json, "m.json");
  REQUIRE(back.categorical.size() == 1);
  CHECK(back.categorical[0].name == "color");
  CHECK(back.categorical[0].categories == std::vector<std::string>{"blue", "green", "red"});
  // A category without its feature is refused, naming the field.
  std::string bad = json;
  bad.replace(bad.find("\"green\""), 7, "\"pink\"");
  CHECK_THROWS_WITH_AS((void)tg::model_from_json(bad, "m.json"),
                       "load_model: m.json: categorical[0].categories[1]: expected a feature "
                       "named 'color=pink', found none",
                       tg::Error);
  // Without text columns the version stays 1 (binary) or 2.
  r.model.categorical.clear();
  CHECK(tg::model_to_json(r.model).find("\"version\": 1") != std::string::npos);
}
