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
//   late nodes    they take a batch node but not row by row (a transpose, a sum over rows, a
//                 matmul with a batch right operand, ...), or a late node: they run forward
//                 after the blocks, and the root must not depend on them.
// A graph whose root depends on a late node runs forward() and backward(root) instead.
//
// The root is the reduction S = sum(P) or mean(P) itself, or ends a chain of one-element nodes
// down to it whose partial derivative along the chain reads no value (rules with the `linear`
// trait: J = mean(P) + penalty, 0.5 * sum(P), ...), their other operands fixed. d root / d P is
// then the product of the chain's partials and S's, known before any value. The chain runs
// forward after the blocks and backward before the fixed nodes, through the usual rules.
//
// The op rules are the usual ones: each thread owns a copy of the nodes whose batch nodes it
// rewrites per block (rows, value and gradient offsets), and the rules read their operands
// through it. Threads (a ThreadPool kept across calls: the options' or the tape's own) own
// contiguous ranges of blocks; the calling thread works in the tape's
// gradient array, the others in private arrays (block-sized slots for batch gradients, copied out
// per block; accumulators for fixed gradients, added into the tape's in thread order). Batch
// intermediate gradients are zeroed and P's seeded block by block, while the block is in cache.
//
// Anomaly detection checks each block's values after its forward pass and its gradients after
// its backward pass, and the fixed and chain nodes' after theirs. At the first non-finite one the
// pass gives up: it restores the leaves' gradients saved at its start and runs forward() and
// backward(root), which throw the AnomalyError they always throw (the first bad node in their
// order, not the block's).
#include <algorithm>
#include <cmath>
#include <exception>
#include <memory>
#include <vector>

#include "tapegrad/engine/detail/rules.hpp"
#include "tapegrad/engine/error.hpp"
#include "tapegrad/engine/tape.hpp"
#include "tapegrad/engine/thread_pool.hpp"

