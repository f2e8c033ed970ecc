// The tape: a flat, ordered record of a computation graph.
//
// Layout. A Tape holds these flat arrays:
//   nodes_   one 28-byte Node per recorded operation, in recording order; a node names its inputs
//            by index, so every input comes before the node that uses it (the order is a
//            topological order by construction);
//   values_  every node's value, contiguous, at Node::value;
//   grads_   the gradients of nodes that need one (params and everything computed from them),
//            at Node::grad; inputs and detached values have no gradient storage at all;
//   consts_  constants some ops carry (pow's exponent, alpha and beta of x * alpha + beta);
//   stored_  one StoredOp per one-element element-wise node with a gradient (kStored): its local
//            partial derivatives, computed with its value, and the gradient offsets they link.
// A scalar node therefore costs one Node, two doubles and a StoredOp, and no heap allocation of
// its own.
//
// Recording evaluates: an op appends its node and computes its value at once (eager forward).
// forward() re-evaluates every recorded node in order, so a graph is recorded once and replayed
// with new leaf values set by set(). backward(root) seeds d root / d root = 1 and walks the nodes
// in reverse once, each rule adding (+=) its contribution to its inputs' gradients (a kStored
// node: g times its stored partials, no rule): fan-in adds up. Intermediate gradients belong to
// one pass and are reset by forward() or else by backward(); gradients of params accumulate
// across passes until zero_grad(). Warm replay (set, forward, zero_grad,
// backward) performs no heap allocation.
//
// The engine knows no particular op. A node's kind (OpKind) is an opaque number to it, but for the
// two leaf kinds; its inputs are found from the node itself (flags say one, two, or a list in
// links_). The passes run the op rules through the interface in engine/detail/rules.hpp, which
// ops/ implements from its one op list (ops/op_list.hpp).
//
// Anomaly detection (off by default) checks every value as it is computed and every gradient
// when backward reaches it, and throws AnomalyError at the first non-finite one, naming the node,
// its shape and its inputs' values.
//
// Var is a 16-byte handle (tape pointer, node index, and the tape's generation, which clear()
// advances so that a Var kept across clear() is refused instead of reading another graph's node).
// A Tape is neither copyable nor movable because Vars point at it; views returned by value() and
// grad() stay valid until the tape records another node or is cleared.
//
// Borrowed leaves (input_view) keep no value in values_: their Node's `extra` (unused by other
// leaves) is 1 + their index in borrowed_, the caller's memory, and `value` an offset into that
// memory (0, or a block's first element in forward_backward's narrowed nodes). Rules read inputs
// through detail::values_of, which knows both places.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <memory>
#include <optional>

#include "tapegrad/engine/tensor.hpp"

namespace tapegrad {

/// What a node computes. The enumerators are generated from the op list in ops/op_kind.hpp; the
/// engine itself knows only the two leaf kinds below.
enum class OpKind : std::uint8_t;

class Tape;
class Var;
class ThreadPool;  // engine/thread_pool.hpp

namespace detail {

inline constexpr OpKind kInputKind{0};  // a leaf holding data
inline constexpr OpKind kParamKind{1};  // a leaf holding a trainable parameter

inline constexpr std::uint32_t kNoGrad = 0xffffffffu;
// Node::value of a local value (Tape::set_local_values): no storage on the tape.
inline constexpr std::uint32_t kNoValue = 0xffffffffu;

enum NodeFlag : std::uint8_t {
  kRequiresGrad = 1,  // the node has gradient storage and backward visits it
  kLeaf = 2,          // Input or Param: set by the user, never recomputed
  kScalar = 4,        // one element (an element-wise op's operands then have one too)
  kUnary = 8,         // one input, in0 (in1 is the rule's: a constant index, an axis code)
  kBinary = 16,       // two inputs, in0 and in1
  kListed = 32,       // in1 inputs listed at links_[in0], links_[in0 + 1], ...
  kConsumed = 64,     // a later node with a gradient takes this node as an input
  // One element, element-wise rule, a gradient: its local partial derivatives are kept in the
  // tape's stored_ (a StoredOp), computed with the value (recording, and forward() unless the
  // rule's partials read no value), so that backward() runs no rule for it, only g * partial
  // multiply-adds.
  kStored = 128,
};

/// What backward() needs of a kStored node: the local partial derivatives d node / d input,
/// the node's gradient offset and its inputs' (kNoGrad for an input without a gradient, and for
/// the missing second input of a unary node). 32 bytes.
struct StoredOp {
  double partial[2];
  std::uint32_t g;
  std::uint32_t ga;
  std::uint32_t gb;
};

/// One recorded operation. Its inputs: see NodeFlag (leaves have none). `extra` is the rule's
/// (a custom op's definition index).
struct Node {
  OpKind op;
  std::uint8_t flags;
  std::uint16_t extra;
  std::uint32_t in0;
  std::uint32_t in1;
  std::uint32_t rows;
  std::uint32_t cols;
  std::uint32_t value;  // offset into values_, or kNoValue
  std::uint32_t grad;   // offset into grads_, or kNoGrad

