// The program from the core-engine issue, compiled against the installed package. It prints the
// lecture's values and exits non-zero unless they equal the closed forms (and, after replay with
// x1 = 3, the closed forms at the new point).
#include <cmath>
#include <cstdlib>

#include <tapegrad/tapegrad.hpp>

namespace tg = tapegrad;

namespace {
// The lecture's closed forms at one example; returns the number of mismatches.
int check(double x1, double x2, double y, double w1, double w2, double b, double L, double da,
          double dz, double dw1, double dw2, double db) {
  const double z = w1 * x1 + w2 * x2 + b;
  const double a = 1.0 / (1.0 + std::exp(-z));
  const double dzc = a - y;
  const auto near = [](double got, double want) {
    return std::abs(got - want) <= 1e-12 * std::max(1.0, std::abs(want));
  };
  const bool ok = near(L, -(y * std::log(a) + (1 - y) * std::log(1 - a))) &&
                  near(da, -y / a + (1 - y) / (1 - a)) && near(dz, dzc) && near(dw1, x1 * dzc) &&
                  near(dw2, x2 * dzc) && near(db, dzc);
  if (!ok) fmt::print(stderr, "consumer: values differ from the lecture's closed forms\n");
  return ok ? 0 : 1;
}
}  // namespace

int main() {
  tg::Tape tape;
  tg::Var x1 = tape.input(1.0, "x1"), x2 = tape.input(2.0, "x2"), y = tape.input(1.0, "y");
  tg::Var w1 = tape.param(0.5, "w1"), w2 = tape.param(-0.25, "w2"), b = tape.param(0.1, "b");
  tg::Var z = w1 * x1 + w2 * x2 + b;
  tg::Var a = tg::sigmoid(z);
  tg::Var L = tg::log_loss(a, y);
  tape.backward(L);
  fmt::print("L={} da={} dz={} dw1={} dw2={} db={}\n", L.item(), a.grad().item(), z.grad().item(),
             w1.grad().item(), w2.grad().item(), b.grad().item());
  int failures = check(1.0, 2.0, 1.0, 0.5, -0.25, 0.1, L.item(), a.grad().item(), z.grad().item(),
                       w1.grad().item(), w2.grad().item(), b.grad().item());

  tape.set(x1, 3.0);  // replay: same graph, new input value, no re-recording
  tape.forward();
  tape.zero_grad();
  tape.backward(L);
  fmt::print("after set(x1, 3): L={} dw1={}\n", L.item(), w1.grad().item());
  failures += check(3.0, 2.0, 1.0, 0.5, -0.25, 0.1, L.item(), a.grad().item(), z.grad().item(),
                    w1.grad().item(), w2.grad().item(), b.grad().item());

  // A user-defined op through the installed headers: the lecture's sigmoid as an ElementwiseOp
  // gives the same dz = a - y.
  const tg::ElementwiseOp my_sigmoid(
      "my_sigmoid", [](double v) { return 1.0 / (1.0 + std::exp(-v)); },
      [](double, double s) { return s * (1.0 - s); });
  tg::Tape custom_tape;
  tg::Var zc = custom_tape.param(z.item(), "z");
  tg::Var ac = my_sigmoid(zc);
  tg::Var Lc = tg::log_loss(ac, custom_tape.input(1.0, "y"));
  custom_tape.backward(Lc);
  fmt::print("custom op {}: dz={}\n", custom_tape.node(ac.index()).name, zc.grad().item());
  if (std::abs(zc.grad().item() - z.grad().item()) > 1e-15) {
    fmt::print(stderr, "consumer: the custom op's dz differs from sigmoid's\n");
    ++failures;
  }
  return failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