namespace tapegrad {

using detail::kLeaf;
using detail::kNoGrad;
using detail::Node;

namespace {
// Target bytes of batch values and gradients per block: well inside a 1-2 MiB L2 cache.
constexpr std::size_t kBlockBytes = std::size_t{256} * 1024;
// Longest chain of one-element nodes from the root down to the reduction.
constexpr std::size_t kMaxChain = 16;

bool finite(const double* p, std::size_t n) noexcept {
  double acc = 0.0;  // inf - inf and nan * 0 are nan: one test at the end
  for (std::size_t k = 0; k < n; ++k) acc += p[k] * 0.0;
  return acc == 0.0;
}

// Follows the root's chain from `node` down to a reduction of all elements of a node with two
// rows or more: one-element nodes with a gradient whose partial along the chain is a constant
// (the first such input in slot order that leads to a reduction). Writes the chain into `chain`
// from chain[depth] on and the product of the partials into `scale`; returns the chain's end
// (0 when there is none).
std::size_t find_reduction(const detail::Ctx& ctx, std::uint32_t node, std::uint32_t* chain,
                           std::size_t depth, double& scale) noexcept {
  const Node& n = ctx.nodes[node];
  if (depth == kMaxChain || n.size() != 1 || n.grad == kNoGrad) return 0;
  chain[depth] = node;
  const double all = detail::node_partial_of_all(ctx, n);
  if (all != 0.0 && n.arity() == 1) {
    if (ctx.nodes[n.in0].rows < 2) return 0;
    scale = all;
    return depth + 1;
  }
  for (std::uint32_t s = 0; s < n.arity(); ++s) {
    double partial = 0.0;
    if (!detail::node_constant_partial(ctx, n, s, partial)) continue;
    double below = 0.0;
    const std::size_t end = find_reduction(ctx, n.input(s, ctx.links), chain, depth + 1, below);
    if (end != 0) {
      scale = partial * below;
      return end;
    }
  }
  return 0;
}
// True when node n may take a batch node as input `slot` and stay row by row.
bool takes_batch(const detail::Ctx& ctx, const Node& n, std::uint32_t slot) {
  switch (detail::node_row_rule(ctx, n)) {
    case detail::RowRule::Never:
      return false;
    case detail::RowRule::Elementwise:
      return true;
    case detail::RowRule::FirstInput:
      return slot == 0;
    case detail::RowRule::SecondInput:
      return slot == 1;
  }
  return false;
}

// True when node n, which takes a batch node, computes row r from row r of its inputs (its rule's
// RowRule, with the operands that rule needs).
bool row_wise(const detail::Ctx& ctx, const Node& n, const std::vector<std::uint8_t>& batch) {
  const std::uint32_t arity = n.arity();
  switch (detail::node_row_rule(ctx, n)) {
    case detail::RowRule::Never:
      return false;
    case detail::RowRule::Elementwise:
      // An operand that is not a batch node must broadcast along the rows.
      for (std::uint32_t s = 0; s < arity; ++s) {
        const std::uint32_t in = n.input(s, ctx.links);
        if (batch[in] != 1 && ctx.nodes[in].rows != 1) return false;
      }
      return true;
    case detail::RowRule::FirstInput:
    case detail::RowRule::SecondInput: {
      // Row r from row r of input `from`; the other inputs are fixed.
      const std::uint32_t from =
          detail::node_row_rule(ctx, n) == detail::RowRule::FirstInput ? 0 : 1;
      if (arity <= from || batch[n.input(from, ctx.links)] != 1) return false;
      for (std::uint32_t s = 0; s < arity; ++s) {
        if (s != from && batch[n.input(s, ctx.links)] != 0) return false;
      }
      return true;
    }
  }
  return false;
}
}  // namespace

// Marks batch[i] = 1 for the batch nodes, 2 for the root's chain down to the reduction, 3 for
// late nodes (they take a batch node but not row by row: a transpose, a sum over rows, ...; or a
// late node), 0 for the fixed nodes (they depend on no batch node); sets `reduce` to the reduction
// and `scale` to d root / d P for each element of P. Returns m, or 0 when the graph does not
// qualify.
std::uint32_t Tape::classify_rows(std::uint32_t root, std::vector<std::uint8_t>& batch,
                                  std::uint32_t& reduce, double& scale) const {
  const detail::Ctx ctx = context();
  std::uint32_t chain[kMaxChain];
  const std::size_t length = find_reduction(ctx, root, chain, 0, scale);
  if (length == 0) return 0;
  reduce = chain[length - 1];
  const Node& r = nodes_[reduce];
  const std::uint32_t m = nodes_[r.in0].rows;
  // Leaves with m rows are batch leaves. If P then is not a batch node, a second attempt makes
  // fixed those that a node takes where a batch operand is not allowed: a weight matrix that
  // happens to have m rows (a mini-batch as large as a layer), taken as a matmul's right operand
  // or transposed. (Any leaf may be fixed; a batch leaf only saves reading it whole.)
  for (int attempt = 0;; ++attempt) {
    batch.assign(std::size_t{root} + 1, 0);
    if (attempt == 1) {
      bool demoted = false;
      for (std::uint32_t i = 0; i < reduce; ++i) {
        const Node& n = nodes_[i];
        for (std::uint32_t s = 0; s < n.arity(); ++s) {
          const std::uint32_t in = n.input(s, links_.data());
          if (nodes_[in].arity() == 0 && nodes_[in].rows == m && !takes_batch(ctx, n, s)) {
            batch[in] = 4;
            demoted = true;
          }
        }
      }
      if (!demoted) return 0;
    }
    for (std::uint32_t i = 0; i < reduce; ++i) {
      const Node& n = nodes_[i];
      const std::uint32_t arity = n.arity();
      if (arity == 0) {  // leaves: inputs and params with m rows are the batch
        batch[i] = n.rows == m && batch[i] != 4 ? 1 : 0;
        continue;
      }
      bool any = false;   // does a batch node feed it?
      bool late = false;  // or a late one?
      for (std::uint32_t s = 0; s < arity; ++s) {
        const std::uint8_t kind = batch[n.input(s, links_.data())];
        any = any || kind == 1;
        late = late || kind == 3;
      }
      if (late || (any && !row_wise(ctx, n, batch))) {
        batch[i] = 3;  // needs every row: computed after the blocks, must not lead to the root
      } else if (any) {
        batch[i] = 1;
      }  // else a fixed node
    }
    if (batch[r.in0] == 1) break;
    if (attempt == 1) return 0;
  }
  for (std::size_t k = 0; k < length; ++k) batch[chain[k]] = 2;
  // Between the reduction and the root: the chain, whose nodes take the next one once and
  // otherwise fixed nodes, and fixed nodes (a penalty), which take no batch or chain node.
  for (std::size_t k = 0; k + 1 < length; ++k) {
    const Node& n = nodes_[chain[k]];
    std::uint32_t next = 0;
    for (std::uint32_t s = 0; s < n.arity(); ++s) {
      const std::uint32_t in = n.input(s, links_.data());
      if (in == chain[k + 1]) {
        ++next;
      } else if (batch[in] != 0) {
        return 0;
      }
    }
    if (next != 1) return 0;
  }
  for (std::uint32_t i = reduce + 1; i < root; ++i) {
    const Node& n = nodes_[i];
    if (batch[i] != 0) continue;
    for (std::uint32_t s = 0; s < n.arity(); ++s) {
      if (batch[n.input(s, links_.data())] != 0) return 0;
    }
  }
  return m;
}

bool Tape::blockable(Var root) const {
  check_root(root, "blockable");
  std::vector<std::uint8_t> batch;
  std::uint32_t reduce = 0;
  double scale = 0.0;
  return classify_rows(root.index_, batch, reduce, scale) != 0;
}

// Anomaly detection: saves (restore = false) or restores the gradients of the leaves before
// `root`, which a pass that gives up has partly accumulated.
void Tape::save_leaf_grads(std::uint32_t root, bool restore) {
  if (!restore) block_saved_.clear();
  std::size_t at = 0;
  for (std::uint32_t i = 0; i < root; ++i) {
    const Node& n = nodes_[i];
    if ((n.flags & kLeaf) == 0 || n.grad == kNoGrad) continue;
    double* g = grads_.data() + n.grad;
    if (restore) {
      std::copy_n(block_saved_.data() + at, n.size(), g);
      at += n.size();
    } else {
      block_saved_.insert(block_saved_.end(), g, g + n.size());
    }
  }
}

// Anomaly detection after the blocks: the values of the fixed and chain nodes and of those after
// the root, and the gradients that the fixed nodes' backward pass produced.
bool Tape::blocks_finite(std::uint32_t root) const {
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    const Node& n = nodes_[i];
    if (i <= root && block_batch_[i] == 1) continue;
    if (!finite(value_data(n), n.size())) return false;
    if (i <= root && n.grad != kNoGrad && live_[i] && !finite(grads_.data() + n.grad, n.size())) {
      return false;
    }
  }
  return true;
}

