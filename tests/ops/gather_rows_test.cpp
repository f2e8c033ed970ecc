// gather_rows: the rows of x named by an input of row numbers; the gradient is scattered back and
// adds up over repeated rows; changing the indices with tape.set() replays another mini-batch.
#include <cmath>

#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

#include "support/op_check.hpp"

namespace tg = tapegrad;
using tg::test::near;

TEST_CASE("gather_rows: values, and gradients that add up over repeated rows") {
  tg::Tape tape;
  const tg::Var x = tape.param(tg::Tensor::from_rows({{1, 2}, {3, 4}, {5, 6}}));
  const tg::Var y = tg::gather_rows(x, tape.input(tg::Tensor::column({2, 0, 2, 2})));
  CHECK(y.op() == tg::OpKind::GatherRows);
  CHECK(y.value() == tg::Tensor::from_rows({{5, 6}, {1, 2}, {5, 6}, {5, 6}}));
  tape.backward(tg::sum(y * tape.input(tg::Tensor::from_rows({{1, 2}, {3, 4}, {5, 6}, {7, 8}}))));
  CHECK(x.grad() == tg::Tensor::from_rows({{3, 4}, {0, 0}, {13, 16}}));
}

TEST_CASE("gather_rows: mini-batches by tape.set() on the indices, without recording again") {
  // logistic regression on a data set of 6 rows, trained on mini-batches of 2
  const tg::Tensor data = tg::Tensor::from_rows({{1, 0}, {0, 1}, {1, 1}, {-1, 0}, {0, -1}, {2, 1}});
  const tg::Tensor labels = tg::Tensor::column({1, 0, 1, 0, 0, 1});
  tg::Tape tape;
  const tg::Var X = tape.input(data), Y = tape.input(labels);
  const tg::Var batch = tape.input(tg::Tensor::column({0, 1}));
  const tg::Var w = tape.param(tg::Tensor::column({0.5, -0.25}));
  const tg::Var J = tg::mean(tg::log_loss_with_logits(tg::matmul(tg::gather_rows(X, batch), w),
                                                      tg::gather_rows(Y, batch)));
  const std::size_t nodes = tape.size();
  for (const auto& [i, j] : {std::pair{2.0, 5.0}, std::pair{3.0, 3.0}, std::pair{4.0, 0.0}}) {
    tape.set(batch, tg::Tensor::column({i, j}));
    tape.forward();
    tape.zero_grad();
    tape.backward(J);
    // the same batch recorded directly
    tg::Tape ref;
    const tg::Var rw = ref.param(tg::Tensor::column({0.5, -0.25}));
    const auto row = [&](const tg::Tensor& t, double r) {
      tg::Tensor out(1, t.cols());
      for (std::size_t c = 0; c < t.cols(); ++c) out(0, c) = t(static_cast<std::size_t>(r), c);
      return out;
    };
    const tg::Var RX =
        ref.input(tg::concat({ref.input(row(data, i)), ref.input(row(data, j))}).value());
    const tg::Var RY = ref.input(tg::Tensor::column(
        {labels[static_cast<std::size_t>(i)], labels[static_cast<std::size_t>(j)]}));
    const tg::Var RJ = tg::mean(tg::log_loss_with_logits(tg::matmul(RX, rw), RY));
    ref.backward(RJ);
    CHECK(J.item() == near(RJ.item(), 1e-15));
    CHECK(w.grad() == near(rw.grad(), 1e-15));
  }
  CHECK(tape.size() == nodes);
}

TEST_CASE("gather_rows: gradients match finite differences at random points and edge values") {
  const tg::Tensor indices = tg::Tensor::column({3, 0, 3, 1, 3});
  tg::test::check_gradients_at_random_points({{{4, 3}, {}}}, [&](std::span<const tg::Var> p) {
    return tg::gather_rows(p[0], p[0].tape().input(indices));
  });
  tg::test::check_gradients(
      {tg::Tensor::column({1e300, -800, -1e300})}, [](std::span<const tg::Var> p) {
        return tg::gather_rows(p[0], p[0].tape().input(tg::Tensor::column({2, 2, 0})));
      });
}

