// Tape::forward_backward(): forward and backward over blocks of rows.
//
// When the root is sum(P) or mean(P) over all elements, d root / d P does not depend on any value
// (it is 1, or 1/m, for every element), so the backward pass of a row of P can start as soon as
// that row is computed. If moreover every node between the batch leaves and P works row by row,
// a block of rows can be run forward and then backward while it is in cache: a large input X is
// read once per gradient instead of once per pass.
//
// Nodes before the root are either
//   batch nodes   row r depends only on row r of the batch leaves (inputs and params with m
//                 rows, m the rows of P): they run per block, on views narrowed to the block's
//                 rows (a node's value and gradient are row-major, so a block of rows is one
//                 contiguous slice); or
//   fixed nodes   they depend on no batch node (the other leaves, what is computed from params):
//                 they run forward before the blocks and backward after them, once.
// A graph with any other use of a batch node (a transpose, a sum over rows, a matmul with a batch
// right operand, ...) runs forward() and backward(root) instead.
//
// The op rules are the usual ones: each thread owns a copy of the nodes whose batch nodes it
// rewrites per block (rows, value and gradient offsets), and the rules read their operands
// through it. Threads own contiguous ranges of blocks; the calling thread works in the tape's
// gradient array, the others in private arrays (block-sized slots for batch gradients, copied out
// per block; accumulators for fixed gradients, added into the tape's in thread order). Batch
// intermediate gradients are zeroed and P's seeded block by block, while the block is in cache.
#include <algorithm>
#include <exception>
#include <thread>
#include <vector>

#include "tapegrad/engine/detail/rules.hpp"
#include "tapegrad/engine/error.hpp"
#include "tapegrad/engine/tape.hpp"