  [[nodiscard]] std::size_t size() const noexcept { return std::size_t{rows} * cols; }
  [[nodiscard]] Shape shape() const noexcept { return {rows, cols}; }
  /// Number of inputs.
  [[nodiscard]] std::uint32_t arity() const noexcept {
    return (flags & kUnary) ? 1 : (flags & kBinary) ? 2 : (flags & kListed) ? in1 : 0;
  }
  /// Input `slot` (< arity()); `links` is the tape's input lists.
  [[nodiscard]] std::uint32_t input(std::uint32_t slot, const std::uint32_t* links) const noexcept {
    return (flags & kListed) ? links[in0 + slot] : (slot == 0 ? in0 : in1);
  }
};

/// Where one node's inputs keep their data: value and gradient offsets of input 0 (a, ga) and
/// input 1 (b, gb; unused by unary ops). The tape's replay plan holds one per node, resolved from
/// the input Nodes once, so that replaying a one-element node does not read its inputs' Nodes.
struct Operands {
  std::uint32_t a;
  std::uint32_t b;
  std::uint32_t ga;
  std::uint32_t gb;
};

struct Ctx;       // a rule's view of the arrays: see engine/detail/rules.hpp
struct Recorder;  // the ops' way in: see ops/detail/record.hpp

/// Scratch of one thread of Tape::forward_backward(), kept across calls so that a warm pass does
/// not allocate: the nodes with batch nodes narrowed to the current block of rows, and (threads
/// after the first) private gradient accumulators and matmul workspace.
struct BlockScratch {
  std::vector<Node> nodes;
  std::vector<double> grads;
  std::vector<double> workspace;
  bool non_finite = false;  // anomaly mode: a value or gradient of its blocks was not finite
};
/// Throws Error("<op>: <argument>: ...") for an empty Var or one kept across tape.clear().
[[noreturn, gnu::cold]] void bad_var(const Var& v, std::string_view op, std::string_view argument);

}  // namespace detail

/// Handle to one node of a tape: small, trivially copyable, valid as long as its tape lives.
class Var {
 public:
  /// An empty handle; every use other than assignment throws Error.
  Var() = default;

  /// The node's value (valid until the tape records another node).
  [[nodiscard]] TensorView value() const;
  /// The node's gradient d root / d node after backward(); throws Error for nodes without one
  /// (inputs, detached values and everything computed only from them).
  [[nodiscard]] TensorView grad() const;
  /// The value's only element; throws Error unless the value has exactly one element.
  [[nodiscard]] double item() const { return value().item(); }
  [[nodiscard]] Shape shape() const;
  [[nodiscard]] OpKind op() const;
  /// True for params and everything computed from them.
  [[nodiscard]] bool requires_grad() const;
  /// The name given at creation or by set_label(); empty if none.
  [[nodiscard]] std::string_view label() const;
  /// Names the node (for diagrams, messages and walkthroughs); returns *this.
  Var& set_label(std::string_view label);

  [[nodiscard]] Tape& tape() const;
  [[nodiscard]] std::size_t index() const noexcept { return index_; }
  /// True for a handle that refers to a node (it may since have been cleared from its tape).
  [[nodiscard]] bool valid() const noexcept { return tape_ != nullptr; }

  friend bool operator==(const Var&, const Var&) = default;