// Storage for the local values that the pass reads whole (see set_local_values), and
// block-sized slots for the others: one slot of `rows` rows per local batch node and thread, at
// the end of values_ (the last pass's slots when they are still at the end, grown if need be).
// Node i's slot is block_slot_[i] into a thread's slots, which are slot_stride_ elements apart.
void Tape::place_local_values(std::uint32_t reduce, std::size_t rows, std::size_t threads) {
  // Which local values are read whole: the nodes computed outside the blocks (fixed, late, the
  // root's chain, after the root) and their inputs (block_slot_[i] = 1, for now).
  block_slot_.assign(nodes_.size(), 0);
  const auto mark = [&](std::uint32_t i) {
    if (nodes_[i].value == detail::kNoValue) block_slot_[i] = 1;
  };
  for (std::uint32_t i = 0; i < nodes_.size(); ++i) {
    if (i < reduce && block_batch_[i] == 1) continue;  // a batch node: its inputs, per block
    mark(i);
    const Node& n = nodes_[i];
    for (std::uint32_t s = 0; s < n.arity(); ++s) mark(n.input(s, links_.data()));
  }
  // Their storage and the slots of the others, placed at once (values_ moves at most once).
  std::size_t whole = 0, stride = 0;
  for (std::uint32_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].value != detail::kNoValue) continue;
    if (block_slot_[i] == 1) {
      whole += nodes_[i].size();
    } else {
      stride += rows * nodes_[i].cols;
    }
  }
  const std::size_t need = stride * threads;
  if (values_.size() + whole + need >= detail::kNoValue) {
    detail::fail("forward_backward", "tape", "full: a tape holds fewer than 2^32 elements");
  }
  if (whole != 0 || slots_size_ == 0 || slots_begin_ + slots_size_ != values_.size()) {
    values_.reserve(values_.size() + whole + need);
    for (std::uint32_t i = 0; i < nodes_.size(); ++i) {
      if (block_slot_[i] == 1) store_local_value(i);
    }
    slots_begin_ = values_.size();  // the slots at the end of values_, after them
    slots_size_ = 0;
  }
  if (slots_size_ < need) {  // (the last pass's slots, still at the end, grow if need be)
    values_.resize(slots_begin_ + need);
    slots_size_ = need;
  }
  // Node i's slot within a thread's slots.
  slot_stride_ = 0;
  for (std::uint32_t i = 0; i < reduce; ++i) {
    block_slot_[i] = slot_stride_;
    if (nodes_[i].value == detail::kNoValue) slot_stride_ += rows * nodes_[i].cols;
  }
}