namespace tapegrad {

using detail::kLeaf;
using detail::kNoGrad;
using detail::Node;

namespace {
// Target bytes of batch values and gradients per block: well inside a 1-2 MiB L2 cache.
constexpr std::size_t kBlockBytes = std::size_t{256} * 1024;
}  // namespace

// Marks batch[i] = 1 for the batch nodes before root; returns m, or 0 when the graph does not
// qualify.
std::uint32_t Tape::classify_rows(std::uint32_t root, std::vector<std::uint8_t>& batch) const {
  const detail::Ctx ctx = context();
  const Node& r = nodes_[root];
  if (r.arity() != 1 || detail::node_partial_of_all(ctx, r) == 0.0) return 0;
  const std::uint32_t m = nodes_[r.in0].rows;
  if (m < 2) return 0;
  batch.assign(root, 0);
  for (std::uint32_t i = 0; i < root; ++i) {
    const Node& n = nodes_[i];
    const std::uint32_t arity = n.arity();
    if (arity == 0) {  // leaves: inputs and params with m rows are the batch
      batch[i] = n.rows == m ? 1 : 0;
      continue;
    }
    bool any = false;  // does a batch node feed it?
    for (std::uint32_t s = 0; s < arity; ++s) any = any || batch[n.input(s, links_.data())];
    if (!any) continue;  // a fixed node
    switch (detail::node_row_rule(ctx, n)) {
      case detail::RowRule::Never:
        return 0;
      case detail::RowRule::Elementwise:
        // An operand that is not a batch node must broadcast along the rows.
        for (std::uint32_t s = 0; s < arity; ++s) {
          const std::uint32_t in = n.input(s, links_.data());
          if (!batch[in] && nodes_[in].rows != 1) return 0;
        }
        break;
      case detail::RowRule::FirstInput:
        if (!batch[n.input(0, links_.data())]) return 0;
        for (std::uint32_t s = 1; s < arity; ++s) {
          if (batch[n.input(s, links_.data())]) return 0;
        }
        break;
    }
    batch[i] = 1;
  }
  return batch[r.in0] ? m : 0;
}

bool Tape::blockable(Var root) const {
  check_root(root, "blockable");
  std::vector<std::uint8_t> batch;
  return !detect_anomalies_ && classify_rows(root.index_, batch) != 0;
}

void Tape::forward_backward(Var root, const BlockOptions& options) {
  const Node& r = check_root(root, "forward_backward");
  if (options.threads == 0) {
    detail::fail("forward_backward", "threads", "0; at least one thread (the caller) is needed");
  }
  const std::uint32_t m = detect_anomalies_ ? 0 : classify_rows(root.index_, block_batch_);
  if (m == 0) {
    forward();
    backward(root);
    return;
  }
  std::size_t row_bytes = 0;
  block_order_.clear();
  for (std::uint32_t i = 0; i < root.index_; ++i) {
    if (!block_batch_[i]) continue;
    const Node& n = nodes_[i];
    row_bytes += n.cols * sizeof(double) * (n.grad == kNoGrad ? 1 : 2);
    if ((n.flags & kLeaf) == 0) block_order_.push_back(i);
  }
  const std::size_t rows = options.block_rows != 0
                               ? std::min<std::size_t>(options.block_rows, m)
                               : std::clamp<std::size_t>(kBlockBytes / row_bytes, 1, m);
  const std::size_t blocks = (m + rows - 1) / rows;
  const std::size_t threads = std::min(options.threads, blocks);
  const detail::Ctx ctx = context();
  mark_live(root.index_);     // only what the root depends on passes gradients back
  partials_current_ = false;  // values are recomputed by the rules, without stored partials

  // Fixed nodes forward. Intermediate gradients start from zero: the fixed ones (and those after
  // the root) here, the batch ones block by block while the block is in cache.
  for (std::uint32_t i = 0; i < root.index_; ++i) {
    if (!block_batch_[i] && (nodes_[i].flags & kLeaf) == 0) detail::forward_node(ctx, nodes_[i]);
  }
  if (!inner_zero_) {
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      const Node& n = nodes_[i];
      if ((i >= root.index_ || !block_batch_[i]) && n.grad != kNoGrad && (n.flags & kLeaf) == 0) {
        std::fill_n(grads_.begin() + n.grad, n.size(), 0.0);
      }
    }
  }
  inner_zero_ = false;
  grads_[r.grad] += 1.0;  // d root / d root
  // What the root's backward rule adds to each element of P's gradient: it reads no value.
  const double seed = grads_[r.grad] * detail::node_partial_of_all(ctx, r);

  if (block_scratch_.size() < threads) block_scratch_.resize(threads);
  if (threads == 1) {
    run_blocks(0, 0, blocks, rows, m, root.index_, seed);
  } else {
    std::vector<std::exception_ptr> errors(threads);
    {
      std::vector<std::jthread> workers;
      workers.reserve(threads - 1);
      for (std::size_t t = 1; t < threads; ++t) {
        workers.emplace_back([&, t] {
          try {
            run_blocks(t, blocks * t / threads, blocks * (t + 1) / threads, rows, m, root.index_,
                       seed);
          } catch (...) {
            errors[t] = std::current_exception();
          }
        });
      }
      try {
        run_blocks(0, 0, blocks / threads, rows, m, root.index_, seed);
      } catch (...) {
        errors[0] = std::current_exception();
      }
    }
    for (const std::exception_ptr& e : errors) {
      if (e) std::rethrow_exception(e);
    }
    // Fixed gradients: each thread's sums, added in thread order.
    for (std::size_t t = 1; t < threads; ++t) {
      const detail::BlockScratch& s = block_scratch_[t];
      for (std::uint32_t i = 0; i < root.index_; ++i) {
        const Node& n = nodes_[i];
        if (block_batch_[i] || n.grad == kNoGrad) continue;
        const double* from = s.grads.data() + s.nodes[i].grad;
        double* to = grads_.data() + n.grad;
        for (std::size_t k = 0; k < n.size(); ++k) to[k] += from[k];
      }
    }
  }

