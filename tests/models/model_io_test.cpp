#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "models/helpers.hpp"

namespace tg = tapegrad;
using Json = nlohmann::ordered_json;

namespace {

/// A small trained MLP with a standardizer and names.
tg::Model small_mlp() {
  tg::TrainConfig config;
  config.kind = tg::ModelKind::mlp;
  config.hidden = {4};
  config.activation = tg::Activation::relu;
  config.epochs = 5;
  config.seed = 9;
  return tg::train(tg::test::breast_cancer(), config).model;
}

/// A valid document of a 2-feature logistic regression, for mutation.
Json valid_logreg() {
  tg::Model model = tg::make_logreg(2);
  model.params = {tg::Tensor::column({0.5, -1.5}), tg::Tensor(0.25)};
  model.feature_names = {"a", "b"};
  model.target_name = "y";
  model.standardizer = {{1.0, 2.0}, {3.0, 4.0}};
  return Json::parse(tg::model_to_json(model));
}

/// The message model_from_json throws for `doc` (file name "model.json").
std::string load_error(const Json& doc) {
  try {
    (void)tg::model_from_json(doc.dump(), "model.json");
  } catch (const tg::Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("model files: save then load predicts bit-identical probabilities") {
  const tg::test::TempDir dir("io-roundtrip");
  const tg::Model mlp = small_mlp();
  tg::save_model(mlp, dir / "mlp.json");
  const tg::Model loaded = tg::load_model(dir / "mlp.json");
  CHECK(loaded.kind == tg::ModelKind::mlp);
  CHECK(loaded.sizes == mlp.sizes);
  CHECK(loaded.activation == tg::Activation::relu);
  CHECK(loaded.feature_names == mlp.feature_names);
  CHECK(loaded.target_name == "malignant");
  CHECK(loaded.standardizer.mean == mlp.standardizer.mean);
  CHECK(loaded.standardizer.scale == mlp.standardizer.scale);
  for (std::size_t i = 0; i < mlp.params.size(); ++i) CHECK(loaded.params[i] == mlp.params[i]);
  const tg::Tensor& X = tg::test::breast_cancer().X;
  CHECK(loaded.predict_proba(X) == mlp.predict_proba(X));

  tg::TrainConfig config;
  config.epochs = 20;
  const tg::Model logreg = tg::train(tg::test::breast_cancer(), config).model;
  tg::save_model(logreg, dir / "logreg.json");
  CHECK(tg::load_model(dir / "logreg.json").predict_proba(X) == logreg.predict_proba(X));
  // Saving over an existing file replaces it and leaves no temporary file behind.
  tg::save_model(logreg, dir / "mlp.json");
  CHECK(tg::load_model(dir / "mlp.json").kind == tg::ModelKind::logreg);
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path()),
                      std::filesystem::directory_iterator()) == 2);
}

TEST_CASE("model files: every double round-trips exactly through the JSON text") {
  tg::Model model = tg::make_logreg(1);
  model.feature_names = {"x"};
  model.target_name = "y";
  tg::Rng rng(17);
  std::vector<double> specials{std::numeric_limits<double>::min(),
                               std::numeric_limits<double>::denorm_min(),
                               std::numeric_limits<double>::max(),
                               -std::numeric_limits<double>::max(),
                               std::numeric_limits<double>::epsilon(),
                               0.1,
                               1.0 / 3.0,
                               -0.0,
                               5e-324,
                               1.7976931348623157e308,
                               2.2250738585072009e-308};
  for (int i = 0; i < 2000; ++i) {
    // random bit patterns: every exponent and mantissa
    const std::uint64_t bits = rng.next();
    const auto v = std::bit_cast<double>(bits);
    if (std::isfinite(v)) specials.push_back(v);
  }
  for (double v : specials) {
    model.params = {tg::Tensor::column({v}), tg::Tensor(-v)};
    const tg::Model back = tg::model_from_json(tg::model_to_json(model), "m.json");
    REQUIRE(std::bit_cast<std::uint64_t>(back.params[0][0]) == std::bit_cast<std::uint64_t>(v));
    REQUIRE(back.params[1][0] == -v);
  }
}