void Tape::forward_backward(Var root, const BlockOptions& options) {
  const Node& r = check_root(root, "forward_backward");
  if (options.threads == 0) {
    detail::fail("forward_backward", "threads", "0; at least one thread (the caller) is needed");
  }
  const bool watching = static_cast<bool>(options.on_block);
  if (watching) own(options.watch, "forward_backward", "watch");
  // The watched node's values in one call: when it is not a batch node, or the pass is plain.
  auto show_whole = [&] {
    if (!watching) return;
    const Node& w = nodes_[options.watch.index_];
    options.on_block(0, 0, TensorView(value_data(w), w.shape()));
  };
  std::uint32_t reduce = 0;
  double scale = 0.0;
  std::uint32_t m = classify_rows(root.index_, block_batch_, reduce, scale);
  if (m != 0 && local_nodes_ != 0) {
    // Local gradients exist only in the blocks: every local node must be a batch node.
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      const Node& n = nodes_[i];
      if ((n.flags & detail::kRequiresGrad) != 0 && n.grad == kNoGrad &&
          (i >= reduce || block_batch_[i] != 1)) {
        m = 0;
        break;
      }
    }
  }
  if (m == 0) {
    forward();       // gives local values their storage
    backward(root);  // and local gradients theirs
    show_whole();
    return;
  }
  std::size_t row_bytes = 0;
  block_order_.clear();
  for (std::uint32_t i = 0; i < reduce; ++i) {
    if (block_batch_[i] != 1) continue;
    const Node& n = nodes_[i];
    row_bytes += n.cols * sizeof(double) * ((n.flags & detail::kRequiresGrad) == 0 ? 1 : 2);
    if ((n.flags & kLeaf) == 0) block_order_.push_back(i);
  }
  const std::size_t rows = options.block_rows != 0
                               ? std::min<std::size_t>(options.block_rows, m)
                               : std::clamp<std::size_t>(kBlockBytes / row_bytes, 1, m);
  const std::size_t blocks = (m + rows - 1) / rows;
  const std::size_t threads = std::min(options.threads, blocks);
  block_slot_.clear();
  if (local_value_nodes_ != 0) place_local_values(reduce, rows, threads);
  const std::uint32_t watch = watching ? options.watch.index_ : 0;
  const bool watch_blocks = watching && watch < reduce && block_batch_[watch] == 1;
  const detail::Ctx ctx = context();
  mark_live(root.index_);     // only what the root depends on passes gradients back
  partials_current_ = false;  // values are recomputed by the rules, without stored partials
  const bool check = detect_anomalies_;
  if (check) save_leaf_grads(root.index_, false);
  // Gives up under anomaly detection: the plain passes throw their usual error.
  auto plain = [&] {
    save_leaf_grads(root.index_, true);
    forward();
    backward(root);
    show_whole();
  };

  // Fixed nodes forward. Intermediate gradients start from zero: the fixed ones (and the chain's
  // and those after the root) here, the batch ones block by block while the block is in cache.
  for (std::uint32_t i = 0; i < root.index_; ++i) {
    if (block_batch_[i] == 0 && (nodes_[i].flags & kLeaf) == 0) {
      detail::forward_node(ctx, nodes_[i]);
    }
  }
  if (!inner_zero_) {
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      const Node& n = nodes_[i];
      if ((i > root.index_ || block_batch_[i] != 1) && n.grad != kNoGrad &&
          (n.flags & kLeaf) == 0) {
        std::fill_n(grads_.begin() + n.grad, n.size(), 0.0);
      }
    }
  }
  inner_zero_ = false;
  grads_[r.grad] += 1.0;  // d root / d root
  // What the chain and the reduction's backward rules add to each element of P's gradient: they
  // read no value.
  const double seed = grads_[r.grad] * scale;

  if (block_scratch_.size() < threads) block_scratch_.resize(threads);
  if (block_errors_.size() < threads) block_errors_.resize(threads);
  // Part t of the pool's run: thread t's contiguous range of blocks.
  struct Job {
    Tape* tape;
    std::size_t threads, blocks, rows, m;
    std::uint32_t reduce;
    double seed;
    const BlockOptions* options;
  } job{this, threads, blocks, rows, m, reduce, seed, watch_blocks ? &options : nullptr};
  auto part = [](void* context, std::size_t t) {
    const Job& j = *static_cast<const Job*>(context);
    try {
      j.tape->run_blocks(t, j.blocks * t / j.threads, j.blocks * (t + 1) / j.threads, j.rows, j.m,
                         j.reduce, j.seed, j.options);
    } catch (...) {
      j.tape->block_errors_[t] = std::current_exception();
    }
  };
  try {
    if (threads == 1) {
      run_blocks(0, 0, blocks, rows, m, reduce, seed, job.options);
    } else {
      ThreadPool* pool = options.pool;
      if (pool == nullptr) {
        if (!pool_) pool_ = std::make_shared<ThreadPool>(threads);
        pool = pool_.get();
      }
      pool->run(threads, part, &job);
      for (std::size_t t = 0; t < threads; ++t) {
        if (block_errors_[t]) {
          const std::exception_ptr e = block_errors_[t];
          std::fill_n(block_errors_.begin(), threads, nullptr);
          std::rethrow_exception(e);
        }
      }
    }
  } catch (const Error&) {
    // A rule refused a value (a label out of range, ...) and named its row within the block:
    // forward() throws the same error naming the row of the whole batch. (The values and
    // gradients are incomplete either way, as after a failed forward().)
    forward();
    throw;
  }
  for (std::size_t t = 0; t < threads; ++t) {
    if (block_scratch_[t].non_finite) return plain();
  }
  // Fixed gradients: each other thread's sums (and the caller's, with local gradients), added in
  // thread order.
  for (std::size_t t = local_nodes_ != 0 ? 0 : 1; t < threads; ++t) {
    const detail::BlockScratch& s = block_scratch_[t];
    for (std::uint32_t i = 0; i < reduce; ++i) {
      const Node& n = nodes_[i];
      if (block_batch_[i] == 1 || n.grad == kNoGrad) continue;
      const double* from = s.grads.data() + s.nodes[i].grad;
      double* to = grads_.data() + n.grad;
      for (std::size_t k = 0; k < n.size(); ++k) to[k] += from[k];
    }
  }

  // The late nodes' values (they read whole batch values), the chain's (reduction to root), the
  // nodes after the root; then backward: the chain
  // (not the reduction, whose share went into P's gradient per block) and the fixed nodes.
  for (std::uint32_t i = 0; i < reduce; ++i) {
    if (block_batch_[i] == 3) detail::forward_node(ctx, nodes_[i]);
  }
  for (std::uint32_t i = reduce; i <= root.index_; ++i) {
    if (block_batch_[i] == 2) detail::forward_node(ctx, nodes_[i]);
  }
  for (std::size_t i = root.index_ + 1; i < nodes_.size(); ++i) {
    if ((nodes_[i].flags & kLeaf) == 0) detail::forward_node(ctx, nodes_[i]);
  }
  if (!watch_blocks) show_whole();
  for (std::uint32_t i = root.index_ + 1; i-- > 0;) {
    const Node& n = nodes_[i];
    if (block_batch_[i] != 1 && i != reduce && n.grad != kNoGrad && (n.flags & kLeaf) == 0 &&
        live_[i]) {
      detail::backward_node(ctx, n);
    }
  }
  if (check && !blocks_finite(root.index_)) plain();
}

