// The lecture's graphs, checked against the derivatives the lecture works out by hand.
#include <cmath>
#include <vector>

#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

#include "support/graphs.hpp"
#include "support/op_check.hpp"

namespace tg = tapegrad;
using tg::test::near;

namespace {

// The lecture's closed forms for one example.
struct LogisticClosedForm {
  double z, a, L, da, dz, dw1, dw2, db;
};

LogisticClosedForm closed_form(const tg::test::LogisticPoint& p) {
  LogisticClosedForm c{};
  c.z = p.w1 * p.x1 + p.w2 * p.x2 + p.b;
  c.a = tg::test::logistic(c.z);
  c.L = -(p.y * std::log(c.a) + (1.0 - p.y) * std::log(1.0 - c.a));
  c.da = -p.y / c.a + (1.0 - p.y) / (1.0 - c.a);
  c.dz = c.a - p.y;
  c.dw1 = p.x1 * c.dz;
  c.dw2 = p.x2 * c.dz;
  c.db = c.dz;
  return c;
}

}  // namespace

TEST_CASE("lecture graph J = 3(a + b*c) at a=5, b=3, c=2 gives J=33 and dJ/da=3, db=6, dc=9") {
  tg::Tape tape;
  const tg::Var a = tape.param(5.0, "a"), b = tape.param(3.0, "b"), c = tape.param(2.0, "c");
  const tg::Var u = b * c;
  const tg::Var v = a + u;
  const tg::Var J = 3.0 * v;
  tape.backward(J);
  CHECK(u.item() == 6.0);
  CHECK(v.item() == 11.0);
  CHECK(J.item() == 33.0);
  CHECK(J.grad().item() == 1.0);
  CHECK(v.grad().item() == 3.0);  // dJ/dv = 3
  CHECK(u.grad().item() == 3.0);  // dJ/du = dJ/dv * dv/du = 3 * 1
  CHECK(a.grad().item() == 3.0);  // dJ/da = dJ/dv * dv/da = 3 * 1
  CHECK(b.grad().item() == 6.0);  // dJ/db = dJ/du * c = 3 * 2
  CHECK(c.grad().item() == 9.0);  // dJ/dc = dJ/du * b = 3 * 3
}

TEST_CASE("lecture logistic step matches the closed forms da, dz, dw1, dw2, db at 128 points") {
  tg::test::Rng rng;
  for (int i = 0; i < 128; ++i) {
    const tg::test::LogisticPoint p = tg::test::LogisticPoint::random(rng);
    const LogisticClosedForm c = closed_form(p);
    tg::Tape tape;
    const tg::test::LogisticGraph g = tg::test::record(tape, p);
    tape.backward(g.L);
    CAPTURE(i);
    CHECK(g.z.item() == near(c.z, 1e-12, 1e-15));
    CHECK(g.a.item() == near(c.a, 1e-12));
    CHECK(g.L.item() == near(c.L, 1e-12));
    CHECK(g.a.grad().item() == near(c.da, 1e-12));
    CHECK(g.z.grad().item() == near(c.dz, 1e-12));
    CHECK(g.w1.grad().item() == near(c.dw1, 1e-12));
    CHECK(g.w2.grad().item() == near(c.dw2, 1e-12));
    CHECK(g.b.grad().item() == near(c.db, 1e-12));
  }
}

