// Eigen references shared by the models tests that solve problems independently (kept apart from
// helpers.hpp so that the other tests do not compile Eigen).
#pragma once

#include <Eigen/Dense>

#include "models/helpers.hpp"

namespace tapegrad::test {

/// A copy of t as an Eigen matrix (for independent reference computations).
inline Eigen::MatrixXd to_eigen(TensorView t) {
  Eigen::MatrixXd out(static_cast<Eigen::Index>(t.rows()), static_cast<Eigen::Index>(t.cols()));
  for (std::size_t i = 0; i < t.rows(); ++i) {
    for (std::size_t j = 0; j < t.cols(); ++j) {
      out(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = t(i, j);
    }
  }
  return out;
}

/// The minimiser θ = (w, b) of (1/m)||X w + b - y||² + (λ/2)||w||², solved independently from
/// the normal equations ([X 1]ᵀ[X 1] + (λ m / 2) diag(1, .., 1, 0)) θ = [X 1]ᵀ y (Eigen LDLT).
inline Eigen::VectorXd ridge_solution(TensorView X, TensorView y, double lambda) {
  const auto m = static_cast<Eigen::Index>(X.rows()), n = static_cast<Eigen::Index>(X.cols());
  Eigen::MatrixXd A(m, n + 1);
  A << to_eigen(X), Eigen::VectorXd::Ones(m);
  Eigen::MatrixXd normal = A.transpose() * A;
  for (Eigen::Index j = 0; j < n; ++j) normal(j, j) += lambda * static_cast<double>(m) / 2.0;
  return normal.ldlt().solve(A.transpose() * to_eigen(y));
}

}  // namespace tapegrad::test
