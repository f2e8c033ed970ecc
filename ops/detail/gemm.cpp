// The matrix product of two nodes' values and its backward pass (ops/detail/gemm.hpp).
#include "tapegrad/ops/detail/gemm.hpp"

#include <Eigen/Core>
#include <cstdint>
#include <limits>
#include <vector>

#if TAPEGRAD_BLAS
#include <cblas.h>
#endif

namespace tapegrad::detail {

namespace {
using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Map = Eigen::Map<Matrix>;
using ConstMap = Eigen::Map<const Matrix>;
ConstMap value_of(const Ctx& t, const Node& n) {
  return {values_of(t, n), static_cast<Eigen::Index>(n.rows), static_cast<Eigen::Index>(n.cols)};
}
Map grad_of(const Ctx& t, const Node& n) {
  return {t.grads + n.grad, static_cast<Eigen::Index>(n.rows), static_cast<Eigen::Index>(n.cols)};
}

// Eigen's level-3 blocking with its packing buffers in the tape's workspace: the same kernel and
// block sizes as `y.noalias() += a * b` (so the same result), but no heap allocation once the
// workspace has grown to the largest product of the graph.
class Blocking : public Eigen::internal::level3_blocking<double, double> {
 public:
  // For a row-major result Eigen computes the transposed product: rows and cols swap.
  Blocking(Eigen::Index rows, Eigen::Index cols, Eigen::Index depth, std::vector<double>& ws) {
    m_kc = depth;
    m_mc = cols;
    m_nc = rows;
    Eigen::internal::computeProductBlockingSizes<double, double, 1, Eigen::Index>(m_kc, m_mc, m_nc,
                                                                                  1);
    const auto a = static_cast<std::size_t>(m_kc * m_mc);
    const auto b = static_cast<std::size_t>(m_kc * m_nc);
    constexpr std::size_t kAlign = 64 / sizeof(double);                 // doubles per 64-byte line
    if (ws.size() < a + b + 2 * kAlign) ws.resize(a + b + 2 * kAlign);  // room to align both
    m_blockA = aligned(ws.data());
    m_blockB = aligned(m_blockA + a);
  }

 private:
  static double* aligned(double* p) {
    const auto address = reinterpret_cast<std::uintptr_t>(p);
    return reinterpret_cast<double*>((address + 63) & ~std::uintptr_t{63});
  }
};

// True when Eigen would run a rows x depth times depth x cols product through GEMM (the path that
// allocates packing buffers). Eigen sends vectors to GEMV and small products to coefficient loops,
// neither of which allocates; those keep using Eigen's expressions.
bool use_gemm(const Ctx& t, Eigen::Index rows, Eigen::Index cols, Eigen::Index depth) {
  return t.workspace != nullptr && rows > 1 && cols > 1 && depth > 1 &&
         rows + cols + depth >= EIGEN_GEMM_TO_COEFFBASED_THRESHOLD;
}

#if TAPEGRAD_BLAS
// OpenBLAS' dgemm, as gemm_add below, when the sizes fit its int arguments. A multi-threaded
// OpenBLAS build gives results that depend on its thread count, so it is set to one thread (the
// engine's own threads split the rows): the same bits as the serial build. Once warm it allocates
// nothing.
template <int LhsOrder, int RhsOrder>
bool blas_gemm_add(Eigen::Index rows, Eigen::Index cols, Eigen::Index depth,
                   Eigen::Index lhs_stride, Eigen::Index rhs_stride, const double* lhs,
                   const double* rhs, double* res) {
  constexpr Eigen::Index kMax = std::numeric_limits<int>::max();
  if (rows > kMax || cols > kMax || depth > kMax) return false;
  static const bool one_thread = [] {
    if (openblas_get_parallel() != 0) openblas_set_num_threads(1);
    return true;
  }();
  (void)one_thread;
  cblas_dgemm(CblasRowMajor, LhsOrder == Eigen::RowMajor ? CblasNoTrans : CblasTrans,
              RhsOrder == Eigen::RowMajor ? CblasNoTrans : CblasTrans, static_cast<int>(rows),
              static_cast<int>(cols), static_cast<int>(depth), 1.0, lhs,
              static_cast<int>(lhs_stride), rhs, static_cast<int>(rhs_stride), 1.0, res,
              static_cast<int>(cols));
  return true;
}
#endif

// res (rows x cols, row-major) += lhs (rows x depth) * rhs (depth x cols), lhs and rhs stored in
// the given orders: OpenBLAS' dgemm when the library is built with TAPEGRAD_BLAS (CMake option;
// measured in docs/performance.md, "BLAS"), else Eigen's GEMM with the tape's buffers.
template <int LhsOrder, int RhsOrder>
void gemm_add(const Ctx& t, Eigen::Index rows, Eigen::Index cols, Eigen::Index depth,
              const double* lhs, const double* rhs, double* res) {
  const Eigen::Index lhs_stride = LhsOrder == Eigen::RowMajor ? depth : rows;
  const Eigen::Index rhs_stride = RhsOrder == Eigen::RowMajor ? cols : depth;
#if TAPEGRAD_BLAS
  if (blas_gemm_add<LhsOrder, RhsOrder>(rows, cols, depth, lhs_stride, rhs_stride, lhs, rhs, res)) {
    return;
  }
#endif
  Blocking blocking(rows, cols, depth, *t.workspace);
  Eigen::internal::general_matrix_matrix_product<Eigen::Index, double, LhsOrder, false, double,
                                                 RhsOrder, false, Eigen::RowMajor,
                                                 1>::run(rows, cols, depth, lhs, lhs_stride, rhs,
                                                         rhs_stride, res, 1, cols, 1.0, blocking,
                                                         nullptr);
}

}  // namespace

void product_forward(const Ctx& t, const Node& a, const Node& b, double* y, std::size_t rows,
                     std::size_t cols) {
  Map out(y, static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
  if (use_gemm(t, out.rows(), out.cols(), a.cols)) {
    out.setZero();
    gemm_add<Eigen::RowMajor, Eigen::RowMajor>(t, out.rows(), out.cols(), a.cols, values_of(t, a),
                                               values_of(t, b), y);
  } else {
    out.noalias() = value_of(t, a) * value_of(t, b);
  }
}

void product_backward(const Ctx& t, const Node& a, const Node& b, const double* g, std::size_t rows,
                      std::size_t cols) {
  const ConstMap gm(g, static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
  // dJ/dA += G B^T (B^T is row-major B read column-major)
  if (a.grad != kNoGrad) {
    if (use_gemm(t, a.rows, a.cols, gm.cols())) {
      gemm_add<Eigen::RowMajor, Eigen::ColMajor>(t, a.rows, a.cols, gm.cols(), g, values_of(t, b),
                                                 t.grads + a.grad);
    } else {
      grad_of(t, a).noalias() += gm * value_of(t, b).transpose();
    }
  }
  // dJ/dB += A^T G (A^T is row-major A read column-major)
  if (b.grad != kNoGrad) {
    if (use_gemm(t, b.rows, b.cols, gm.rows())) {
      gemm_add<Eigen::ColMajor, Eigen::RowMajor>(t, b.rows, b.cols, gm.rows(), values_of(t, a), g,
                                                 t.grads + b.grad);
    } else {
      grad_of(t, b).noalias() += value_of(t, a).transpose() * gm;
    }
  }
}

}  // namespace tapegrad::detail