TEST_CASE("model files: the document has the documented fields") {
  const Json doc = valid_logreg();
  CHECK(doc["format"] == "tapegrad-model");
  CHECK(doc["version"] == 1);
  CHECK(doc["kind"] == "logreg");
  CHECK(doc["sizes"] == Json::array({2, 1}));
  CHECK_FALSE(doc.contains("activation"));
  CHECK(doc["feature_names"] == Json::array({"a", "b"}));
  CHECK(doc["standardization"]["scale"] == Json::array({3.0, 4.0}));
  CHECK(doc["parameters"][0]["name"] == "w");
  CHECK(doc["parameters"][0]["shape"] == Json::array({2, 1}));
  CHECK(doc["parameters"][1]["values"] == Json::array({0.25}));
  CHECK(tg::model_from_json(doc.dump(), "model.json").params[0] == tg::Tensor::column({0.5, -1.5}));
  Json mlp = Json::parse(tg::model_to_json(small_mlp()));
  CHECK(mlp["activation"] == "relu");
  CHECK(mlp["parameters"][2]["name"] == "W2");
}

TEST_CASE("model files: loading rejects each kind of bad document with file and field") {
  const std::string p = "load_model: model.json: ";
  Json doc = valid_logreg();
  CHECK(load_error(doc) == "(no error)");

  CHECK(load_error(Json::array()) == p + "(document): expected an object, found array");
  try {
    (void)tg::model_from_json("{\"format\": ", "model.json");
    FAIL("no error");
  } catch (const tg::Error& e) {
    CHECK(std::string(e.what()).starts_with(p + "(document): invalid JSON: "));
  }
  doc = valid_logreg();
  doc["format"] = "onnx";
  CHECK(load_error(doc) == p + "format: expected 'tapegrad-model', found 'onnx'");
  doc = valid_logreg();
  doc["version"] = 2;  // version 2 needs the task
  CHECK(load_error(doc) == p + "task: missing");
  doc["version"] = 4;
  CHECK(load_error(doc) == p + "version: expected 1, 2 or 3, found 4");
  doc["version"] = "1";
  CHECK(load_error(doc) == p + "version: expected 1, 2 or 3, found \"1\"");
  doc = valid_logreg();
  doc["kind"] = "svm";
  CHECK(load_error(doc) ==
        p + "kind: expected 'logreg', 'mlp', 'softmax' or 'linear', found 'svm'");
  doc["kind"] = 3;
  CHECK(load_error(doc) == p + "kind: expected a string, found number");
  doc = valid_logreg();
  doc.erase("target_name");
  CHECK(load_error(doc) == p + "target_name: missing");
  doc = valid_logreg();
  doc["standardization"].erase("scale");
  CHECK(load_error(doc) == p + "standardization.scale: missing");
  doc = valid_logreg();
  doc["parameters"][1].erase("values");
  CHECK(load_error(doc) == p + "parameters[1].values: missing");
  doc = valid_logreg();
  doc["sizes"] = Json::array({2, 3, 1});
  CHECK(load_error(doc) == p + "sizes: expected {n, 1} for logreg, found {2, 3, 1}");
  doc["sizes"] = Json::array({2, -1});
  CHECK(load_error(doc) == p + "sizes[1]: expected a non-negative integer, found -1");
  doc["sizes"] = Json::array({2, 2});
  CHECK(load_error(doc) == p + "sizes: expected positive layer sizes ending in 1, found {2, 2}");
  doc = valid_logreg();
  doc["kind"] = "mlp";
  doc["sizes"] = Json::array({2, 3, 1});
  CHECK(load_error(doc) == p + "activation: missing");
  doc["activation"] = "softplus";
  CHECK(load_error(doc) == p + "activation: expected 'tanh' or 'relu', found 'softplus'");
  doc["activation"] = "tanh";
  CHECK(load_error(doc) == p + "parameters: expected 4 elements, found 2");
  doc = valid_logreg();
  doc["feature_names"] = Json::array({"a"});
  CHECK(load_error(doc) == p + "feature_names: expected 2 elements, found 1");
  doc["feature_names"] = Json::array({"a", 7});
  CHECK(load_error(doc) == p + "feature_names[1]: expected a string, found number");
  doc["feature_names"] = Json::array({"a", "a"});
  CHECK(load_error(doc) == p + "feature_names[1]: 'a' repeats feature_names[0]");
  doc["feature_names"] = Json::array({"a", "b"});
  doc["target_name"] = "b";
  CHECK(load_error(doc) == p + "target_name: 'b' is also feature_names[1]");
  // Empty names (a CSV column always has one): an empty target crashed gradcheck and graph.
  doc["target_name"] = "";
  CHECK(load_error(doc) == p + "target_name: expected a column name, found ''");
  doc["target_name"] = "y";
  doc["feature_names"] = Json::array({"a", ""});
  CHECK(load_error(doc) == p + "feature_names[1]: expected a column name, found ''");
  doc["feature_names"] = Json::array({"a\nb", "a\nb"});  // escaped: the message stays one line
  CHECK(load_error(doc) == p + "feature_names[1]: 'a\\nb' repeats feature_names[0]");
  doc = valid_logreg();
  doc["standardization"] = "none";
  CHECK(load_error(doc) == p + "standardization: expected an object or null, found string");
  doc = valid_logreg();
  doc["standardization"]["scale"][1] = 0.0;
  CHECK(load_error(doc) == p + "standardization.scale[1]: expected a positive number, found 0");
  doc = valid_logreg();
  doc["parameters"][0]["name"] = "W1";
  CHECK(load_error(doc) == p + "parameters[0].name: expected 'w', found 'W1'");
  doc = valid_logreg();
  doc["parameters"][0]["shape"] = Json::array({1, 2});
  CHECK(load_error(doc) == p + "parameters[0].shape: expected [2, 1], found [1, 2]");
  doc = valid_logreg();
  doc["parameters"][0]["values"] = Json::array({1.0});
  CHECK(load_error(doc) == p + "parameters[0].values: expected 2 elements, found 1");
  doc = valid_logreg();
  doc["parameters"][1]["values"] = Json::array({1.0, 2.0});
  CHECK(load_error(doc) == p + "parameters[1].values: expected 1 element, found 2");
  doc = valid_logreg();
  doc["parameters"][0]["values"][1] = nullptr;  // how JSON writers spell NaN
  CHECK(load_error(doc) == p + "parameters[0].values[1]: expected a number, found null");
  doc = valid_logreg();
  doc["parameters"] = Json::object();
  CHECK(load_error(doc) == p + "parameters: expected an array, found object");
  // A number too large for a double (it would read as infinity) is rejected.
  std::string text = valid_logreg().dump();
  const std::string target = "\"values\":[0.25]";
  REQUIRE(text.find(target) != std::string::npos);
  text.replace(text.find(target), target.size(), "\"values\":[1e999]");
  try {
    (void)tg::model_from_json(text, "model.json");
    FAIL("no error");
  } catch (const tg::Error& e) {
    CHECK(std::string(e.what()) == p + "(document): expected finite numbers: "
                                       "[json.exception.out_of_range.406] number overflow "
                                       "parsing '1e999'");
  }
}

