// FitOptions::reduce over real processes (issue 16): every MPI rank trains on its own share of
// the breast cancer rows (contiguous, as even as can be), its reducer MPI_Allreduce with MPI_SUM
// on doubles; every rank also trains on all the rows in one process, and checks, for full-batch
// gd and L-BFGS, that the final loss and the parameters agree with that to 1e-9 relative, and
// that every rank holds the same parameters bit for bit (minimum and maximum over the ranks).
// Exit 0 when every check passes on every rank, 1 otherwise; one line per check from rank 0.
// Run by ctest under mpirun with 1, 2 and 3 ranks (tests/mpi/CMakeLists.txt).
#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <span>
#include <vector>

#include <fmt/format.h>

#include <tapegrad/tapegrad.hpp>

namespace tg = tapegrad;

namespace {

double rel_error(double a, double b) {
  const double scale = std::max(std::abs(a), std::abs(b));
  return scale == 0.0 ? 0.0 : std::abs(a - b) / scale;
}

void all_reduce(std::span<double> values, MPI_Op op) {
  MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_DOUBLE, op,
                MPI_COMM_WORLD);
}

/// Rows [first, first + count) of X and y.
std::pair<tg::Tensor, tg::Tensor> share(const tg::Dataset& d, std::size_t first,
                                        std::size_t count) {
  tg::Tensor X(count, d.features()), y(count, 1);
  for (std::size_t i = 0; i < count; ++i) {
    for (std::size_t j = 0; j < d.features(); ++j) X(i, j) = d.X(first + i, j);
    y[i] = d.y[first + i];
  }
  return {std::move(X), std::move(y)};
}

/// True when every check passes on this rank; rank 0 prints one line per optimizer.
bool run(const char* path, int rank, int ranks) {
  const tg::Dataset d = tg::read_csv(path, "malignant");
  const std::size_t m = d.size(), r = static_cast<std::size_t>(rank);
  const std::size_t p = static_cast<std::size_t>(ranks);
  const std::size_t first = m * r / p, last = m * (r + 1) / p;
  auto [X, y] = share(d, first, last - first);
  tg::Model start = tg::make_logreg(d.features());
  start.standardizer = tg::Standardizer::fit(d.X);
  bool ok = true;
  for (const tg::OptimizerKind kind : {tg::OptimizerKind::gd, tg::OptimizerKind::lbfgs}) {
    tg::FitOptions options;
    options.optimizer.kind = kind;
    options.epochs = kind == tg::OptimizerKind::gd ? 50 : 100;
    options.weight_decay = 1.0 / static_cast<double>(m);
    options.threads = 1;
    tg::Model single = start;
    const std::vector<tg::EpochStats> one = tg::fit(single, d.X, d.y, options);
    options.reduce = [](std::span<double> values) { all_reduce(values, MPI_SUM); };
    tg::Model model = start;
    const std::vector<tg::EpochStats> many = tg::fit(model, X, y, options);

    const double loss_error = rel_error(many.back().loss, one.back().loss);
    double param_error = 0.0;
    std::vector<double> low, high;
    for (std::size_t i = 0; i < model.params.size(); ++i) {
      for (std::size_t k = 0; k < model.params[i].size(); ++k) {
        const double a = model.params[i][k], b = single.params[i][k];
        param_error = std::max(param_error, std::abs(a - b) / std::max(std::abs(b), 1e-3));
        low.push_back(a);
        high.push_back(a);
      }
    }
    all_reduce(low, MPI_MIN);
    all_reduce(high, MPI_MAX);
    const bool same = low == high;
    const bool passed =
        many.size() == one.size() && loss_error <= 1e-9 && param_error <= 1e-9 && same;
    ok = ok && passed;
    if (rank == 0) {
      fmt::print(
          "{}: {} ranks: {} epochs (one process {}), final loss {:.17g} (one process "
          "{:.17g}), relative difference {:.3g}, parameters {:.3g}, {} on every rank: {}\n",
          tg::to_string(kind), ranks, many.size(), one.size(), many.back().loss, one.back().loss,
          loss_error, param_error, same ? "the same" : "NOT the same", passed ? "ok" : "FAILED");
    }
  }
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, ranks = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  double failed = 0.0;
  try {
    if (argc != 2) {
      if (rank == 0) std::fputs("usage: tapegrad_mpi_fit DATA.csv\n", stderr);
      MPI_Abort(MPI_COMM_WORLD, 2);
    }
    failed = run(argv[1], rank, ranks) ? 0.0 : 1.0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "rank {}: {}\n", rank, e.what());
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 1);  // the other ranks may wait in MPI_Allreduce: stop them all
  }
  all_reduce(std::span<double>(&failed, 1), MPI_MAX);
  MPI_Finalize();
  return failed == 0.0 ? 0 : 1;
}
