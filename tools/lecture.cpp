// tapegrad-lecture: the lecture's logistic-regression step on one example, computed by the tape
// and printed beside the closed forms the lecture derives by hand.
#include <cmath>

#include <fmt/format.h>

#include <tapegrad/tapegrad.hpp>

namespace tg = tapegrad;

int main() {
  const double x1v = 1.0, x2v = 2.0, yv = 1.0, w1v = 0.5, w2v = -0.25, bv = 0.1, alpha = 0.1;

  tg::Tape tape;
  tg::Var x1 = tape.input(x1v, "x1"), x2 = tape.input(x2v, "x2"), y = tape.input(yv, "y");
  tg::Var w1 = tape.param(w1v, "w1"), w2 = tape.param(w2v, "w2"), b = tape.param(bv, "b");
  tg::Var z = (w1 * x1 + w2 * x2 + b).set_label("z");
  tg::Var a = tg::sigmoid(z).set_label("a");
  tg::Var L = tg::log_loss(a, y).set_label("L");
  tape.backward(L);

  // The lecture's closed forms.
  const double zc = w1v * x1v + w2v * x2v + bv;
  const double ac = 1.0 / (1.0 + std::exp(-zc));
  const double Lc = -(yv * std::log(ac) + (1.0 - yv) * std::log(1.0 - ac));
  const double dac = -yv / ac + (1.0 - yv) / (1.0 - ac);
  const double dzc = ac - yv;

  fmt::print("Logistic regression, one example (x1={}, x2={}, y={}; w1={}, w2={}, b={})\n\n", x1v,
             x2v, yv, w1v, w2v, bv);
  fmt::print("Forward pass\n");
  fmt::print("  z = w1*x1 + w2*x2 + b       {:>22.17g}   closed form {:>22.17g}\n", z.item(), zc);
  fmt::print("  a = sigmoid(z)              {:>22.17g}   closed form {:>22.17g}\n", a.item(), ac);
  fmt::print("  L = -(y log a + (1-y) log(1-a)) {:>18.17g}   closed form {:>22.17g}\n", L.item(),
             Lc);
  fmt::print("\nBackward pass (autodiff | lecture's formula)\n");
  const auto row = [](const char* name, const char* formula, double autodiff, double closed) {
    fmt::print("  {:<4} = {:<24} {:>22.17g} | {:>22.17g}   diff {:.1e}\n", name, formula, autodiff,
               closed, std::abs(autodiff - closed));
  };
  row("da", "-y/a + (1-y)/(1-a)", a.grad().item(), dac);
  row("dz", "a - y", z.grad().item(), dzc);
  row("dw1", "x1 * dz", w1.grad().item(), x1v * dzc);
  row("dw2", "x2 * dz", w2.grad().item(), x2v * dzc);
  row("db", "dz", b.grad().item(), dzc);

  fmt::print("\nOne gradient-descent step, alpha = {}: w := w - alpha * dw\n", alpha);
  for (tg::Var p : {w1, w2, b}) {
    tape.mutable_value(p)[0] -= alpha * p.grad().item();
  }
  tape.forward();
  fmt::print("  w1 = {:.6f}, w2 = {:.6f}, b = {:.6f}; loss {:.6f} -> {:.6f}\n", w1.item(),
             w2.item(), b.item(), Lc, L.item());
  return 0;
}
