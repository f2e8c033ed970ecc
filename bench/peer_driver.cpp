// The tapegrad side of bench/torch_compare.py (issue 13): one timed training run of the library's
// fit() on data the script wrote once for every tool, as raw little-endian float64 arrays
// (X: m x n row-major, y: m x 1 of 0/1 labels). The data are already standardised, so the models
// carry no standardizer and nothing but training is timed (reading the files is not).
//
//   peer_driver X.f64 y.f64 M N WORKLOAD [--threads T] [--epochs E] [--target-loss L]
//
// WORKLOAD:
//   mlp_full       binary MLP {n, 16, 8, 1}, tanh, gd (lr 0.1), full batch, E epochs (default 5)
//   mlp_minibatch  the same MLP, gd (lr 0.1), mini-batches of 64, E epochs (default 2)
//   logreg_gd      logistic regression, gd (lr 0.1), full batch, E epochs (default 100), λ = 0
//   logreg_lbfgs   logistic regression, L-BFGS, λ = 1/m (scikit-learn's C = 1), run until the
//                  cost (mean log-loss + (λ/2)||w||²) is <= L (scikit-learn lbfgs' cost),
//                  at most E iterations (default 1000)
//
// Prints one JSON object: "fit_seconds" (the whole fit() call), "epoch_seconds" (each epoch's
// time, from the epoch callback: epoch 1 includes fit()'s set-up: recording the graph, whose X
// and y leaves borrow the data), "final_loss" (the cost after training) and, for logreg_lbfgs,
// "reach_seconds": the time from the start of fit() to the end of the first iteration whose
// parameters have cost <= L (null when never reached).
#include <chrono>
#include <cstdio>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <tapegrad/tapegrad.hpp>

namespace tg = tapegrad;

namespace {

using Clock = std::chrono::steady_clock;

std::vector<double> read_f64(const std::string& path, std::size_t count) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) throw std::runtime_error(fmt::format("peer_driver: {}: cannot open", path));
  std::vector<double> v(count);
  const std::size_t got = std::fread(v.data(), sizeof(double), count, f);
  std::fclose(f);
  if (got != count) {
    throw std::runtime_error(
        fmt::format("peer_driver: {}: {} numbers, expected {}", path, got, count));
  }
  return v;
}

/// Mean log-loss of `model` on (X, y) plus (λ/2) Σ ||W||² over its weights (even params).
double cost(const tg::Model& model, tg::TensorView X, tg::TensorView y, double lambda) {
  double penalty = 0.0;
  for (std::size_t i = 0; i < model.params.size(); i += 2) {
    for (double w : model.params[i]) penalty += w * w;
  }
  return model.evaluate(X, y).loss + 0.5 * lambda * penalty;
}

/// The library's thread count (issue 13: FitOptions::threads, 0 = all cores). Until that field
/// exists the driver trains on one thread and refuses any other count.
template <class Options>
void set_threads(Options& options, std::size_t threads) {
  if constexpr (requires { options.threads; }) {
    options.threads = threads;
  } else if (threads != 1) {
    throw std::runtime_error("peer_driver: this tapegrad has no FitOptions::threads (1 only)");
  }
}

double seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6) {
    fmt::print(stderr,
               "usage: peer_driver X.f64 y.f64 M N mlp_full|mlp_minibatch|logreg_gd|logreg_lbfgs "
               "[--threads T] [--epochs E] [--target-loss L]\n");
    return 2;
  }
  try {
    const std::size_t m = std::stoul(argv[3]);
    const std::size_t n = std::stoul(argv[4]);
    const std::string_view workload = argv[5];
    std::size_t threads = 1;
    std::optional<std::size_t> epochs;
    std::optional<double> target;
    for (int i = 6; i + 1 < argc; i += 2) {
      const std::string_view flag = argv[i];
      if (flag == "--threads") {
        threads = std::stoul(argv[i + 1]);
      } else if (flag == "--epochs") {
        epochs = std::stoul(argv[i + 1]);
      } else if (flag == "--target-loss") {
        target = std::stod(argv[i + 1]);
      } else {
        throw std::runtime_error(fmt::format("peer_driver: {}: unknown option", flag));
      }
    }
    const std::vector<double> xs = read_f64(argv[1], m * n);
    const std::vector<double> ys = read_f64(argv[2], m);
    const tg::TensorView X(xs.data(), {m, n});
    const tg::TensorView y(ys.data(), {m, 1});

    tg::FitOptions options;
    options.optimizer = {tg::OptimizerKind::gd, 0.1};
    tg::Model model;
    if (workload == "mlp_full" || workload == "mlp_minibatch") {
      model = tg::make_mlp({n, 16, 8, 1}, tg::Activation::tanh, 1);
      options.epochs = epochs.value_or(workload == "mlp_full" ? 5 : 2);
      if (workload == "mlp_minibatch") options.batch_size = 64;
    } else if (workload == "logreg_gd") {
      model = tg::make_logreg(n);
      options.epochs = epochs.value_or(100);
    } else if (workload == "logreg_lbfgs") {
      if (!target) throw std::runtime_error("peer_driver: logreg_lbfgs needs --target-loss");
      model = tg::make_logreg(n);
      options.epochs = epochs.value_or(1000);
      options.weight_decay = 1.0 / static_cast<double>(m);
      // Run on until the target is passed: no gradient or decrease test stops it first.
      options.optimizer = {
          .kind = tg::OptimizerKind::lbfgs, .tolerance = 1e-300, .min_decrease = 0.0};
    } else {
      throw std::runtime_error(fmt::format("peer_driver: {}: unknown workload", workload));
    }
    set_threads(options, threads);

    std::vector<Clock::time_point> ends;
    std::vector<double> losses;  // losses[k]: cost at the start of epoch k + 1
    ends.reserve(options.epochs);
    losses.reserve(options.epochs);
    const Clock::time_point start = Clock::now();
    tg::fit(model, X, y, options, [&](const tg::EpochStats& s) {
      ends.push_back(Clock::now());
      losses.push_back(s.loss);
    });
    const Clock::time_point end = Clock::now();

    std::vector<double> epoch_seconds;
    for (std::size_t k = 0; k < ends.size(); ++k) {
      epoch_seconds.push_back(seconds(k == 0 ? start : ends[k - 1], ends[k]));
    }
    const double final_loss = cost(model, X, y, options.weight_decay);
    std::string reach = "null";
    if (target) {
      // Epoch k + 1 reports the cost of the parameters the k-th iteration ended with (k = 0:
      // the start); the cost after the last iteration is final_loss, at the end of fit().
      for (std::size_t k = 0; k < losses.size() && reach == "null"; ++k) {
        if (losses[k] <= *target) {
          reach = fmt::format("{}", seconds(start, k == 0 ? start : ends[k - 1]));
        }
      }
      if (reach == "null" && final_loss <= *target) reach = fmt::format("{}", seconds(start, end));
    }
    fmt::print(
        "{{\"workload\": \"{}\", \"threads\": {}, \"fit_seconds\": {}, \"epoch_seconds\": [{}], "
        "\"final_loss\": {}, \"reach_seconds\": {}, \"epochs\": {}}}\n",
        workload, threads, seconds(start, end), fmt::join(epoch_seconds, ", "), final_loss, reach,
        ends.size());
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}\n", e.what());
    return 1;
  }
  return 0;
}
