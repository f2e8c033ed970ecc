#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

namespace tg = tapegrad;

TEST_CASE("lecture: J = 3(a + b*c) at a=5, b=3, c=2") {
  tg::Tape tape;
  tg::Var a = tape.param(5.0, "a"), b = tape.param(3.0, "b"), c = tape.param(2.0, "c");
  tg::Var u = b * c;
  tg::Var v = a + u;
  tg::Var J = 3.0 * v;
  tape.backward(J);
  CHECK(J.item() == 33.0);
  CHECK(a.grad().item() == 3.0);
  CHECK(b.grad().item() == 6.0);
  CHECK(c.grad().item() == 9.0);
  CHECK(v.grad().item() == 3.0);
  CHECK(u.grad().item() == 3.0);
}
