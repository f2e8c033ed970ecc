// affine: y = alpha * x + beta, the one node behind every Var-with-double form: x + c, c + x,
// x - c, c - x, x * c, c * x and -x. dy/dx = alpha.
#include <functional>
#include <iterator>
#include <string_view>

#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

#include "support/op_check.hpp"

namespace tg = tapegrad;

namespace {

struct AffineForm {
  std::string_view name;
  std::function<tg::Var(const tg::Var&)> apply;
  double alpha;
  double beta;
};

// c = 2.5 throughout.
const AffineForm kForms[] = {
    {"x + c", [](const tg::Var& x) { return x + 2.5; }, 1.0, 2.5},
    {"c + x", [](const tg::Var& x) { return 2.5 + x; }, 1.0, 2.5},
    {"x - c", [](const tg::Var& x) { return x - 2.5; }, 1.0, -2.5},
    {"c - x", [](const tg::Var& x) { return 2.5 - x; }, -1.0, 2.5},
    {"x * c", [](const tg::Var& x) { return x * 2.5; }, 2.5, 0.0},
    {"c * x", [](const tg::Var& x) { return 2.5 * x; }, 2.5, 0.0},
    {"-x", [](const tg::Var& x) { return -x; }, -1.0, 0.0},
};

}  // namespace

TEST_CASE("affine: every Var-with-double form records one affine node with its alpha and beta") {
  for (const AffineForm& form : kForms) {
    CAPTURE(form.name);
    tg::Tape tape;
    const tg::Var x = tape.param(tg::Tensor::row({-2, 0.5, 4}));
    const tg::Var y = form.apply(x);
    REQUIRE(tape.size() == 2);
    CHECK(y.op() == tg::OpKind::Affine);
    const tg::NodeInfo info = tape.node(y.index());
    REQUIRE(info.constants.size() == 2);
    CHECK(info.constants[0] == form.alpha);
    CHECK(info.constants[1] == form.beta);
  }
}

TEST_CASE("affine: forward values are exact and the gradient is alpha") {
  // Every product and sum below is exact in binary floating point.
  const tg::Tensor xv = tg::Tensor::row({-2, 0.5, 4});
  const tg::Tensor expected[] = {
      tg::Tensor::row({0.5, 3, 6.5}),   tg::Tensor::row({0.5, 3, 6.5}),
      tg::Tensor::row({-4.5, -2, 1.5}), tg::Tensor::row({4.5, 2, -1.5}),
      tg::Tensor::row({-5, 1.25, 10}),  tg::Tensor::row({-5, 1.25, 10}),
      tg::Tensor::row({2, -0.5, -4}),
  };
  for (std::size_t i = 0; i < std::size(kForms); ++i) {
    CAPTURE(kForms[i].name);
    tg::Tape tape;
    const tg::Var x = tape.param(xv);
    const tg::Var y = kForms[i].apply(x);
    CHECK(y.value() == expected[i]);
    tape.backward(tg::sum(y));
    CHECK(x.grad() == tg::Tensor(1, 3, kForms[i].alpha));
  }
}

TEST_CASE("affine: gradients match finite differences at random points") {
  for (const AffineForm& form : kForms) {
    CAPTURE(form.name);
    tg::test::check_gradients_at_random_points(
        {{{2, 3}, {}}}, [&](std::span<const tg::Var> p) { return form.apply(p[0]); }, 2);
  }
}
