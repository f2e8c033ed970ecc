// ThreadPool: every part of a run runs once, part 0 on the caller and the others on workers that
// are started once and reused; a pool shared by two tapes gives each tape the results of its own
// pool. (CI runs the "concurrency:" cases under ThreadSanitizer.)
#include <doctest/doctest.h>

#include <atomic>
#include <cstddef>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include <tapegrad/tapegrad.hpp>

#include "support/random.hpp"

namespace tg = tapegrad;

namespace {

// What one run saw: how often each part ran and on which thread.
struct Record {
  std::vector<std::atomic<int>> calls;
  std::vector<std::thread::id> ids;
  explicit Record(std::size_t parts) : calls(parts), ids(parts) {}
  static void task(void* context, std::size_t part) {
    auto* r = static_cast<Record*>(context);
    r->calls[part].fetch_add(1);
    r->ids[part] = std::this_thread::get_id();  // each part writes its own slot
  }
};

}  // namespace

TEST_CASE("concurrency: ThreadPool runs every part once, part 0 on the calling thread") {
  tg::ThreadPool pool(3);
  CHECK(pool.threads() == 3);
  std::set<std::thread::id> workers;
  for (int run = 0; run < 20; ++run) {
    Record r(3);
    pool.run(3, &Record::task, &r);
    for (std::size_t p = 0; p < 3; ++p) CHECK(r.calls[p].load() == 1);
    CHECK(r.ids[0] == std::this_thread::get_id());
    CHECK(r.ids[1] != r.ids[0]);
    CHECK(r.ids[2] != r.ids[0]);
    CHECK(r.ids[1] != r.ids[2]);
    workers.insert(r.ids[1]);
    workers.insert(r.ids[2]);
  }
  CHECK(workers.size() == 2);  // the same two workers every run: none started anew
}

TEST_CASE("concurrency: ThreadPool grows to the parts asked for and runs fewer on fewer") {
  tg::ThreadPool pool;  // the caller alone
  CHECK(pool.threads() == 1);
  Record one(1);
  pool.run(1, &Record::task, &one);
  CHECK(one.calls[0].load() == 1);
  CHECK(one.ids[0] == std::this_thread::get_id());
  Record four(4);
  pool.run(4, &Record::task, &four);  // starts three workers
  CHECK(pool.threads() == 4);
  for (std::size_t p = 0; p < 4; ++p) CHECK(four.calls[p].load() == 1);
  Record two(2);
  pool.run(2, &Record::task, &two);  // never shrinks; idle workers stay idle
  CHECK(pool.threads() == 4);
  CHECK(two.calls[0].load() == 1);
  CHECK(two.calls[1].load() == 1);
  Record none(1);
  pool.run(0, &Record::task, &none);  // no parts: nothing runs
  CHECK(none.calls[0].load() == 0);
}

TEST_CASE("concurrency: ThreadPool serves runs from two threads one at a time") {
  tg::ThreadPool pool(2);
  std::atomic<int> total{0};
  auto add = [](void* context, std::size_t part) {
    static_cast<std::atomic<int>*>(context)->fetch_add(static_cast<int>(part) + 1);
  };
  std::vector<std::thread> callers;
  for (int c = 0; c < 2; ++c) {
    callers.emplace_back([&] {
      for (int run = 0; run < 50; ++run) pool.run(2, add, &total);
    });
  }
  for (std::thread& t : callers) t.join();
  CHECK(total.load() == 2 * 50 * (1 + 2));
}

TEST_CASE("concurrency: two tapes sharing one pool get their own pools' results, bit for bit") {
  tg::test::Rng rng(11);
  const std::size_t m = 500, n = 6;
  tg::Tensor X(m, n), Y(m, 1), W(n, 4), v(4, 1);
  for (double& x : X) x = rng.uniform(-1.0, 1.0);
  for (double& y : Y) y = rng.bit();
  for (double& w : W) w = rng.uniform(-0.5, 0.5);
  for (double& w : v) w = rng.uniform(-0.5, 0.5);
  auto record = [&](tg::Tape& t, double shift) {
    const tg::Var x = t.input(X), y = t.input(Y);
    const tg::Var h = tg::tanh(tg::matmul(x, t.param(W)) + shift);
    return tg::mean(tg::log_loss_with_logits(tg::matmul(h, t.param(v)), y));
  };
  tg::ThreadPool shared(2);
  tg::Tape a, b, own_a, own_b;
  const tg::Var Ja = record(a, 0.0), Jb = record(b, 0.3);
  const tg::Var Joa = record(own_a, 0.0), Job = record(own_b, 0.3);
  tg::BlockOptions with_shared{16, 2};
  with_shared.pool = &shared;
  const tg::BlockOptions own{16, 2};
  for (int step = 0; step < 3; ++step) {
    for (auto [tape, root, options] :
         {std::tuple{&a, Ja, with_shared}, std::tuple{&b, Jb, with_shared},
          std::tuple{&own_a, Joa, own}, std::tuple{&own_b, Job, own}}) {
      tape->zero_grad();
      tape->forward_backward(root, options);
    }
  }
  CHECK(shared.threads() == 2);
  for (auto [t, o] : {std::pair{&a, &own_a}, std::pair{&b, &own_b}}) {
    REQUIRE(t->size() == o->size());
    for (std::size_t i = 0; i < t->size(); ++i) {
      INFO("node ", i);
      const tg::TensorView x = t->value(i), y = o->value(i);
      for (std::size_t k = 0; k < x.size(); ++k) CHECK(x[k] == y[k]);
      if (t->has_grad(i)) {
        const tg::TensorView gx = t->grad(i), gy = o->grad(i);
        for (std::size_t k = 0; k < gx.size(); ++k) CHECK(gx[k] == gy[k]);
      }
    }
  }
  CHECK(Ja.item() != Jb.item());
}
