// Eigen's own kernels against OpenBLAS on the dense products of the training workloads (issue 13:
// "dense kernels on a BLAS ... chosen by measurement"). For every product it times, interleaved
// repetition by repetition, and prints the medians:
//   eigen       Eigen's GEMM (`C.noalias() += A * B`, row-major, the kernel that
//               ops/detail/gemm.cpp runs with its blocking in the tape) or GEMV for
//               matrix-vector products, compiled with this target's flags
//               (tapegrad_blas_compare: TAPEGRAD_BENCH_MARCH, e.g. native;
//               tapegrad_blas_compare_generic: the compiler's default x86-64, as the installed
//               library is built)
//   blas1       cblas_dgemm / cblas_dgemv (what EIGEN_USE_BLAS calls) on one OpenBLAS thread
//   blas2       the same on two OpenBLAS threads (the pthread or openmp build of OpenBLAS)
// and whether blas2's result is bit for bit blas1's (a BLAS whose result depends on its thread
// count would tie the training result to it). Which OpenBLAS build runs is chosen at run time:
//   LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-serial
//   build-bench/bench/tapegrad_blas_compare
// (the serial build ignores the thread count: blas2 is then one thread too).
//
//   tapegrad_blas_compare [repetitions = 7]
#include <cblas.h>

#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace {

using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Clock = std::chrono::steady_clock;

/// C (m x n) += op(A) op(B), depth k; a_t: A stored k x m (A^T read column-major), likewise b_t.
struct Product {
  const char* name;
  int m, n, k;
  bool a_t, b_t;
};

// The products of the issue 13 workloads (examples as rows; the examples-as-columns layout runs
// the same products transposed) and of W4, plus the matrix-vector products of logistic regression
// (n = 1: GEMV, which ops/detail/gemm.cpp leaves to Eigen's expressions).
const Product kProducts[] = {
    {"MLP full fwd  X W1     20000x500 * 500x16", 20000, 16, 500, false, false},
    {"MLP full bwd  X^T G1   500x20000 * 20000x16", 500, 16, 20000, true, false},
    {"MLP full fwd  H1 W2    20000x16 * 16x8", 20000, 8, 16, false, false},
    {"MLP full bwd  H1^T G2  16x20000 * 20000x8", 16, 8, 20000, true, false},
    {"MLP full bwd  G2 W2^T  20000x8 * 8x16", 20000, 16, 8, false, true},
    {"MLP batch fwd X W1     64x500 * 500x16", 64, 16, 500, false, false},
    {"MLP batch bwd X^T G1   500x64 * 64x16", 500, 16, 64, true, false},
    {"W4 fwd        X W1     50000x100 * 100x64", 50000, 64, 100, false, false},
    {"W4 bwd        X^T G1   100x50000 * 50000x64", 100, 64, 50000, true, false},
    {"W4 bwd        G1 W1^T  50000x64 * 64x100 (not taken)", 50000, 100, 64, false, true},
    {"logreg fwd    X w      20000x500 * 500x1", 20000, 1, 500, false, false},
    {"logreg bwd    X^T g    500x20000 * 20000x1", 500, 1, 20000, true, false},
    {"W3 fwd        X w      200000x100 * 100x1", 200000, 1, 100, false, false},
    {"W3 bwd        X^T g    100x200000 * 200000x1", 100, 1, 200000, true, false},
};

void eigen_product(const Product& p, const Matrix& A, const Matrix& B, Matrix& C) {
  using Map = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic>>;
  // A^T stored k x m row-major is A (m x k) column-major: read it so, as ops/detail/gemm.cpp
  // does.
  if (p.a_t && p.b_t) {
    C.noalias() += Map(A.data(), p.m, p.k) * Map(B.data(), p.k, p.n);
  } else if (p.a_t) {
    C.noalias() += Map(A.data(), p.m, p.k) * B;
  } else if (p.b_t) {
    C.noalias() += A * Map(B.data(), p.k, p.n);
  } else {
    C.noalias() += A * B;
  }
}

void blas_product(const Product& p, const Matrix& A, const Matrix& B, Matrix& C) {
  const int lda = static_cast<int>(A.cols());
  const int ldb = static_cast<int>(B.cols());
  if (p.n == 1 && !p.b_t) {
    // y += op(A) x
    cblas_dgemv(CblasRowMajor, p.a_t ? CblasTrans : CblasNoTrans, static_cast<int>(A.rows()), lda,
                1.0, A.data(), lda, B.data(), 1, 1.0, C.data(), 1);
    return;
  }
  cblas_dgemm(CblasRowMajor, p.a_t ? CblasTrans : CblasNoTrans, p.b_t ? CblasTrans : CblasNoTrans,
              p.m, p.n, p.k, 1.0, A.data(), lda, B.data(), ldb, 1.0, C.data(),
              static_cast<int>(C.cols()));
}

template <class F>
double time_it(F&& f, double min_seconds) {
  // Runs f at least once and until min_seconds have passed; seconds per call.
  int calls = 0;
  const Clock::time_point start = Clock::now();
  double elapsed = 0.0;
  do {
    f();
    ++calls;
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  } while (elapsed < min_seconds);
  return elapsed / calls;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::atoi(argv[1]) : 7;
  std::printf("OpenBLAS: %s, %d cores; Eigen SIMD: %s\n", openblas_get_config(),
              openblas_get_num_procs(), Eigen::SimdInstructionSetsInUse());
  std::printf(
      "| product | eigen | blas, 1 thread | blas, 2 threads | eigen / blas1 | "
      "blas2 == blas1 bitwise | |eigen - blas1| / |C| |\n|---|---|---|---|---|---|---|\n");
  std::srand(1);
  for (const Product& p : kProducts) {
    const Matrix A = p.a_t ? Matrix::Random(p.k, p.m) : Matrix::Random(p.m, p.k);
    const Matrix B = p.b_t ? Matrix::Random(p.n, p.k) : Matrix::Random(p.k, p.n);
    Matrix C = Matrix::Zero(p.m, p.n);
    std::vector<double> te, t1, t2;
    for (int r = 0; r < reps; ++r) {
      te.push_back(time_it([&] { eigen_product(p, A, B, C); }, 0.05));
      openblas_set_num_threads(1);
      t1.push_back(time_it([&] { blas_product(p, A, B, C); }, 0.05));
      openblas_set_num_threads(2);
      t2.push_back(time_it([&] { blas_product(p, A, B, C); }, 0.05));
    }
    // One product each from zero: agreement between the kernels and across thread counts.
    Matrix ce = Matrix::Zero(p.m, p.n), c1 = ce, c2 = ce;
    eigen_product(p, A, B, ce);
    openblas_set_num_threads(1);
    blas_product(p, A, B, c1);
    openblas_set_num_threads(2);
    blas_product(p, A, B, c2);
    const double me = median(te), m1 = median(t1), m2 = median(t2);
    const double gflop = 2.0 * p.m * p.n * p.k * 1e-9;
    auto cell = [&](double t) {
      return fmt::format("{:.3g} ms ({:.1f} GFLOP/s)", t * 1e3, gflop / t);
    };
    std::printf("| %s | %s | %s | %s | %.2f | %s | %.1e |\n", p.name, cell(me).c_str(),
                cell(m1).c_str(), cell(m2).c_str(), me / m1, c1 == c2 ? "yes" : "no",
                (ce - c1).cwiseAbs().maxCoeff() / c1.cwiseAbs().maxCoeff());
    std::fflush(stdout);
  }
  return 0;
}
