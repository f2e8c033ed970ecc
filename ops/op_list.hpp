// The op list: the one place that names every kind of node a tape can record.
//
// One line per kind, X(Kind, stem): the enumerator OpKind::Kind, its rule struct
// tapegrad::detail::KindRule in ops/stem.hpp, and its test file tests/ops/stem_test.cpp. The
// enum, the names and symbols, the forward and backward dispatch, the row rules of
// forward_backward() and NodeInfo's decoding are generated from this list (ops/op_kind.hpp,
// ops/op_table.cpp); CMake reads it too, to include the headers, compile ops/stem.cpp where there
// is one, and build the tests. Append new kinds at the end (the numbers of existing kinds stay).
// The first two are the leaves the engine creates itself.
//
// Adding an op: one line here, ops/<stem>.hpp, tests/ops/<stem>_test.cpp (docs/architecture.md).
#pragma once

// clang-format off
#define TAPEGRAD_OP_LIST(X)               \
  X(Input, leaf)                          \
  X(Param, leaf)                          \
  X(Detach, detach)                       \
  X(Add, add)                             \
  X(Sub, sub)                             \
  X(Mul, mul)                             \
  X(Div, div)                             \
  X(Affine, affine)                       \
  X(RDiv, rdiv)                           \
  X(Pow, pow)                             \
  X(Exp, exp)                             \
  X(Log, log)                             \
  X(Sigmoid, sigmoid)                     \
  X(Tanh, tanh)                           \
  X(Relu, relu)                           \
  X(Sum, sum)                             \
  X(Mean, mean)                           \
  X(Matmul, matmul)                       \
  X(Transpose, transpose)                 \
  X(LogLoss, log_loss)                    \
  X(LogLossWithLogits, log_loss_with_logits) \
  X(Mse, mse)                             \
  X(Custom, custom)                       \
  X(Softmax, softmax)                     \
  X(LogSoftmax, log_softmax)              \
  X(CrossEntropy, cross_entropy)          \
  X(Max, max)                             \
  X(Min, min)                             \
  X(Abs, abs)                             \
  X(Sqrt, sqrt)                           \
  X(Clamp, clamp)                         \
  X(Where, where)                         \
  X(Reshape, reshape)                     \
  X(Concat, concat)                       \
  X(SliceRows, slice_rows)                \
  X(GatherRows, gather_rows)             \
  X(Linear, linear)                       \
  X(Dense, dense)
// clang-format on