 private:
  friend class Tape;
  friend struct detail::Recorder;
  friend void detail::bad_var(const Var&, std::string_view, std::string_view);
  Var(Tape* tape, std::uint32_t index, std::uint32_t generation) noexcept
      : tape_(tape), index_(index), generation_(generation) {}
  // The node, checked: throws Error for an empty handle or one from before tape.clear().
  const detail::Node& node(std::string_view op, std::string_view argument) const;

  Tape* tape_ = nullptr;
  std::uint32_t index_ = 0;
  std::uint32_t generation_ = 0;
};

/// Read-only description of one node, for diagrams and tools.
struct NodeInfo {
  std::size_t index = 0;
  OpKind op = detail::kInputKind;
  Shape shape;
  /// The op's name ("sigmoid"; a custom op's own name).
  std::string_view name;
  std::size_t input_count = 0;
  /// The inputs' indices (input_count of them).
  std::vector<std::size_t> inputs;
  std::span<const double> constants;  ///< pow: {p}; affine: {alpha, beta}; rdiv: {c}
  int axis = -1;                      ///< sum, mean: -1 whole, 0 over rows, 1 over cols
  bool requires_grad = false;
  std::string_view label;

  /// True for a leaf holding a trainable parameter.
  [[nodiscard]] bool is_param() const noexcept { return op == detail::kParamKind; }
  /// True for a leaf (an input or a param).
  [[nodiscard]] bool is_leaf() const noexcept { return input_count == 0; }
};

/// How Tape::forward_backward() splits its work.
struct BlockOptions {
  /// Rows per block; 0 picks about 256 KiB of the batch nodes' values and gradients per block.
  std::size_t block_rows = 0;
  /// Threads that share the blocks, the calling thread included (at least 1).
  std::size_t threads = 1;
  /// The workers for threads > 1, which may be shared by several tapes (one pass at a time);
  /// null: the tape's own pool, started by its first pass with threads > 1 and kept.
  ThreadPool* pool = nullptr;
  /// A node whose values the pass shows to `on_block` as it computes them: for a batch node,
  /// each block's rows right after the block's forward pass (the only way to read a local value,
  /// see Tape::set_local_values); otherwise all of its rows once, after the forward pass. The
  /// arguments: the thread (0 .. threads - 1; calls of one thread come in row order, calls of
  /// different threads at the same time), the first row and the rows' values. Every row is shown
  /// once per pass, except that a pass which gives up its blocks (anomaly detection) and reruns
  /// as forward() and backward() shows all rows again in one call (first row 0): whoever sums
  /// over the calls starts again when a call has all rows.
  Var watch{};
  std::function<void(std::size_t thread, std::size_t first_row, TensorView values)> on_block{};
};

/// A recorded computation graph with its values and gradients.
class Tape {
 public:
  Tape() = default;
  Tape(const Tape&) = delete;
  Tape& operator=(const Tape&) = delete;
  Tape(Tape&&) = delete;
  Tape& operator=(Tape&&) = delete;
  ~Tape() = default;

  /// A leaf holding data: no gradient flows into it. Settable with set() for replay.
  Var input(double value, std::string_view label = {});
  Var input(TensorView value, std::string_view label = {});
  /// A zero-filled input leaf of the given shape, to be filled in place through mutable_value():
  /// large data goes straight into the tape without a temporary copy.
  Var input(Shape shape, std::string_view label = {});
  /// A borrowed input leaf: the tape reads `value`'s elements where they lie, in the caller's
  /// memory, and copies nothing (like torch.from_numpy): a large data set is used in place.
  /// Lifetime: the memory must stay valid, unchanged in size, for as long as the tape may read
  /// it, i.e. until clear() or the tape's end (every pass, value() and the leaf's Var read it).
  /// The caller may change the values between passes; like set(), a change takes effect at the
  /// next forward() or forward_backward(). The tape never writes to it: set() and mutable_value()
  /// refuse a borrowed leaf. It has no gradient, at least two elements (a one-element leaf:
  /// input(double)) and counts nothing towards bytes_used(). Values and gradients are those of
  /// input(value), bit for bit, in every pass (forward, backward, forward_backward's blocks,
  /// anomaly detection). Throws Error "input_view: value: ..." for no elements, one element, or
  /// no memory.
  Var input_view(TensorView value, std::string_view label = {});
  /// A leaf holding a trainable parameter: backward() accumulates its gradient.
  Var param(double value, std::string_view label = {});
  Var param(TensorView value, std::string_view label = {});

