#include "tapegrad/engine/thread_pool.hpp"

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace tapegrad {

struct ThreadPool::State {
  std::mutex run_mutex;  // one run at a time
  std::mutex mutex;      // guards everything below
  std::condition_variable start;
  std::condition_variable done;
  std::vector<std::thread> workers;
  std::uint64_t generation = 0;  // advanced by every run: a worker waits for a new one
  std::size_t parts = 0;         // parts of the current run
  std::size_t pending = 0;       // worker parts of the current run not finished yet
  void (*task)(void*, std::size_t) = nullptr;
  void* context = nullptr;
  bool stop = false;

  // Worker `part` (1, 2, ...): runs its part of every run that has one, until stopped.
  void work(std::size_t part) {
    std::uint64_t seen = 0;
    std::unique_lock lock(mutex);
    for (;;) {
      start.wait(lock, [&] { return stop || generation != seen; });
      if (stop) return;
      seen = generation;
      if (part >= parts) continue;
      void (*const f)(void*, std::size_t) = task;
      void* const c = context;
      lock.unlock();
      f(c, part);
      lock.lock();
      if (--pending == 0) done.notify_one();
    }
  }

  // Starts workers until there are `count` (callers hold run_mutex, not mutex).
  void grow(std::size_t count) {
    while (workers.size() < count) {
      const std::size_t part = workers.size() + 1;
      workers.emplace_back([this, part] { work(part); });
    }
  }
};

ThreadPool::ThreadPool(std::size_t threads) : state_(std::make_unique<State>()) {
  if (threads > 1) state_->grow(threads - 1);
}

ThreadPool::~ThreadPool() {
  {
    const std::lock_guard lock(state_->mutex);
    state_->stop = true;
  }
  state_->start.notify_all();
  for (std::thread& t : state_->workers) t.join();
}

std::size_t ThreadPool::threads() const noexcept {
  const std::lock_guard lock(state_->run_mutex);
  return state_->workers.size() + 1;
}

void ThreadPool::run(std::size_t parts, void (*task)(void*, std::size_t), void* context) {
  if (parts == 0) return;
  State& s = *state_;
  const std::lock_guard run_lock(s.run_mutex);
  if (parts > 1) {
    s.grow(parts - 1);
    {
      const std::lock_guard lock(s.mutex);
      s.task = task;
      s.context = context;
      s.parts = parts;
      s.pending = parts - 1;
      ++s.generation;
    }
    s.start.notify_all();
  }
  task(context, 0);
  if (parts > 1) {
    std::unique_lock lock(s.mutex);
    s.done.wait(lock, [&] { return s.pending == 0; });
  }
}

}  // namespace tapegrad