TEST_CASE("model files: load_model names the file, unreadable files are reported") {
  const tg::test::TempDir dir("io-load");
  tg::test::write_file(dir / "bad.json", "{\"format\": \"tapegrad-model\", \"version\": 4}");
  const std::string bad = (dir / "bad.json").string();
  CHECK_THROWS_WITH_AS((void)tg::load_model(dir / "bad.json"),
                       ("load_model: " + bad + ": version: expected 1, 2 or 3, found 4").c_str(),
                       tg::Error);
  const std::string missing = (dir / "missing.json").string();
  CHECK_THROWS_WITH_AS((void)tg::load_model(dir / "missing.json"),
                       ("load_model: " + missing + ": cannot open the file for reading").c_str(),
                       tg::Error);
}

TEST_CASE("model files: writes are atomic, failures leave nothing and keep the old file") {
  const tg::test::TempDir dir("io-atomic");
  const tg::Model model = tg::model_from_json(valid_logreg().dump(), "model.json");
  const auto entries = [&](const std::filesystem::path& p) {
    return std::distance(std::filesystem::directory_iterator(p),
                         std::filesystem::directory_iterator());
  };

  // A folder that does not exist: an Error, and nothing is created.
  const std::filesystem::path nowhere = dir / "no" / "such" / "model.json";
  CHECK_THROWS_WITH_AS(tg::save_model(model, nowhere),
                       ("save_model: " + nowhere.string() +
                        ": cannot create a temporary file: No such file or directory")
                           .c_str(),
                       tg::Error);
  CHECK_FALSE(std::filesystem::exists(dir / "no"));

  // The target is a folder: the rename fails, the temporary file is removed, the folder stays.
  std::filesystem::create_directories(dir / "taken" / "inside");
  const std::filesystem::path taken = dir / "taken";
  CHECK_THROWS_AS(tg::save_model(model, taken), tg::Error);
  CHECK(std::filesystem::is_directory(dir / "taken" / "inside"));
  CHECK(entries(dir.path()) == 1);

  // An existing file survives a failed write (a model that cannot be written: NaN parameter).
  tg::save_model(model, dir / "model.json");
  const std::string before = tg::test::read_file(dir / "model.json");
  tg::Model broken = model;
  broken.params[0][1] = std::nan("");
  CHECK_THROWS_WITH_AS(tg::save_model(broken, dir / "model.json"),
                       "save_model: w: expected finite numbers, found nan", tg::Error);
  CHECK(tg::test::read_file(dir / "model.json") == before);
  CHECK(entries(dir.path()) == 2);  // taken/ and model.json, no temporary file

  // An existing file also survives a failed rename onto it... and a wrong model shape.
  broken = model;
  broken.params[0] = tg::Tensor(3, 1);
  CHECK_THROWS_WITH_AS(tg::save_model(broken, dir / "model.json"),
                       "save_model: w: expected shape 2x1, found 3x1", tg::Error);
  CHECK(tg::test::read_file(dir / "model.json") == before);
}