  /// Replaces a leaf's value (same shape); call forward() to recompute the graph. Throws Error
  /// for a borrowed leaf (input_view): write to the caller's memory instead.
  void set(Var leaf, double value);
  void set(Var leaf, TensorView value);
  /// Writable view of a leaf's value, e.g. for an optimizer's in-place update. Throws Error for a
  /// borrowed leaf (input_view), whose memory the caller writes.
  [[nodiscard]] MutableTensorView mutable_value(Var leaf);

  /// Re-evaluates every recorded node in recording order from the current leaf values, and sets
  /// every intermediate gradient (not the params') to zero.
  void forward();
  /// d root / d node for every node root depends on: seeds the one-element root with 1 and walks
  /// the tape in reverse once. Resets intermediate gradients first unless forward() just did; param
  /// gradients accumulate.
  void backward(Var root);
  /// Sets every param's gradient to zero. Intermediate gradients belong to one pass: the next
  /// forward(), backward() or forward_backward() resets them (until then they may keep the last
  /// pass's values).
  void zero_grad() noexcept;

  /// forward() then backward(root), over blocks of rows when the graph is a batch of examples:
  /// root is sum(P) or mean(P) over all elements of a node P whose m >= 2 rows are examples,
  /// possibly plus fixed terms (the root may be a chain of one-element nodes whose partial
  /// derivative along the chain does not depend on the values, such as `mean(P) + penalty` or
  /// `0.5 * sum(P)`, whose other operands depend on no batch node), and every node between the
  /// batch leaves (inputs and params with m rows, but for a leaf with m rows used as a matmul's
  /// right operand or transposed, when the graph needs it fixed) and P works row by row
  /// (element-wise ops whose other operand has one row, matmul with a batch left operand and a
  /// batch-free right one, sums and means along columns, per-row losses). Each block is then run
  /// forward and at once backward while it is in cache, so a large input is read once per gradient
  /// instead of twice; with threads > 1 the blocks are shared out over a persistent pool of workers
  /// and each thread sums param gradients privately. Values and gradients are those of forward()
  /// and backward(root) up to the order in which sums over rows are added (deterministic for given
  /// options). Under anomaly detection every value and gradient is checked as it is computed; at
  /// a non-finite one the pass restores the params' gradients and reruns as forward() and
  /// backward(root), which throw the same AnomalyError as without blocks. Any other graph runs
  /// forward() and backward(root). A warm call allocates nothing.
  void forward_backward(Var root, const BlockOptions& options = {});
  /// True when forward_backward(root) runs over blocks of rows (see there).
  [[nodiscard]] bool blockable(Var root) const;

  /// Anomaly detection: while on, recording and forward() throw AnomalyError at the first node
  /// (leaves included) whose value has a non-finite element, and backward() at the first node,
  /// in reverse order, whose gradient has one; the message names the node (index, op, label), the
  /// element, the shape and the inputs' values. Off by default: it costs one pass over each value
  /// and gradient. A node recorded with a non-finite value stays on the tape.
  void set_detect_anomalies(bool on) noexcept { detect_anomalies_ = on; }
  [[nodiscard]] bool detect_anomalies() const noexcept { return detect_anomalies_; }

  /// Local gradients, for graphs trained with forward_backward() on many examples: while `rows`
  /// is not 0, every node recorded that is not a leaf, has exactly `rows` rows (at least two) and
  /// needs a gradient gets no gradient storage on the tape. forward_backward() keeps such a
  /// gradient for one block of rows at a time (each thread in its own block-sized slot), so a
  /// batch of m examples no longer holds m rows of gradient for each per-example node (its
  /// values are kept as before). Results are those of the same graph recorded without local
  /// gradients, bit for bit. Whatever needs the whole gradient gives every local node its
  /// storage first, for good (the tape's gradients then move, and views of them are invalid):
  /// backward(), and forward_backward() when it runs the plain passes (a graph that is not
  /// blockable, a local node that is not one of its batch nodes, anomaly detection's rerun).
  /// grad() of a local node throws Error. 0 (the default) turns it off; nodes already recorded
  /// stay as they are.
  void set_local_gradients(std::size_t rows) noexcept { local_rows_ = rows; }
  [[nodiscard]] std::size_t local_gradients() const noexcept { return local_rows_; }
  /// Number of nodes whose gradient is local (kept per block only) and has no storage yet.
  [[nodiscard]] std::size_t local_gradient_nodes() const noexcept { return local_nodes_; }

