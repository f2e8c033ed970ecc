#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "models/helpers.hpp"

namespace tg = tapegrad;
using tg::test::rel_error;

namespace {

/// A deterministic batch: X n x m in [-2, 2), Y in {0, 1}, w in [-1, 1).
struct Batch {
  tg::Tensor X, Y, w;
  double b;
};

Batch make_batch(std::size_t n, std::size_t m, std::uint64_t seed) {
  tg::Rng rng(seed);
  Batch batch{tg::Tensor(n, m), tg::Tensor(1, m), tg::Tensor(n, 1), rng.uniform(-0.5, 0.5)};
  for (double& v : batch.X) v = rng.uniform(-2.0, 2.0);
  for (double& v : batch.Y) v = static_cast<double>(rng.below(2));
  for (double& v : batch.w) v = rng.uniform(-1.0, 1.0);
  return batch;
}

/// The tape's gradients of the vectorized graph at `batch`.
struct TapeGradient {
  tg::Tensor dw;
  double db;
  double J;
  tg::Tensor A;
};

TapeGradient vectorized(const Batch& batch, tg::LossForm form) {
  tg::Tape tape;
  const tg::LogisticGraph g = tg::record_logistic_graph(tape, batch.X.rows(), batch.X.cols(), form);
  tape.set(g.X, batch.X);
  tape.set(g.Y, batch.Y);
  tape.set(g.w, batch.w);
  tape.set(g.b, batch.b);
  tape.forward();
  tape.backward(g.J);
  return {g.w.grad().to_tensor(), g.b.grad().item(), g.J.item(), g.A.value().to_tensor()};
}

}  // namespace

TEST_CASE("logistic: the lecture's scalar graph carries the slide's labels and values") {
  tg::Tape tape;
  const std::vector<double> x{1.0, 2.0, -0.5}, w{0.5, -0.25, 0.75};
  const tg::LectureGraph g = tg::record_lecture_graph(tape, x, w, 0.1, 1.0);
  REQUIRE(g.x.size() == 3);
  CHECK(g.x[0].label() == "x1");
  CHECK(g.x[2].label() == "x3");
  CHECK(g.w[1].label() == "w2");
  CHECK(g.b.label() == "b");
  CHECK(g.y.label() == "y");
  CHECK(g.z.label() == "z");
  CHECK(g.a.label() == "a");
  CHECK(g.L.label() == "L");
  CHECK_FALSE(g.x[0].requires_grad());
  CHECK(g.w[0].requires_grad());
  const double z = 0.5 * 1.0 + -0.25 * 2.0 + 0.75 * -0.5 + 0.1;
  const double a = 1.0 / (1.0 + std::exp(-z));
  CHECK(g.z.item() == z);
  CHECK(rel_error(g.a.item(), a) < 1e-15);
  CHECK(rel_error(g.L.item(), -std::log(a)) < 1e-14);
  CHECK_THROWS_WITH_AS((void)tg::record_lecture_graph(tape, x, std::vector<double>{1.0}, 0, 0),
                       "record_lecture_graph: x, w: expected equal positive lengths, found 3 and 1",
                       tg::Error);
}

TEST_CASE("logistic: autodiff matches the closed form on single examples to 1e-12") {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const Batch batch = make_batch(4, 1, seed);
    tg::Tape tape;
    const std::vector<double> x(batch.X.begin(), batch.X.end()), w(batch.w.begin(), batch.w.end());
    const tg::LectureGraph g = tg::record_lecture_graph(tape, x, w, batch.b, batch.Y[0]);
    tape.backward(g.L);
    const tg::LogisticGradient closed = tg::logistic_gradient(batch.X, batch.Y, batch.w, batch.b);
    CAPTURE(seed);
    // dz = a - y, dw_i = x_i dz, db = dz
    CHECK(rel_error(g.z.grad().item(), closed.A[0] - batch.Y[0]) <= 1e-12);
    for (std::size_t i = 0; i < 4; ++i)
      CHECK(rel_error(g.w[i].grad().item(), closed.dw[i]) <= 1e-12);
    CHECK(rel_error(g.b.grad().item(), closed.db) <= 1e-12);
    CHECK(rel_error(g.L.item(), closed.cost) <= 1e-12);
  }
}

