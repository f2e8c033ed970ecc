// reshape: the same elements in row-major order, read as another shape; the gradient is x's,
// element for element.
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

#include "support/op_check.hpp"

namespace tg = tapegrad;

TEST_CASE("reshape: row-major order is kept, the gradient flows back element for element") {
  tg::Tape tape;
  const tg::Var x = tape.param(tg::Tensor::from_rows({{1, 2, 3}, {4, 5, 6}}));
  const tg::Var y = tg::reshape(x, {3, 2});
  CHECK(y.op() == tg::OpKind::Reshape);
  CHECK(y.value() == tg::Tensor::from_rows({{1, 2}, {3, 4}, {5, 6}}));
  CHECK(tg::reshape(x, {1, 6}).value() == tg::Tensor::row({1, 2, 3, 4, 5, 6}));
  CHECK(tg::reshape(x, {6, 1}).value() == tg::Tensor::column({1, 2, 3, 4, 5, 6}));
  tape.backward(tg::sum(y * tape.input(tg::Tensor::from_rows({{1, 2}, {3, 4}, {5, 6}}))));
  CHECK(x.grad() == tg::Tensor::from_rows({{1, 2, 3}, {4, 5, 6}}));
  const std::vector<std::string> inputs{"x"};
  CHECK(tg::op_expression(tape.node(y.index()), inputs) == "reshape(x, 3x2)");
}

TEST_CASE("reshape: gradients match finite differences at random points and edge values") {
  tg::test::check_gradients_at_random_points({{{2, 6}, {}}}, [](std::span<const tg::Var> p) {
    return tg::reshape(p[0], {4, 3});
  });
  // through a non-linear op after it, so that every element's weight differs from the reshape's
  tg::test::check_gradients_at_random_points({{{2, 3}, {}}}, [](std::span<const tg::Var> p) {
    return tg::softmax(tg::reshape(p[0], {3, 2}));
  });
  tg::test::check_gradients({tg::Tensor::row({1e300, -800, 0, 1e-300})},
                            [](std::span<const tg::Var> p) {
                              return tg::reshape(p[0], {2, 2});
                            });
}

TEST_CASE("reshape: errors name the op and the argument") {
  tg::Tape tape;
  const tg::Var x = tape.param(tg::Tensor(2, 3, 0.0));
  CHECK_THROWS_WITH_AS(tg::reshape(x, {4, 2}), "reshape: shape: 4x2 has 8 elements, x (2x3) has 6",
                       tg::Error);
  CHECK_THROWS_WITH_AS(tg::reshape(x, {0, 6}), doctest::Contains("reshape: shape: "), tg::Error);
  CHECK_THROWS_WITH_AS(tg::reshape(tg::Var(), {1, 1}),
                       "reshape: x: empty Var (default-constructed, not from a tape)", tg::Error);
}