  /// Local values, the values' counterpart of local gradients: while `rows` is not 0, every node
  /// recorded that is not a leaf and has exactly `rows` rows (at least two) gets no value storage
  /// on the tape, and recording evaluates no node at all (their values, zero until then, are
  /// computed by the next pass). forward_backward() computes a local value for one block of rows
  /// at a time, each thread in its own block-sized slot, and gives storage, for good, to the local
  /// nodes it must read whole: the input of the root's reduction, the inputs of nodes that are not
  /// batch nodes, and local nodes that are not batch nodes. A batch of m examples then holds no m
  /// rows of value for its other per-example nodes: BlockOptions::on_block shows their values
  /// block by block. Results are those of the same graph recorded without local values, bit for
  /// bit. forward() (and so forward_backward()'s plain passes) first gives every local value its
  /// storage, for good (the tape's values then move: views of them are invalid); backward() and
  /// value() of a local value throw Error. 0 (the default) turns it off; nodes already recorded
  /// stay as they are.
  void set_local_values(std::size_t rows) noexcept;
  [[nodiscard]] std::size_t local_values() const noexcept { return local_value_rows_; }
  /// Number of nodes whose value is local (kept per block only) and has no storage yet.
  [[nodiscard]] std::size_t local_value_nodes() const noexcept { return local_value_nodes_; }

  /// Forgets every node but keeps the memory, so recording the same graph again does not
  /// allocate. Every Var of this tape becomes invalid.
  void clear() noexcept;
  /// Reserves room for `nodes` nodes and `elements` value elements (and as many gradient
  /// elements, or `gradients` when given).
  void reserve(std::size_t nodes, std::size_t elements,
               std::optional<std::size_t> gradients = std::nullopt);

  /// Number of recorded nodes.
  [[nodiscard]] std::size_t size() const noexcept { return nodes_.size(); }
  /// Handle to node `index`; throws Error when out of range.
  [[nodiscard]] Var var(std::size_t index);
  /// Description of node `index`; throws Error when out of range.
  [[nodiscard]] NodeInfo node(std::size_t index) const;
  /// Every Param leaf, in recording order.
  [[nodiscard]] std::vector<Var> params();
  /// Bytes held in the tape's arrays (nodes, values, gradients, constants), by size not capacity.
  [[nodiscard]] std::size_t bytes_used() const noexcept;

  [[nodiscard]] TensorView value(std::size_t index) const;
  [[nodiscard]] TensorView grad(std::size_t index) const;
  /// True when node `index` has gradient storage (false for inputs, detached values and local
  /// gradients, see set_local_gradients).
  [[nodiscard]] bool has_grad(std::size_t index) const;
  /// The local partial derivative d node / d input for input `slot` of a node whose value and
  /// inputs all have one element, at the current values, computed by the node's own backward
  /// rule (seeded with 1). nullopt for leaves, a slot the node does not have, tensors, and a
  /// gradient stop (detach). Throws Error when `node` is out of range.
  [[nodiscard]] std::optional<double> local_partial(std::size_t node, std::size_t slot) const;

 private:
  friend class Var;
  friend struct detail::Recorder;

