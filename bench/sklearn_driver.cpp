// A stand-in for `tapegrad train` + `tapegrad eval` used by bench/sklearn_compare.py --driver
// while the tool cannot read multi-class or regression CSVs: trains the library's default model
// for the task (TrainConfig defaults: logreg, softmax or linear; or an MLP) on TRAIN.csv and
// evaluates it on TEST.csv, both all-numeric with the target in the last column.
//
//   sklearn_driver TRAIN.csv TEST.csv binary|multiclass|regression [mlp|old]
//
// (mlp: an MLP with the default settings; old: the defaults before L-BFGS, gd with learning rate
// 0.1 and no weight decay.)
//
// Prints one JSON object: {"loss", "accuracy" | "r2", "test_loss", "test_accuracy" | "test_r2",
// "iterations"}.
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include <tapegrad/tapegrad.hpp>

namespace tg = tapegrad;

namespace {

/// The CSV's last column as y, the others as features.
tg::Dataset read_last_as_target(const std::string& path) {
  const tg::Dataset all = tg::read_csv(path, "");
  const std::size_t n = all.X.cols() - 1;
  tg::Dataset d{tg::Tensor(all.X.rows(), n),
                tg::Tensor(all.X.rows(), 1),
                {all.feature_names.begin(), all.feature_names.end() - 1},
                all.feature_names.back()};
  for (std::size_t i = 0; i < all.X.rows(); ++i) {
    for (std::size_t j = 0; j < n; ++j) d.X(i, j) = all.X(i, j);
    d.y[i] = all.X(i, n);
  }
  return d;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    fmt::print(stderr,
               "usage: sklearn_driver TRAIN.csv TEST.csv binary|multiclass|regression [mlp|old]\n");
    return 2;
  }
  try {
    const tg::Dataset train = read_last_as_target(argv[1]);
    const tg::Dataset test = read_last_as_target(argv[2]);
    const std::string_view task = argv[3];
    tg::TrainConfig config;
    config.test_fraction = 0.0;
    config.task = tg::parse_task(task);
    config.kind = task == "binary"       ? tg::ModelKind::logreg
                  : task == "multiclass" ? tg::ModelKind::softmax
                                         : tg::ModelKind::linear;
    const std::string_view variant = argc > 4 ? argv[4] : "";
    if (variant == "mlp") config.kind = tg::ModelKind::mlp;
    if (variant == "old") {  // the defaults before L-BFGS: gd, lr 0.1, 100 epochs, no decay
      config.optimizer = {tg::OptimizerKind::gd, 0.1};
      config.weight_decay = 0.0;
    }
    const tg::TrainResult r = tg::train(train, config);
    const tg::Metrics m = r.model.evaluate(test.X, test.y);
    if (task == "regression") {
      fmt::print(
          "{{\"loss\": {}, \"r2\": {}, \"test_loss\": {}, \"test_r2\": {}, \"iterations\": {}}}\n",
          r.train.loss, r.train.r2, m.loss, m.r2, r.history.size());
    } else {
      fmt::print(
          "{{\"loss\": {}, \"accuracy\": {}, \"test_loss\": {}, \"test_accuracy\": {}, "
          "\"iterations\": {}}}\n",
          r.train.loss, r.train.accuracy, m.loss, m.accuracy, r.history.size());
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "sklearn_driver: {}\n", e.what());
    return 1;
  }
  return 0;
}