  // The root's value, the nodes after it, then the fixed nodes backward.
  detail::forward_node(ctx, r);
  for (std::size_t i = root.index_ + 1; i < nodes_.size(); ++i) {
    if ((nodes_[i].flags & kLeaf) == 0) detail::forward_node(ctx, nodes_[i]);
  }
  for (std::uint32_t i = root.index_; i-- > 0;) {
    const Node& n = nodes_[i];
    if (!block_batch_[i] && n.grad != kNoGrad && (n.flags & kLeaf) == 0 && live_[i]) {
      detail::backward_node(ctx, n);
    }
  }
}

// Runs blocks [first, last) of `rows` rows on thread `thread`; `seed` is what the root's backward
// rule adds to each element of P's gradient.
void Tape::run_blocks(std::size_t thread, std::size_t first, std::size_t last, std::size_t rows,
                      std::size_t m, std::uint32_t root, double seed) {
  detail::BlockScratch& s = block_scratch_[thread];
  s.nodes.assign(nodes_.begin(), nodes_.begin() + root);
  const bool own_grads = thread == 0;  // the calling thread works in grads_ itself
  if (!own_grads) {
    // Private layout: fixed gradients (zeroed accumulators), then one block-sized slot per batch
    // gradient.
    std::size_t size = 0;
    for (std::uint32_t i = 0; i < root; ++i) {
      Node& n = s.nodes[i];
      if (n.grad == kNoGrad) continue;
      n.grad = static_cast<std::uint32_t>(size);
      size += block_batch_[i] ? rows * n.cols : n.size();
    }
    s.grads.assign(size, 0.0);
  }
  detail::Ctx ctx = context();
  ctx.nodes = s.nodes.data();
  ctx.grads = own_grads ? grads_.data() : s.grads.data();
  ctx.workspace = own_grads ? &workspace_ : &s.workspace;
  const std::uint32_t p = nodes_[root].in0;
  for (std::size_t b = first; b < last; ++b) {
    const std::size_t r0 = b * rows;
    const std::size_t count = std::min(rows, m - r0);
    // Narrow the batch nodes to the block. Their gradients: intermediate ones start from zero,
    // a batch param's accumulates (in place, or copied into the private slot and back).
    for (std::uint32_t i = 0; i < root; ++i) {
      if (!block_batch_[i]) continue;
      const Node& n = nodes_[i];
      Node& v = s.nodes[i];
      const std::size_t offset = r0 * n.cols;
      v.rows = static_cast<std::uint32_t>(count);
      v.value = static_cast<std::uint32_t>(n.value + offset);
      if (n.grad == kNoGrad) continue;
      if (own_grads) v.grad = static_cast<std::uint32_t>(n.grad + offset);
      double* slot = ctx.grads + v.grad;
      if ((n.flags & kLeaf) == 0) {
        std::fill_n(slot, count * n.cols, 0.0);
      } else if (!own_grads) {
        std::copy_n(grads_.data() + n.grad + offset, count * n.cols, slot);
      }
    }
    double* gp = ctx.grads + s.nodes[p].grad;
    for (std::size_t k = 0; k < count * nodes_[p].cols; ++k) gp[k] += seed;
    for (const std::uint32_t i : block_order_) detail::forward_node(ctx, s.nodes[i]);
    for (std::size_t k = block_order_.size(); k-- > 0;) {
      const Node& v = s.nodes[block_order_[k]];
      if (v.grad != kNoGrad && live_[block_order_[k]]) detail::backward_node(ctx, v);
    }
    if (own_grads) continue;
    for (std::uint32_t i = 0; i < root; ++i) {
      const Node& n = nodes_[i];
      if (!block_batch_[i] || n.grad == kNoGrad) continue;
      std::copy_n(s.grads.data() + s.nodes[i].grad, count * n.cols,
                  grads_.data() + n.grad + r0 * n.cols);
    }
  }
}

}  // namespace tapegrad