  std::uint32_t push(OpKind op, std::uint32_t in0, std::uint32_t in1, Shape shape,
                     std::uint8_t flags, std::uint16_t extra = 0);
  // A one-element node of an element-wise rule whose value (and, when it has a gradient, partial
  // derivatives pa and pb; pb unused for one input) the recorder computed: the scalar fast path.
  [[gnu::always_inline]] std::uint32_t push_scalar(OpKind op, std::uint32_t in0, std::uint32_t in1,
                                                   std::uint8_t flags, double value,
                                                   const detail::StoredOp& stored);
  [[noreturn, gnu::cold]] void push_scalar_failed(OpKind op) const;
  // Appends one value element (of a node of kind `op`) and returns its offset: both scalar paths.
  [[gnu::always_inline]] std::uint32_t push_value(OpKind op, double value);
  // input(double) and param(double): a one-element leaf appended inline (no view, no shape
  // checks, no general push()); the label and anomaly mode's check out of line.
  [[gnu::always_inline]] Var scalar_leaf(OpKind op, std::uint8_t flags, double value,
                                         std::string_view label);
  [[gnu::cold]] void scalar_leaf_extras(std::uint32_t index, std::string_view label);
  // The end of the StoredOps of nodes [0, end).
  detail::StoredOp* stored_end(std::size_t end) noexcept;
  Var leaf(OpKind op, TensorView value, std::string_view label, std::string_view who);
  const detail::Node& checked_node(std::size_t index, std::string_view op) const;
  const detail::Node& own(const Var& v, std::string_view op, std::string_view argument) const;
  std::string describe(std::size_t index) const;
  void check_finite(std::size_t index, bool gradient) const;
  void forward_checked();
  void backward_checked(std::size_t root);
  const detail::Node& check_root(const Var& root, std::string_view op) const;
  void reset_inner_grads() noexcept;
  // Gives every local gradient (set_local_gradients) its storage in grads_.
  void store_local_grads();
  // Gives node i's local value (set_local_values) its storage in values_; all of them.
  void store_local_value(std::uint32_t i);
  [[gnu::cold, gnu::noinline]] void store_local_values();
  // forward_backward(): storage for the local values it reads whole; block-sized slots (one
  // per thread) for the others, at the end of values_.
  void place_local_values(std::uint32_t reduce, std::size_t rows, std::size_t threads);
  [[noreturn, gnu::cold]] void value_failed(std::size_t index, std::string_view op) const;
  [[noreturn, gnu::cold, gnu::noinline]] void local_values_failed(std::string_view op) const;
  void mark_live(std::uint32_t root);
  // Called by the recorder for each input of a node with a gradient just pushed.
  void consume(std::uint32_t input) noexcept {
    std::uint8_t& f = nodes_[input].flags;
    const bool first = (f & (detail::kRequiresGrad | detail::kConsumed)) == detail::kRequiresGrad;
    f = static_cast<std::uint8_t>(f | (first ? detail::kConsumed : 0));
    unconsumed_ -= first ? 1 : 0;
  }
  // The arrays as the rules see them (const: the rules called from const members only read).
  detail::Ctx context() const noexcept;
  std::uint32_t classify_rows(std::uint32_t root, std::vector<std::uint8_t>& batch,
                              std::uint32_t& reduce, double& scale) const;
  void run_blocks(std::size_t thread, std::size_t first, std::size_t last, std::size_t rows,
                  std::size_t m, std::uint32_t reduce, double seed, const BlockOptions* watching);
  bool blocks_finite(std::uint32_t root) const;
  void save_leaf_grads(std::uint32_t root, bool restore);
  const detail::Operands* replay_plan();
  void build_replay_plan();
  // The errors of mutable_value(), grad() and backward(), out of line (see the inline
  // definitions at the end of this file).
  [[noreturn, gnu::cold]] void mutable_value_failed(const Var& leaf) const;
  [[noreturn, gnu::cold]] void grad_failed(std::size_t index) const;
  // Where node n's value lies: values_, or a borrowed leaf's memory (detail::values_of).
  [[nodiscard]] const double* value_data(const detail::Node& n) const noexcept {
    return ((n.flags & detail::kLeaf) != 0 && n.extra != 0) ? borrowed_[n.extra - 1u] + n.value
                                                            : values_.data() + n.value;
  }

