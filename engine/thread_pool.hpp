// ThreadPool: worker threads started once and reused, for Tape::forward_backward().
//
// A pool runs a task split into numbered parts: part 0 on the calling thread, parts 1..n-1 on
// its workers, and returns when every part is done. Workers are started when a run first needs
// them (a pool grows, never shrinks) and then wait on a condition variable between runs, so a
// warm run starts no thread and allocates nothing; the destructor stops and joins them. The task
// is a plain function pointer with a context pointer (no std::function, which may allocate) and
// must not throw: callers catch inside it. One run at a time: concurrent calls on one pool wait
// for each other. Built on std::thread, std::mutex and std::condition_variable.
#pragma once

#include <cstddef>
#include <memory>

namespace tapegrad {

/// Worker threads kept across runs (see the top of this file).
class ThreadPool {
 public:
  /// A pool ready to run `threads` parts at once, the caller included (threads - 1 workers are
  /// started now; 0 and 1 start none).
  explicit ThreadPool(std::size_t threads = 1);
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;
  /// Stops and joins the workers.
  ~ThreadPool();

  /// Parts that can run at once: the workers started so far plus the caller.
  [[nodiscard]] std::size_t threads() const noexcept;
  /// Calls task(context, part) for every part in [0, parts): part 0 on the calling thread, the
  /// others on workers (started first if the pool has fewer than parts - 1). Returns when all
  /// are done. `task` must not throw.
  void run(std::size_t parts, void (*task)(void* context, std::size_t part), void* context);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace tapegrad