TEST_CASE("gather_rows: bad indices are refused when recorded and when replayed") {
  tg::Tape tape;
  const tg::Var x = tape.param(tg::Tensor(3, 2, 0.0));
  const auto gather = [&](const tg::Tensor& i) { return tg::gather_rows(x, tape.input(i)); };
  CHECK_THROWS_WITH_AS(gather(tg::Tensor::column({0, 3})),
                       "gather_rows: indices: row 1 holds 3, which is not a row number in 0..2",
                       tg::Error);
  CHECK_THROWS_WITH_AS(gather(tg::Tensor::column({1.5})),
                       "gather_rows: indices: row 0 holds 1.5, which is not a row number in 0..2",
                       tg::Error);
  CHECK_THROWS_WITH_AS(gather(tg::Tensor::column({0, -1})),
                       "gather_rows: indices: row 1 holds -1, which is not a row number in 0..2",
                       tg::Error);
  CHECK_THROWS_WITH_AS(
      gather(tg::Tensor::row({0, 1})),
      "gather_rows: indices: has shape 1x2; it must be one column (one row number per row)",
      tg::Error);
  CHECK_THROWS_WITH_AS(
      tg::gather_rows(x, tape.param(tg::Tensor::column({0, 1}))),
      "gather_rows: indices: depends on a param; it must be data (an input), with no gradient",
      tg::Error);
  const tg::Var i = tape.input(tg::Tensor::column({0, 1}));
  const tg::Var J = tg::sum(tg::gather_rows(x, i));
  tape.set(i, tg::Tensor::column({0, 7}));
  CHECK_THROWS_WITH_AS(tape.forward(),
                       "gather_rows: indices: row 1 holds 7, which is not a row number in 0..2",
                       tg::Error);
  CHECK_THROWS_WITH_AS(tape.backward(J),
                       "gather_rows: indices: row 1 holds 7, which is not a row number in 0..2",
                       tg::Error);
}

TEST_CASE("gather_rows: a mini-batch of a whole data set runs over blocks of its indices' rows") {
  // x: 40 x 3 data (input) or table (param), not a batch node; indices: the batch of 23 rows.
  tg::test::Rng rng;
  const tg::Tensor data = tg::test::Range{-1.0, 1.0}.draw(rng, {40, 3});
  tg::Tensor picked(23, 1);
  for (std::size_t r = 0; r < 23; ++r) picked[r] = static_cast<double>((r * 7 + 3) % 40);
  for (const bool table : {false, true}) {
    INFO("x a param: ", table);
    tg::Tape plain, blocked;
    std::vector<tg::Var> params[2];
    tg::Var roots[2], indices[2];
    tg::Tape* tapes[2] = {&plain, &blocked};
    for (int k = 0; k < 2; ++k) {
      tg::Tape& t = *tapes[k];
      const tg::Var x = table ? t.param(data) : t.input(data);
      const tg::Var w = t.param(tg::Tensor::column({0.5, -1.0, 2.0}));
      indices[k] = t.input(picked);
      roots[k] =
          tg::mean(tg::tanh(tg::matmul(tg::gather_rows(x, indices[k]), w))) + 0.5 * tg::sum(w * w);
      params[k] = {w};
      if (table) params[k].push_back(x);
    }
    REQUIRE(blocked.blockable(roots[1]));
    plain.forward();
    plain.backward(roots[0]);
    for (const std::size_t threads : {1, 2}) {
      blocked.zero_grad();
      blocked.forward_backward(roots[1], {.block_rows = 5, .threads = threads});
      CHECK(roots[1].item() == near(roots[0].item(), 1e-15));
      for (std::size_t i = 0; i < params[0].size(); ++i) {
        CHECK(params[1][i].grad() == near(params[0][i].grad(), 1e-15, 1e-16));
      }
    }
    // A bad index in a later block: the message names its row in the whole batch, as forward().
    picked[17] = 40;
    tg::Tape& t = blocked;
    t.set(indices[1], picked);
    CHECK_THROWS_WITH_AS(t.forward_backward(roots[1], {.block_rows = 5, .threads = 2}),
                         "gather_rows: indices: row 17 holds 40, which is not a row number in "
                         "0..39",
                         tg::Error);
    picked[17] = 2;
  }
}
