// Internal: the matrix product Y = A B of two nodes' values and its backward pass, shared by
// matmul (Y is its value) and dense (Z = A W + b: the product, then the bias). Eigen sends vectors
// to GEMV and small products to coefficient loops; larger ones run Eigen's GEMM kernel with its
// packing buffers in the tape's workspace (so a warm replay allocates nothing), or OpenBLAS'
// dgemm when the library is built with TAPEGRAD_BLAS. Both callers therefore get the same bits for
// the same operands.
#pragma once

#include <cstddef>

#include "tapegrad/engine/detail/rules.hpp"
#include "tapegrad/engine/tape.hpp"

namespace tapegrad::detail {

/// y (rows x cols, row-major) = A B, A the value of node a (rows x a.cols), B the value of node b
/// (a.cols x cols).
void product_forward(const Ctx& t, const Node& a, const Node& b, double* y, std::size_t rows,
                     std::size_t cols);
/// With G = dJ/dY (rows x cols, row-major) for Y = A B as above: dJ/dA += G B^T into a's
/// gradient, then dJ/dB += A^T G into b's, each when the node has a gradient.
void product_backward(const Ctx& t, const Node& a, const Node& b, const double* g, std::size_t rows,
                      std::size_t cols);

}  // namespace tapegrad::detail