TEST_CASE("logistic: autodiff matches the closed form on batches to 1e-12, both loss forms") {
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    const Batch batch = make_batch(5, 17, seed);
    const tg::LogisticGradient closed = tg::logistic_gradient(batch.X, batch.Y, batch.w, batch.b);
    for (tg::LossForm form : {tg::LossForm::logits, tg::LossForm::lecture}) {
      const TapeGradient tape = vectorized(batch, form);
      CAPTURE(seed);
      CAPTURE(static_cast<int>(form));
      for (std::size_t i = 0; i < 5; ++i) CHECK(rel_error(tape.dw[i], closed.dw[i]) <= 1e-12);
      CHECK(rel_error(tape.db, closed.db) <= 1e-12);
      CHECK(rel_error(tape.J, closed.cost) <= 1e-12);
      for (std::size_t i = 0; i < 17; ++i) CHECK(rel_error(tape.A[i], closed.A[i]) <= 1e-15);
    }
  }
}

TEST_CASE("logistic: the scalar graph per example and the vectorized graph agree") {
  const Batch batch = make_batch(3, 6, 99);
  const TapeGradient vec = vectorized(batch, tg::LossForm::lecture);
  tg::Tensor dw(3, 1);
  double db = 0.0, J = 0.0;
  for (std::size_t i = 0; i < 6; ++i) {
    tg::Tape tape;
    const std::vector<double> x{batch.X(0, i), batch.X(1, i), batch.X(2, i)};
    const std::vector<double> w(batch.w.begin(), batch.w.end());
    const tg::LectureGraph g = tg::record_lecture_graph(tape, x, w, batch.b, batch.Y[i]);
    tape.backward(g.L);
    for (std::size_t k = 0; k < 3; ++k) dw[k] += g.w[k].grad().item() / 6.0;
    db += g.b.grad().item() / 6.0;
    J += g.L.item() / 6.0;
    CHECK(rel_error(g.a.item(), vec.A[i]) <= 1e-15);
  }
  for (std::size_t k = 0; k < 3; ++k) CHECK(rel_error(dw[k], vec.dw[k]) <= 1e-12);
  CHECK(rel_error(db, vec.db) <= 1e-12);
  CHECK(rel_error(J, vec.J) <= 1e-12);
}

TEST_CASE("logistic: the stable form stays finite where the lecture form saturates") {
  // z = 40: sigmoid rounds to 1, so the lecture form's loss for y = 0 is log(1 - 1) = inf
  Batch batch{tg::Tensor::from_rows({{40.0, -1.0}}), tg::Tensor::row({0.0, 1.0}),
              tg::Tensor::column({1.0}), 0.0};
  const TapeGradient stable = vectorized(batch, tg::LossForm::logits);
  const TapeGradient lecture = vectorized(batch, tg::LossForm::lecture);
  CHECK(std::isfinite(stable.J));
  CHECK(rel_error(stable.J, (40.0 + std::log1p(std::exp(-40.0)) + std::log1p(std::exp(1.0))) / 2) <
        1e-14);
  CHECK(std::isinf(lecture.J));
  CHECK(std::isfinite(stable.dw[0]));
}

TEST_CASE("logistic: one recording replays new batches (set X and Y, forward, backward)") {
  tg::Tape tape;
  const tg::LogisticGraph g = tg::record_logistic_graph(tape, 4, 9);
  const std::size_t nodes = tape.size();
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    const Batch batch = make_batch(4, 9, seed);
    tape.set(g.X, batch.X);
    tape.set(g.Y, batch.Y);
    tape.set(g.w, batch.w);
    tape.set(g.b, batch.b);
    tape.forward();
    tape.zero_grad();
    tape.backward(g.J);
    const tg::LogisticGradient closed = tg::logistic_gradient(batch.X, batch.Y, batch.w, batch.b);
    for (std::size_t i = 0; i < 4; ++i) CHECK(rel_error(g.w.grad()[i], closed.dw[i]) <= 1e-12);
    CHECK(rel_error(g.b.grad().item(), closed.db) <= 1e-12);
  }
  CHECK(tape.size() == nodes);
  CHECK(g.Z.label() == "Z");
  CHECK(g.J.label() == "J");
}

TEST_CASE("logistic: the closed form checks its shapes") {
  CHECK_THROWS_WITH_AS(
      (void)tg::logistic_gradient(tg::Tensor(2, 3), tg::Tensor(1, 2), tg::Tensor(2, 1), 0.0),
      "logistic_gradient: shapes: expected X n x m, Y 1 x m, w n x 1 with m > 0, found 2x3, 1x2 "
      "and 2x1",
      tg::Error);
}
