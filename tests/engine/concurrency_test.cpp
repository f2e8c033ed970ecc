// Separate tapes used from separate threads at the same time give exactly the single-threaded
// results. (CI also runs this test under ThreadSanitizer.)
#include <doctest/doctest.h>

#include <thread>
#include <vector>

#include <tapegrad/tapegrad.hpp>

namespace tg = tapegrad;

namespace {
// 200 full-batch gradient-descent steps of vectorized logistic regression on data derived from
// `seed`; returns the final parameters and loss.
std::vector<double> train(int seed) {
  const std::size_t n = 3, m = 64;
  tg::Tensor X(n, m), Y(1, m);
  for (std::size_t j = 0; j < m; ++j) {
    for (std::size_t i = 0; i < n; ++i) {
      X(i, j) = static_cast<double>((static_cast<int>(j * 7 + i * 13) + seed) % 17) / 8.0 - 1.0;
    }
    Y(0, j) = X(0, j) + 0.5 * X(1, j) - X(2, j) > 0.0 ? 1.0 : 0.0;
  }
  tg::Tape tape;
  tg::Var x = tape.input(X), y = tape.input(Y);
  tg::Var w = tape.param(tg::Tensor(n, 1, 0.0)), b = tape.param(0.0);
  tg::Var J = tg::mean(tg::log_loss_with_logits(tg::matmul(tg::transpose(w), x) + b, y));
  for (int step = 0; step < 200; ++step) {
    tape.forward();
    tape.zero_grad();
    tape.backward(J);
    for (tg::Var p : {w, b}) {
      const tg::MutableTensorView v = tape.mutable_value(p);
      for (std::size_t i = 0; i < v.size(); ++i) v[i] -= 0.5 * p.grad()[i];
    }
  }
  tape.forward();
  std::vector<double> out(w.value().begin(), w.value().end());
  out.push_back(b.item());
  out.push_back(J.item());
  return out;
}
}  // namespace

TEST_CASE("concurrency: separate tapes on separate threads match single-threaded results") {
  constexpr int kThreads = 4;
  std::vector<std::vector<double>> expected;
  for (int t = 0; t < kThreads; ++t) expected.push_back(train(t));

  std::vector<std::vector<double>> got(kThreads);
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) threads.emplace_back([t, &got] { got[t] = train(t); });
  }
  for (int t = 0; t < kThreads; ++t) {
    INFO("thread ", t);
    CHECK(got[t] == expected[t]);  // bitwise
  }
  // The four problems differ, so equality above is not trivially satisfied.
  CHECK(expected[0] != expected[1]);
  CHECK(expected[0].back() < 0.6931);  // training reduced the loss below log 2
}