  std::vector<detail::Node> nodes_;
  std::vector<double> values_;
  std::vector<double> grads_;
  std::vector<double> consts_;
  // One StoredOp per kStored node, in node order.
  std::vector<detail::StoredOp> stored_;
  // Nodes with a gradient that are neither leaves nor kStored: while there are none, backward()
  // of a root whose every node is on its path walks stored_ alone.
  std::size_t unstored_ = 0;
  // False when values may have changed since the partials were computed (a leaf set, anomaly
  // mode's forward, forward_backward()): backward() then runs the rules instead. forward() and
  // clear() make them current again.
  bool partials_current_ = true;
  std::vector<double> workspace_;     // scratch for rules (matmul packing), kept across passes
  std::vector<std::uint32_t> links_;  // input lists of nodes with more than two inputs
  // The memory of borrowed leaves (input_view), by Node::extra - 1; the caller owns it.
  std::vector<const double*> borrowed_;
  // Objects that nodes refer to by index (custom ops' definitions), kept alive with the graph.
  std::vector<std::shared_ptr<const void>> objects_;
  std::unordered_map<std::uint32_t, std::string> labels_;
  // Advanced by clear(): a Var of another generation refers to a forgotten node.
  std::uint32_t generation_ = 0;
  // Which nodes the last backward root depends on (live_[i] != 0), for root live_root_ of a tape
  // of live_size_ nodes; all_live_ when that is every node with a gradient before the root.
  std::vector<std::uint8_t> live_;
  std::uint32_t live_root_ = 0;
  std::size_t live_size_ = 0;
  bool all_live_ = false;
  // Nodes with a gradient that no later node with a gradient takes as an input. When it is 1
  // (the root itself) and the root is the last node, every node with a gradient is on a path to
  // the root, and backward() needs no search.
  std::size_t unconsumed_ = 0;
  // forward_backward(): what each node is (0 fixed, 1 batch, 2 on the root's chain down to the
  // reduction), the batch nodes in order, per-thread scratch and errors, the leaves' gradients
  // saved under anomaly detection, and the tape's own worker pool (created by the first pass
  // with threads > 1 that is given none; shared_ptr so that only blocked_pass.cpp needs its
  // definition).
  std::vector<std::uint8_t> block_batch_;
  std::vector<std::uint32_t> block_order_;
  std::vector<detail::BlockScratch> block_scratch_;
  std::vector<std::exception_ptr> block_errors_;
  std::vector<double> block_saved_;
  std::shared_ptr<ThreadPool> pool_;
  // The replay plan: plan_[i] holds node i's Operands. Built by forward() when its size differs
  // from nodes_'s (nodes were recorded since), emptied by clear(); backward() uses it when valid.
  std::vector<detail::Operands> plan_;
  // Gradients of non-leaf nodes occupy grads_[inner_begin_, end) unless a param was created
  // after an intermediate (inner_mixed_): backward() then resets them node by node.
  std::size_t inner_begin_ = 0;
  bool has_inner_ = false;
  bool inner_mixed_ = false;
  // True while every intermediate gradient is known to be zero (after zero_grad(), clear() or
  // before the first backward()): backward() then skips its reset.
  bool inner_zero_ = true;
  bool detect_anomalies_ = false;
  // set_local_gradients(): the rows of nodes recorded with local gradients (0: none), and the
  // number of nodes whose gradient is local and has no storage (their Node::grad is kNoGrad).
  std::size_t local_rows_ = 0;
  std::size_t local_nodes_ = 0;
  // set_local_values(): the rows of nodes recorded with local values (0: none; while not 0,
  // recording evaluates nothing) and the number of local values without storage. Their block
  // slots in forward_backward(): node i's offset in a thread's slots (block_slot_[i]), the
  // elements of one thread's slots, and where all of them lie in values_ (reused by the next
  // pass while they are still at the end of values_).
  std::size_t local_value_rows_ = 0;
  std::size_t local_value_nodes_ = 0;
  std::vector<std::size_t> block_slot_;
  std::size_t slot_stride_ = 0;
  std::size_t slots_begin_ = 0;
  std::size_t slots_size_ = 0;
};

/// Turns anomaly detection on for a scope and restores the previous setting when it ends.
class AnomalyGuard {
 public:
  explicit AnomalyGuard(Tape& tape) : tape_(tape), previous_(tape.detect_anomalies()) {
    tape_.set_detect_anomalies(true);
  }
  AnomalyGuard(const AnomalyGuard&) = delete;
  AnomalyGuard& operator=(const AnomalyGuard&) = delete;
  ~AnomalyGuard() { tape_.set_detect_anomalies(previous_); }