// Runs blocks [first, last) of `rows` rows on thread `thread`; `seed` is what the root's chain
// adds to each element of the gradient of P, the input of `reduce`.
void Tape::run_blocks(std::size_t thread, std::size_t first, std::size_t last, std::size_t rows,
                      std::size_t m, std::uint32_t reduce, double seed,
                      const BlockOptions* watching) {
  detail::BlockScratch& s = block_scratch_[thread];
  s.non_finite = false;
  s.nodes.assign(nodes_.begin(), nodes_.begin() + reduce);
  // The calling thread works in grads_ itself, unless local gradients (which have no place there)
  // exist.
  const bool own_grads = thread == 0 && local_nodes_ == 0;
  if (!own_grads) {
    // Private layout: fixed gradients (zeroed accumulators), then one block-sized slot per batch
    // gradient.
    std::size_t size = 0;
    for (std::uint32_t i = 0; i < reduce; ++i) {
      Node& n = s.nodes[i];
      if ((n.flags & detail::kRequiresGrad) == 0) continue;
      n.grad = static_cast<std::uint32_t>(size);
      size += block_batch_[i] == 1 ? rows * n.cols : n.size();
    }
    s.grads.assign(size, 0.0);
  }
  detail::Ctx ctx = context();
  ctx.nodes = s.nodes.data();
  ctx.grads = own_grads ? grads_.data() : s.grads.data();
  ctx.workspace = thread == 0 ? &workspace_ : &s.workspace;
  const bool check = detect_anomalies_;
  const std::uint32_t p = nodes_[reduce].in0;
  // This thread's block-sized slots of the local values (place_local_values).
  const std::size_t slots = slots_begin_ + thread * slot_stride_;
  for (std::size_t b = first; b < last; ++b) {
    const std::size_t r0 = b * rows;
    const std::size_t count = std::min(rows, m - r0);
    // Narrow the batch nodes to the block. Their gradients: intermediate ones start from zero,
    // a batch param's accumulates (in place, or copied into the private slot and back).
    for (std::uint32_t i = 0; i < reduce; ++i) {
      if (block_batch_[i] != 1) continue;
      const Node& n = nodes_[i];
      Node& v = s.nodes[i];
      const std::size_t offset = r0 * n.cols;
      v.rows = static_cast<std::uint32_t>(count);
      v.value = static_cast<std::uint32_t>(n.value == detail::kNoValue ? slots + block_slot_[i]
                                                                       : n.value + offset);
      if (v.grad == kNoGrad) continue;
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
    if (check) {  // the block's values, leaves included
      for (std::uint32_t i = 0; i < reduce; ++i) {
        const Node& v = s.nodes[i];
        if (block_batch_[i] == 1 && !finite(detail::values_of(ctx, v), v.size())) {
          s.non_finite = true;
          return;
        }
      }
    }
    if (watching != nullptr) {
      const Node& w = s.nodes[watching->watch.index_];
      watching->on_block(thread, r0, TensorView(detail::values_of(ctx, w), w.shape()));
    }
    for (std::size_t k = block_order_.size(); k-- > 0;) {
      const Node& v = s.nodes[block_order_[k]];
      if (v.grad != kNoGrad && live_[block_order_[k]]) detail::backward_node(ctx, v);
    }
    if (check) {  // the block's gradients
      for (std::uint32_t i = 0; i < reduce; ++i) {
        const Node& v = s.nodes[i];
        if (block_batch_[i] == 1 && v.grad != kNoGrad && live_[i] &&
            !finite(ctx.grads + v.grad, v.size())) {
          s.non_finite = true;
          return;
        }
      }
    }
    if (own_grads) continue;
    for (std::uint32_t i = 0; i < reduce; ++i) {
      const Node& n = nodes_[i];
      if (block_batch_[i] != 1 || n.grad == kNoGrad) continue;
      std::copy_n(s.grads.data() + s.nodes[i].grad, count * n.cols,
                  grads_.data() + n.grad + r0 * n.cols);
    }
  }
  // Fixed gradients summed by this thread (the caller's, when in grads_, are checked after the
  // pass).
  if (check && !own_grads && !finite(s.grads.data(), s.grads.size())) s.non_finite = true;
}

}  // namespace tapegrad