TEST_CASE("lecture logistic step at x=(1,2), y=1, w=(0.5,-0.25), b=0.1 gives the issue's numbers") {
  const tg::test::LogisticPoint p{1.0, 2.0, 1.0, 0.5, -0.25, 0.1};
  tg::Tape tape;
  const tg::test::LogisticGraph g = tg::test::record(tape, p);
  tape.backward(g.L);
  // The decimals quoted in the issue.
  CHECK(g.L.item() == near(0.644396, 0.0, 1e-6));
  CHECK(g.a.grad().item() == near(-1.904837, 0.0, 1e-6));
  CHECK(g.z.grad().item() == near(-0.475021, 0.0, 1e-6));
  CHECK(g.w1.grad().item() == near(-0.475021, 0.0, 1e-6));
  CHECK(g.w2.grad().item() == near(-0.950041, 0.0, 1e-6));
  CHECK(g.b.grad().item() == near(-0.475021, 0.0, 1e-6));
  // The closed forms at this point, to rounding: z = 0.1, a = σ(0.1), y = 1 so L = -log a,
  // da = -1/a, dz = a - 1, dw1 = dz, dw2 = 2 dz, db = dz.
  const LogisticClosedForm c = closed_form(p);
  CHECK(g.z.item() == near(0.1, 1e-15));
  CHECK(g.L.item() == near(-std::log(c.a), 1e-15));
  CHECK(g.a.grad().item() == near(-1.0 / c.a, 1e-15));
  CHECK(g.z.grad().item() == near(c.a - 1.0, 1e-14));
  CHECK(g.w1.grad().item() == near(c.dw1, 1e-14));
  CHECK(g.w2.grad().item() == near(c.dw2, 1e-14));
  CHECK(g.b.grad().item() == near(c.db, 1e-14));
}

TEST_CASE("vectorized logistic regression gives dw = X (A - Y)^T / m and db = mean(A - Y)") {
  const std::size_t n = 4, m = 16;
  tg::test::Rng rng;
  const tg::test::Range r{-2.0, 2.0};
  const tg::Tensor Xv = r.draw(rng, {n, m}), wv = r.draw(rng, {n, 1});
  tg::Tensor Yv(1, m);
  for (double& y : Yv) y = rng.bit();
  const double bv = 0.3;

  tg::Tape tape;
  const tg::Var X = tape.input(Xv, "X"), Y = tape.input(Yv, "Y");
  const tg::Var w = tape.param(wv, "w"), b = tape.param(bv, "b");
  const tg::Var Z = tg::matmul(tg::transpose(w), X) + b;
  const tg::Var A = tg::sigmoid(Z);
  const tg::Var J = tg::mean(tg::log_loss(A, Y));
  tape.backward(J);
  REQUIRE(Z.shape() == tg::Shape{1, m});
  REQUIRE(w.grad().shape() == tg::Shape{n, 1});
  REQUIRE(b.grad().shape() == tg::Shape{1, 1});

  // Closed forms: A_j = σ(w·x_j + b), dZ = A - Y, dw = X dZ^T / m, db = sum(dZ) / m. A sum with
  // terms of both signs can cancel, so each is compared within 1e-12 of the sum of the terms'
  // magnitudes (the scale of its rounding error).
  std::vector<double> dZ(m);
  double J_closed = 0.0, db = 0.0, db_scale = 0.0;
  for (std::size_t j = 0; j < m; ++j) {
    double z = bv;
    for (std::size_t i = 0; i < n; ++i) z += wv(i, 0) * Xv(i, j);
    const double a = tg::test::logistic(z);
    CHECK(A.value()(0, j) == near(a, 1e-12));
    J_closed += -(Yv(0, j) * std::log(a) + (1.0 - Yv(0, j)) * std::log(1.0 - a)) / m;
    dZ[j] = a - Yv(0, j);
    db += dZ[j] / m;
    db_scale += std::abs(dZ[j]) / m;
  }
  CHECK(J.item() == near(J_closed, 1e-12));
  CHECK(b.grad().item() == near(db, 0.0, 1e-12 * db_scale));
  for (std::size_t i = 0; i < n; ++i) {
    double dw = 0.0, scale = 0.0;
    for (std::size_t j = 0; j < m; ++j) {
      dw += Xv(i, j) * dZ[j] / m;
      scale += std::abs(Xv(i, j) * dZ[j]) / m;
    }
    CAPTURE(i);
    CHECK(w.grad()(i, 0) == near(dw, 0.0, 1e-12 * scale));
  }
}
