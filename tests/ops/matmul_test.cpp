// matmul: Y = A B; dJ/dA = G B^T, dJ/dB = A^T G with G = dJ/dY.
#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

#include "support/op_check.hpp"

namespace tg = tapegrad;

TEST_CASE("matmul: 2x3 by 3x2 product and gradients G B^T and A^T G by hand") {
  tg::Tape tape;
  const tg::Var A = tape.param(tg::Tensor::from_rows({{1, 2, 3}, {4, 5, 6}}));
  const tg::Var B = tape.param(tg::Tensor::from_rows({{7, 8}, {9, 10}, {11, 12}}));
  const tg::Var Y = tg::matmul(A, B);
  CHECK(Y.op() == tg::OpKind::Matmul);
  CHECK(Y.value() == tg::Tensor::from_rows({{58, 64}, {139, 154}}));
  // J = sum(Y * G) with G = [[1, -1], [2, 0.5]].
  tape.backward(tg::sum(Y * tape.input(tg::Tensor::from_rows({{1, -1}, {2, 0.5}}))));
  CHECK(A.grad() == tg::Tensor::from_rows({{-1, -1, -1}, {18, 23, 28}}));
  CHECK(B.grad() == tg::Tensor::from_rows({{9, 1}, {12, 0.5}, {15, 0}}));
}

TEST_CASE("matmul: inner, outer and scalar-shaped products have the right shapes and values") {
  tg::Tape tape;
  const tg::Var row = tape.param(tg::Tensor::row({1, 2, 3}));
  const tg::Var col = tape.param(tg::Tensor::column({4, 5, 6}));
  CHECK(tg::matmul(row, col).value() == tg::Tensor(32.0));
  CHECK(tg::matmul(col, row).value() ==
        tg::Tensor::from_rows({{4, 8, 12}, {5, 10, 15}, {6, 12, 18}}));
  CHECK(tg::matmul(tape.param(2.0), row).value() == tg::Tensor::row({2, 4, 6}));
}

TEST_CASE("matmul: gradients match finite differences at random points for several shapes") {
  const tg::test::Graph product = [](std::span<const tg::Var> p) { return tg::matmul(p[0], p[1]); };
  const tg::Shape shapes[][2] = {
      {{2, 3}, {3, 4}}, {{1, 3}, {3, 1}},    {{3, 1}, {1, 4}}, {{1, 1}, {1, 3}},
      {{4, 4}, {4, 4}}, {{12, 17}, {17, 9}},  // large enough for Eigen's blocked product
  };
  for (const auto& s : shapes) {
    CAPTURE(s[0]);
    CAPTURE(s[1]);
    tg::test::check_gradients_at_random_points({{s[0], {}}, {s[1], {}}}, product, 2);
  }
}