namespace {

/// A trained model of each new task, with names, standardizers and (classification) class names.
std::vector<tg::Model> new_task_models() {
  tg::Rng rng(23);
  tg::Dataset d{tg::Tensor(30, 2), tg::Tensor(30, 1), {"a", "b"}, "t"};
  for (double& v : d.X) v = rng.uniform(-2, 2);
  for (std::size_t i = 0; i < 30; ++i) d.y[i] = static_cast<double>(i % 3);
  std::vector<tg::Model> out;
  tg::TrainConfig config;
  config.epochs = 5;
  config.hidden = {3};
  config.kind = tg::ModelKind::softmax;
  out.push_back(tg::train(d, config).model);
  out.back().classes = {"setosa", "versicolor", "virginica"};
  config.kind = tg::ModelKind::mlp;
  config.task = tg::Task::multiclass;
  out.push_back(tg::train(d, config).model);
  for (std::size_t i = 0; i < 30; ++i) d.y[i] = rng.uniform(100, 200);
  config.task = tg::Task::regression;
  out.push_back(tg::train(d, config).model);
  config.kind = tg::ModelKind::linear;
  out.push_back(tg::train(d, config).model);
  return out;
}

}  // namespace

TEST_CASE("model files: softmax, linear, k-class MLP and MLP regressor round-trip (version 2)") {
  const tg::test::TempDir dir("io-tasks");
  tg::Rng rng(4);
  tg::Tensor X(20, 2);
  for (double& v : X) v = rng.uniform(-3, 3);
  for (const tg::Model& model : new_task_models()) {
    CAPTURE(tg::to_string(model.kind));
    tg::save_model(model, dir / "m.json");
    const tg::Model back = tg::load_model(dir / "m.json");
    CHECK(back.kind == model.kind);
    CHECK(back.task == model.task);
    CHECK(back.sizes == model.sizes);
    CHECK(back.classes == model.classes);
    CHECK(back.target_standardizer.mean == model.target_standardizer.mean);
    CHECK(back.target_standardizer.scale == model.target_standardizer.scale);
    for (std::size_t i = 0; i < model.params.size(); ++i) CHECK(back.params[i] == model.params[i]);
    CHECK(back.predict(X) == model.predict(X));
    if (model.task != tg::Task::regression) CHECK(back.predict_proba(X) == model.predict_proba(X));
    const Json doc = Json::parse(tg::test::read_file(dir / "m.json"));
    CHECK(doc["version"] == 2);
    CHECK(doc["task"] == tg::to_string(model.task));
    CHECK(doc["target_standardization"].is_null() == (model.task != tg::Task::regression));
  }
  const Json softmax = Json::parse(tg::model_to_json(new_task_models()[0]));
  CHECK(softmax["classes"] == Json::array({"setosa", "versicolor", "virginica"}));
  CHECK(softmax["parameters"][0]["name"] == "W");
  CHECK(softmax["parameters"][0]["shape"] == Json::array({2, 3}));
  CHECK(softmax["parameters"][1]["shape"] == Json::array({1, 3}));
  // A binary model with class names needs version 2 as well; without, it stays version 1.
  tg::Model binary = tg::model_from_json(valid_logreg().dump(), "model.json");
  binary.classes = {"benign", "malignant"};
  const Json named = Json::parse(tg::model_to_json(binary));
  CHECK(named["version"] == 2);
  CHECK(tg::model_from_json(named.dump(), "m.json").classes == binary.classes);
  CHECK_FALSE(valid_logreg().contains("task"));
}