 private:
  Tape& tape_;
  bool previous_;
};

// Called once per param per training step: inline, with the errors out of line.

inline MutableTensorView Tape::mutable_value(Var leaf) {
  if (leaf.tape_ != this || leaf.generation_ != generation_ ||
      (nodes_[leaf.index_].flags & detail::kLeaf) == 0 || nodes_[leaf.index_].extra != 0)
      [[unlikely]]
    mutable_value_failed(leaf);
  partials_current_ = false;
  const detail::Node& n = nodes_[leaf.index_];
  return {values_.data() + n.value, n.shape()};
}

inline TensorView Tape::grad(std::size_t index) const {
  if (index >= nodes_.size() || nodes_[index].grad == detail::kNoGrad) [[unlikely]]
    grad_failed(index);
  const detail::Node& n = nodes_[index];
  return {grads_.data() + n.grad, n.shape()};
}

inline std::uint32_t Tape::push_value(OpKind op, double value) {
  if (values_.size() + 1 >= 0xffffffffu) [[unlikely]]
    push_scalar_failed(op);
  const auto at = static_cast<std::uint32_t>(values_.size());
  values_.push_back(value);
  return at;
}

inline std::uint32_t Tape::push_scalar(OpKind op, std::uint32_t in0, std::uint32_t in1,
                                       std::uint8_t flags, double value,
                                       const detail::StoredOp& stored) {
  const std::uint32_t at = push_value(op, value);
  std::uint32_t grad = detail::kNoGrad;
  if ((flags & detail::kRequiresGrad) != 0) {
    flags |= detail::kStored;
    grad = static_cast<std::uint32_t>(grads_.size());
    if (!has_inner_) {
      has_inner_ = true;
      inner_begin_ = grads_.size();
    }
    grads_.push_back(0.0);
    stored_.push_back(stored);
    stored_.back().g = grad;
  }
  flags |= detail::kScalar;
  nodes_.push_back(detail::Node{op, flags, 0, in0, in1, 1, 1, at, grad});
  unconsumed_ += flags & detail::kRequiresGrad;  // its inputs: consume(), by the recorder
  return static_cast<std::uint32_t>(nodes_.size() - 1);
}

inline Var Tape::scalar_leaf(OpKind op, std::uint8_t flags, double value, std::string_view label) {
  const std::uint32_t at = push_value(op, value);
  std::uint32_t grad = detail::kNoGrad;
  if ((flags & detail::kRequiresGrad) != 0) {
    grad = static_cast<std::uint32_t>(grads_.size());
    inner_mixed_ = inner_mixed_ || has_inner_;  // a param after an intermediate
    grads_.push_back(0.0);
  }
  flags |= detail::kScalar;
  nodes_.push_back(detail::Node{op, flags, 0, 0, 0, 1, 1, at, grad});
  unconsumed_ += flags & detail::kRequiresGrad;
  const auto index = static_cast<std::uint32_t>(nodes_.size() - 1);
  if (!label.empty() || detect_anomalies_) [[unlikely]]
    scalar_leaf_extras(index, label);
  return Var(this, index, generation_);
}

inline Var Tape::input(double value, std::string_view label) {
  return scalar_leaf(detail::kInputKind, detail::kLeaf, value, label);
}

inline Var Tape::param(double value, std::string_view label) {
  return scalar_leaf(detail::kParamKind, detail::kLeaf | detail::kRequiresGrad, value, label);
}

inline const detail::Node& Var::node(std::string_view op, std::string_view argument) const {
  if (tape_ == nullptr || generation_ != tape_->generation_) [[unlikely]]
    detail::bad_var(*this, op, argument);
  return tape_->nodes_[index_];
}

inline TensorView Var::grad() const {
  const detail::Node& n = node("Var", "handle");
  if (n.grad == detail::kNoGrad) [[unlikely]]
    tape_->grad_failed(index_);
  return {tape_->grads_.data() + n.grad, n.shape()};
}

inline Tape& Var::tape() const {
  node("Var", "handle");
  return *tape_;
}

}  // namespace tapegrad