TEST_CASE("model files: version-2 fields are validated with file and field") {
  const std::string p = "load_model: model.json: ";
  const Json good = Json::parse(tg::model_to_json(new_task_models()[0]));  // softmax
  CHECK(load_error(good) == "(no error)");
  Json doc = good;
  doc["task"] = "binary";
  CHECK(load_error(doc) == p + "task: expected 'multiclass' for softmax, found 'binary'");
  doc["task"] = "ranking";
  CHECK(load_error(doc) ==
        p + "task: expected 'binary', 'multiclass' or 'regression', found 'ranking'");
  doc = good;
  doc["sizes"] = Json::array({2, 1});
  CHECK(load_error(doc) ==
        p + "sizes: expected positive layer sizes ending in k >= 2 classes, found {2, 1}");
  doc = good;
  doc["classes"] = Json::array({"a", "b"});
  CHECK(load_error(doc) == p + "classes: expected 0 or 3 names for a multiclass model, found 2");
  doc["classes"] = Json::array({"a", "b", "a"});
  CHECK(load_error(doc) == p + "classes[2]: 'a' repeats classes[0]");
  doc["classes"] = Json::array({"a", "b", 3});
  CHECK(load_error(doc) == p + "classes[2]: expected a string, found number");
  doc.erase("classes");
  CHECK(load_error(doc) == p + "classes: missing");
  doc = good;
  doc["target_standardization"] = {{"mean", {1.0}}, {"scale", {2.0}}};
  CHECK(load_error(doc) ==
        p + "target_standardization: expected null for multiclass, found an object");
  doc = good;
  doc["parameters"][0]["shape"] = Json::array({3, 2});
  CHECK(load_error(doc) == p + "parameters[0].shape: expected [2, 3], found [3, 2]");
  Json linear = Json::parse(tg::model_to_json(new_task_models()[3]));
  CHECK(load_error(linear) == "(no error)");
  linear["target_standardization"]["scale"][0] = -1.0;
  CHECK(load_error(linear) ==
        p + "target_standardization.scale[0]: expected a positive number, found -1");
  linear["target_standardization"]["mean"] = Json::array({1.0, 2.0});
  CHECK(load_error(linear) == p + "target_standardization.mean: expected 1 element, found 2");
  // Version 1 holds binary models only.
  linear = Json::parse(tg::model_to_json(new_task_models()[3]));
  linear["version"] = 1;
  CHECK(load_error(linear) == p + "kind: expected 'logreg' or 'mlp' in a version-1 file, found "
                                  "'linear'");
  // Class names are checked like the other names on save.
  tg::Model latin1 = new_task_models()[0];
  latin1.classes[1] = "caf\xe9";
  CHECK_THROWS_WITH_AS((void)tg::model_to_json(latin1),
                       doctest::Contains("save_model: classes[1]: expected UTF-8 text"), tg::Error);
}

TEST_CASE("model files: names that are not UTF-8 are refused on save, by field") {
  tg::Model model = tg::make_logreg(2);
  model.feature_names = {"caf\xc3\xa9", "caf\xe9"};  // UTF-8, then Latin-1
  model.target_name = std::string("y");              // (GCC 12 -Wrestrict misfires on = "y")
  CHECK_THROWS_WITH_AS(
      (void)tg::model_to_json(model),
      "save_model: feature_names[1]: expected UTF-8 text (a model file is JSON), found 'caf\\xe9'",
      tg::Error);
  model.feature_names[1] = "b";
  model.target_name = "\xff";
  CHECK_THROWS_WITH_AS((void)tg::model_to_json(model), doctest::Contains("target_name: "),
                       tg::Error);
  CHECK(tg::detail::is_utf8("plain, caf\xc3\xa9, \xe2\x82\xac, \xf0\x9f\x98\x80"));
  CHECK_FALSE(tg::detail::is_utf8("\xc0\xaf"));      // overlong
  CHECK_FALSE(tg::detail::is_utf8("\xed\xa0\x80"));  // a surrogate
  CHECK_FALSE(tg::detail::is_utf8("\xe2\x82"));      // cut short
  CHECK(tg::detail::shown_text("caf\xe9\n\xc3\xa9") == "caf\\xe9\\n\xc3\xa9");
}

TEST_CASE("model files: a name of 255 bytes is saved (the temporary name is short)") {
  const tg::test::TempDir dir("io-long-name");
  tg::Model model = tg::make_logreg(1);
  model.feature_names = {"x"};
  model.target_name = std::string("y");  // (GCC 12 -Wrestrict misfires on = "y")
  std::string name(250, 'm');
  name += ".json";
  tg::save_model(model, dir / name);
  CHECK(tg::load_model(dir / name).target_name == "y");
}
