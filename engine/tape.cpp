#include "tapegrad/engine/tape.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "tapegrad/engine/detail/rules.hpp"
#include "tapegrad/engine/error.hpp"

namespace tapegrad {

using detail::kLeaf;
using detail::kNoGrad;
using detail::kRequiresGrad;
using detail::Node;

// ---------------------------------------------------------------- Var

TensorView Var::value() const {
  const Node& n = node("Var", "handle");
  if (n.value == detail::kNoValue) [[unlikely]]
    tape_->value_failed(index_, "value");
  return {tape_->value_data(n), n.shape()};
}
Shape Var::shape() const { return node("Var", "handle").shape(); }
OpKind Var::op() const { return node("Var", "handle").op; }
bool Var::requires_grad() const { return (node("Var", "handle").flags & kRequiresGrad) != 0; }

std::string_view Var::label() const {
  node("Var", "handle");
  const auto& labels = tape_->labels_;
  const auto it = labels.find(index_);
  return it == labels.end() ? std::string_view{} : std::string_view{it->second};
}

Var& Var::set_label(std::string_view label) {
  node("Var", "handle");
  tape_->labels_[index_] = std::string(label);
  return *this;
}

void detail::bad_var(const Var& v, std::string_view op, std::string_view argument) {
  if (v.tape_ == nullptr) fail(op, argument, "empty Var (default-constructed, not from a tape)");
  fail(op, argument,
       "node {} was recorded before tape.clear(); a Var does not outlive the graph it names",
       v.index_);
}

detail::Ctx Tape::context() const noexcept {
  auto& self = const_cast<Tape&>(*this);
  return {nodes_.data(),    consts_.data(), self.values_.data(), self.grads_.data(),
          &self.workspace_, links_.data(),  objects_.data(),     borrowed_.data()};
}

// ---------------------------------------------------------------- recording

namespace {
// push()'s failures, out of line so that the common path stays short.
[[noreturn, gnu::cold, gnu::noinline]] void push_failed(std::string_view op, Shape shape) {
  detail::check_shape(op, "shape", shape);
  detail::fail(op, "tape", "full: a tape holds fewer than 2^32 nodes and elements");
}
}  // namespace

std::uint32_t Tape::push(OpKind op, std::uint32_t in0, std::uint32_t in1, Shape shape,
                         std::uint8_t flags, std::uint16_t extra) {
  constexpr std::size_t kMax = std::numeric_limits<std::uint32_t>::max();
  const std::size_t size = shape.size();
  // One bound covers the node and gradient counts too: every node has at least one value
  // element, and every gradient element belongs to a node's value. Rows and columns below 2^32
  // (checked where leaves are created; every other shape derives from theirs or is checked by its
  // op) keep size from wrapping.
  if (size == 0 || values_.size() + size >= kMax) [[unlikely]] {
    Node probe{};
    probe.op = op;
    push_failed(detail::node_op_name(context(), probe), shape);
  }
  auto value = static_cast<std::uint32_t>(values_.size());
  if (size == 1) {
    flags |= detail::kScalar;
    values_.push_back(0.0);
  } else if (local_value_rows_ >= 2 && shape.rows == local_value_rows_ && (flags & kLeaf) == 0) {
    value = detail::kNoValue;  // a local value: no storage (store_local_value gives it some)
    ++local_value_nodes_;
  } else {
    values_.resize(values_.size() + size);
  }
  std::uint32_t grad = kNoGrad;
  if ((flags & kRequiresGrad) != 0 && local_rows_ >= 2 && shape.rows == local_rows_ &&
      (flags & kLeaf) == 0) {
    ++local_nodes_;  // a local gradient: no storage (store_local_grads gives it some)
  } else if ((flags & kRequiresGrad) != 0) {
    grad = static_cast<std::uint32_t>(grads_.size());
    if ((flags & kLeaf) == 0 && !has_inner_) {
      has_inner_ = true;
      inner_begin_ = grads_.size();
    } else if ((flags & kLeaf) != 0 && has_inner_) {
      inner_mixed_ = true;
    }
    if (size == 1) {
      grads_.push_back(0.0);
    } else {
      grads_.resize(grads_.size() + size, 0.0);
    }
  }
  nodes_.emplace_back(Node{op, flags, extra, in0, in1, static_cast<std::uint32_t>(shape.rows),
                           static_cast<std::uint32_t>(shape.cols), value, grad});
  unconsumed_ += flags & kRequiresGrad;  // its inputs are consumed by the recorder (consume())
  unstored_ += (flags & (kLeaf | kRequiresGrad)) == kRequiresGrad ? 1 : 0;
  return static_cast<std::uint32_t>(nodes_.size() - 1);
}

void Tape::push_scalar_failed(OpKind op) const {
  Node probe{};
  probe.op = op;
  push_failed(detail::node_op_name(context(), probe), Shape{});
}

void Tape::scalar_leaf_extras(std::uint32_t index, std::string_view label) {
  if (!label.empty()) labels_[index] = std::string(label);
  if (detect_anomalies_) check_finite(index, false);
}

Var Tape::leaf(OpKind op, TensorView value, std::string_view label, std::string_view who) {
  if (value.size() == 0) detail::fail(who, "value", "shape {} has no elements", value.shape());
  if ((std::uint64_t{value.rows() | value.cols()} >> 32) != 0) [[unlikely]]
    detail::check_shape(who, "value", value.shape());
  const std::uint8_t flags = kLeaf | (op == detail::kParamKind ? kRequiresGrad : 0);
  // `value` may view this tape's own values (tape.input(v.value())), which push() can move: such
  // a view is copied from its offset afterwards.
  const auto at = reinterpret_cast<std::uintptr_t>(value.data());
  const auto begin = reinterpret_cast<std::uintptr_t>(values_.data());
  const bool own = at >= begin && at < begin + values_.size() * sizeof(double);
  const std::size_t offset = own ? (at - begin) / sizeof(double) : 0;
  const std::uint32_t i = push(op, 0, 0, value.shape(), flags);
  const double* from = own ? values_.data() + offset : value.data();
  std::copy_n(from, value.size(), values_.begin() + nodes_[i].value);
  Var v(this, i, generation_);
  if (!label.empty()) v.set_label(label);
  if (detect_anomalies_) check_finite(i, false);
  return v;
}

Var Tape::input(TensorView value, std::string_view label) {
  return leaf(detail::kInputKind, value, label, "input");
}
Var Tape::input(Shape shape, std::string_view label) {
  detail::check_shape("input", "shape", shape);
  // push zero-fills the value
  Var v(this, push(detail::kInputKind, 0, 0, shape, kLeaf), generation_);
  if (!label.empty()) v.set_label(label);
  return v;
}
Var Tape::input_view(TensorView value, std::string_view label) {
  if (value.size() < 2) {
    detail::fail("input_view", "value",
                 "shape {} has {}; a borrowed leaf needs at least two (use input() to copy)",
                 value.shape(), value.size() == 0 ? "no elements" : "one element");
  }
  if (value.data() == nullptr) {
    detail::fail("input_view", "value", "shape {} but no memory (a null data pointer)",
                 value.shape());
  }
  if ((std::uint64_t{value.rows() | value.cols()} >> 32) != 0) [[unlikely]]
    detail::check_shape("input_view", "value", value.shape());
  const auto at = reinterpret_cast<std::uintptr_t>(value.data());
  const auto begin = reinterpret_cast<std::uintptr_t>(values_.data());
  if (at >= begin && at < begin + values_.size() * sizeof(double)) {
    detail::fail("input_view", "value",
                 "views this tape's own values, which move as the tape grows; use input() to "
                 "copy them");
  }
  if (borrowed_.size() >= 0xffffu) {
    detail::fail("input_view", "tape", "full: a tape holds at most 65,535 borrowed leaves");
  }
  // A node with no value of its own in values_: push() appends one, which is given back.
  const std::size_t size = value.size();
  if (size >= 0xffffffffu) {  // offsets into it (forward_backward's blocks) are 32-bit
    detail::fail("input_view", "value",
                 "shape {} has {} elements; a borrowed leaf holds fewer "
                 "than 2^32",
                 value.shape(), size);
  }
  nodes_.emplace_back(Node{detail::kInputKind, kLeaf,
                           static_cast<std::uint16_t>(borrowed_.size() + 1), 0, 0,
                           static_cast<std::uint32_t>(value.rows()),
                           static_cast<std::uint32_t>(value.cols()), 0, kNoGrad});
  borrowed_.push_back(value.data());
  const auto i = static_cast<std::uint32_t>(nodes_.size() - 1);
  Var v(this, i, generation_);
  if (!label.empty()) v.set_label(label);
  if (detect_anomalies_) check_finite(i, false);
  return v;
}

Var Tape::param(TensorView value, std::string_view label) {
  return leaf(detail::kParamKind, value, label, "param");
}

// ---------------------------------------------------------------- leaves

const Node& Tape::own(const Var& v, std::string_view op, std::string_view argument) const {
  const Node& n = v.node(op, argument);
  if (v.tape_ != this) detail::fail(op, argument, "node {} belongs to another tape", v.index_);
  return n;
}

void Tape::set(Var leaf, double value) { set(leaf, TensorView(&value, Shape{})); }

void Tape::set(Var leaf, TensorView value) {
  const Node& n = own(leaf, "set", "leaf");
  if ((n.flags & kLeaf) == 0) {
    detail::fail("set", "leaf", "{} is not a leaf; only inputs and params can be set",
                 describe(leaf.index_));
  }
  if (n.extra != 0) {
    detail::fail("set", "leaf",
                 "{} is borrowed (input_view): the tape reads the caller's memory; write to it "
                 "instead",
                 describe(leaf.index_));
  }
  if (value.shape() != n.shape()) {
    detail::fail("set", "value", "shape {} does not match {} of shape {}", value.shape(),
                 describe(leaf.index_), n.shape());
  }
  partials_current_ = false;
  std::copy(value.begin(), value.end(), values_.begin() + n.value);
}

void Tape::mutable_value_failed(const Var& leaf) const {
  const Node& n = own(leaf, "mutable_value", "leaf");
  if ((n.flags & kLeaf) != 0) {
    detail::fail("mutable_value", "leaf",
                 "{} is borrowed (input_view): the tape reads the caller's memory; write to it "
                 "instead",
                 describe(leaf.index_));
  }
  detail::fail("mutable_value", "leaf", "{} is not a leaf; only inputs and params can be changed",
               describe(leaf.index_));
}

// ---------------------------------------------------------------- passes

void Tape::forward() {
  if (local_value_nodes_ != 0) [[unlikely]]
    store_local_values();
  if (detect_anomalies_) return forward_checked();
  const detail::Operands* plan = replay_plan();
  // The loop also computes the stored partials and zeroes every intermediate gradient (in the
  // same pass over the nodes, instead of a separate memset in backward()).
  detail::forward_nodes(context(), 0, nodes_.size(), plan, stored_.data());
  partials_current_ = true;
  inner_zero_ = true;
}

detail::StoredOp* Tape::stored_end(std::size_t end) noexcept {
  detail::StoredOp* s = stored_.data() + stored_.size();
  for (std::size_t i = nodes_.size(); i-- > end;) s -= (nodes_[i].flags & detail::kStored) ? 1 : 0;
  return s;
}

namespace {
// backward() of a graph whose every node with a gradient is a leaf or kStored and on the root's
// path: the stored multiply-adds alone, last to first, no Node read (what Adept's reverse pass
// does). The same products added in the same order as the rules would add them.
void backward_stored(double* grads, const detail::StoredOp* first, const detail::StoredOp* last) {
  while (last != first) {
    --last;
    const double g = grads[last->g];
    if (last->ga != kNoGrad) grads[last->ga] += g * last->partial[0];
    if (last->gb != kNoGrad) grads[last->gb] += g * last->partial[1];
  }
}
}  // namespace

// The plan, (re)built if nodes were recorded since it was.
const detail::Operands* Tape::replay_plan() {
  if (plan_.size() != nodes_.size()) build_replay_plan();
  return plan_.data();
}

void Tape::build_replay_plan() {
  plan_.resize(nodes_.size());
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    const Node& n = nodes_[i];
    const std::uint32_t arity = n.arity();
    const Node& a = nodes_[arity > 0 ? n.input(0, links_.data()) : i];
    const Node& b = nodes_[arity > 1 ? n.input(1, links_.data()) : i];
    plan_[i] = {a.value, b.value, a.grad, b.grad};
  }
}

// forward() with anomaly detection: kept apart so that the unchecked loop stays as tight.
void Tape::forward_checked() {
  partials_current_ = false;  // the rules run one by one, without the partials
  const detail::Ctx ctx = context();
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if ((nodes_[i].flags & kLeaf) == 0) detail::forward_node(ctx, nodes_[i]);
    check_finite(i, false);
  }
}

const Node& Tape::check_root(const Var& root, std::string_view op) const {
  const Node& r = own(root, op, "root");
  if (r.size() != 1) {
    detail::fail(op, "root", "{} has shape {}; {} needs a one-element root", describe(root.index_),
                 r.shape(), op);
  }
  if (r.grad == kNoGrad) {
    detail::fail(op, "root", "{} does not depend on any param; there is nothing to differentiate",
                 describe(root.index_));
  }
  return r;
}

// Intermediate gradients describe one pass: start them from zero (called unless they are).
void Tape::reset_inner_grads() noexcept {
  if (inner_mixed_) {
    for (const Node& n : nodes_) {
      if (n.grad != kNoGrad && (n.flags & kLeaf) == 0) {
        std::fill_n(grads_.begin() + n.grad, n.size(), 0.0);
      }
    }
  } else if (has_inner_) {
    std::fill(grads_.begin() + static_cast<std::ptrdiff_t>(inner_begin_), grads_.end(), 0.0);
  }
}

void Tape::store_local_grads() {
  for (Node& n : nodes_) {
    if ((n.flags & kRequiresGrad) == 0 || n.grad != kNoGrad) continue;
    if (!has_inner_) {  // local nodes are never leaves
      has_inner_ = true;
      inner_begin_ = grads_.size();
    }
    n.grad = static_cast<std::uint32_t>(grads_.size());
    grads_.resize(grads_.size() + n.size(), 0.0);
  }
  local_nodes_ = 0;
  if (!plan_.empty()) build_replay_plan();  // it holds gradient offsets
}

void Tape::set_local_values(std::size_t rows) noexcept {
  local_value_rows_ = rows;
  // What is recorded now is not evaluated: partials stored so far may be computed from values
  // that the next pass changes.
  if (rows != 0) partials_current_ = false;
}

void Tape::store_local_value(std::uint32_t i) {
  Node& n = nodes_[i];
  if (n.value != detail::kNoValue) return;
  n.value = static_cast<std::uint32_t>(values_.size());
  values_.resize(values_.size() + n.size(), 0.0);
  --local_value_nodes_;
  plan_.clear();  // it holds value offsets
}

void Tape::store_local_values() {
  for (std::uint32_t i = 0; i < nodes_.size() && local_value_nodes_ != 0; ++i) {
    store_local_value(i);
  }
}

void Tape::value_failed(std::size_t index, std::string_view op) const {
  detail::fail(op, "node",
               "{} keeps its value per block only (set_local_values): read it with "
               "BlockOptions::on_block, or call forward() first",
               describe(index));
}

void Tape::local_values_failed(std::string_view op) const {
  detail::fail(op, "tape",
               "the values of {} are kept per block only (set_local_values); call forward() or "
               "forward_backward() instead",
               detail::plural(local_value_nodes_, "node"));
}

void Tape::backward(Var root) {
  if (local_value_nodes_ != 0) [[unlikely]]
    local_values_failed("backward");
  if (local_nodes_ != 0) store_local_grads();
  const Node& r = check_root(root, "backward");
  if (!inner_zero_) reset_inner_grads();
  inner_zero_ = false;
  grads_[r.grad] += 1.0;  // d root / d root
  if (detect_anomalies_) return backward_checked(root.index_);
  const detail::Ctx ctx = context();
  const std::size_t end = std::size_t{root.index_} + 1;
  const detail::Operands* plan = plan_.size() == nodes_.size() ? plan_.data() : nullptr;
  // Stored partials, when current, replace the element-wise rules of one-element nodes; when
  // every node with a gradient is stored (or a leaf) and on the root's path, they are all that
  // backward needs.
  const detail::StoredOp* stored = partials_current_ ? stored_end(end) : nullptr;
  const bool stream = stored != nullptr && unstored_ == 0;
  // Only the nodes the root depends on pass gradients on: a node off every path to the root
  // contributes nothing, even where its local derivative is infinite. The first pass for a root
  // finds them as it goes (each visited node marks its inputs); later passes on the same graph
  // reuse what it found, and when that is every node, run the plain reverse loop.
  if (live_size_ == nodes_.size() && live_root_ == root.index_) {
    if (all_live_ && stream) {
      backward_stored(grads_.data(), stored_.data(), stored);
    } else if (all_live_) {
      detail::backward_nodes(ctx, end, plan, stored);
    } else {
      detail::backward_live_nodes(ctx, end, plan, live_.data(), stored);
    }
    return;
  }
  live_root_ = root.index_;
  live_size_ = nodes_.size();
  if (end == nodes_.size() && unconsumed_ == 1) {  // everything leads to the last node, the root
    all_live_ = true;
    if (stream) {
      backward_stored(grads_.data(), stored_.data(), stored);
    } else {
      detail::backward_nodes(ctx, end, plan, stored);
    }
    return;
  }
  live_.assign(end, 0);
  live_[root.index_] = 1;
  all_live_ = detail::backward_marking_nodes(ctx, end, live_.data());
}

// Marks live_[i] for the nodes before `root` that it depends on through gradient-carrying nodes.
void Tape::mark_live(std::uint32_t root) {
  if (live_size_ == nodes_.size() && live_root_ == root) {
    // Known; backward()'s shortcut for all-live graphs leaves live_ unfilled.
    if (all_live_) live_.assign(std::size_t{root} + 1, 1);
    return;
  }
  live_.assign(std::size_t{root} + 1, 0);
  live_[root] = 1;
  bool all = true;
  for (std::size_t i = root + 1; i-- > 0;) {
    const Node& n = nodes_[i];
    if ((n.flags & kRequiresGrad) == 0) continue;  // local gradients included
    if (live_[i] == 0) {
      all = false;
      continue;
    }
    for (std::uint32_t s = 0; s < n.arity(); ++s) live_[n.input(s, links_.data())] = 1;
  }
  all_live_ = all;
  live_root_ = root;
  live_size_ = nodes_.size();
}

// The reverse walk with anomaly detection. A node's gradient is complete when the walk reaches
// it: it is checked there, before the node passes it on.
void Tape::backward_checked(std::size_t root) {
  mark_live(static_cast<std::uint32_t>(root));
  const detail::Ctx ctx = context();
  for (std::size_t i = root + 1; i-- > 0;) {
    const Node& n = nodes_[i];
    if (n.grad == kNoGrad || live_[i] == 0) continue;
    check_finite(i, true);
    if ((n.flags & kLeaf) == 0) detail::backward_node(ctx, n);
  }
}

void Tape::zero_grad() noexcept {
  // Params' gradients come first. Many intermediate gradients are left to the next pass, which
  // resets them anyway (forward_backward() block by block, in cache); a few are zeroed at once, so
  // that backward() on a small graph need not reset them.
  constexpr std::size_t kFewIntermediates = 4096;
  if (has_inner_ && !inner_mixed_ &&
      (inner_zero_ || grads_.size() - inner_begin_ > kFewIntermediates)) {
    std::fill(grads_.begin(), grads_.begin() + static_cast<std::ptrdiff_t>(inner_begin_), 0.0);
    return;
  }
  std::fill(grads_.begin(), grads_.end(), 0.0);
  inner_zero_ = true;
}

void Tape::clear() noexcept {
  nodes_.clear();
  values_.clear();
  grads_.clear();
  consts_.clear();
  stored_.clear();
  borrowed_.clear();
  partials_current_ = true;
  unstored_ = 0;
  local_nodes_ = 0;
  local_value_nodes_ = 0;
  slots_begin_ = slots_size_ = 0;
  links_.clear();
  objects_.clear();
  labels_.clear();
  plan_.clear();
  ++generation_;
  live_size_ = 0;
  unconsumed_ = 0;
  inner_begin_ = 0;
  has_inner_ = false;
  inner_mixed_ = false;
  inner_zero_ = true;
}

void Tape::reserve(std::size_t nodes, std::size_t elements, std::optional<std::size_t> gradients) {
  nodes_.reserve(nodes);
  values_.reserve(elements);
  grads_.reserve(gradients.value_or(elements));
}

// ---------------------------------------------------------------- inspection

const Node& Tape::checked_node(std::size_t index, std::string_view op) const {
  if (index >= nodes_.size()) {
    detail::fail(op, "index", "{} is out of range: the tape has {} nodes", index, nodes_.size());
  }
  return nodes_[index];
}

Var Tape::var(std::size_t index) {
  checked_node(index, "var");
  return Var(this, static_cast<std::uint32_t>(index), generation_);
}

NodeInfo Tape::node(std::size_t index) const {
  const Node& n = checked_node(index, "node");
  NodeInfo info;
  info.index = index;
  info.op = n.op;
  info.name = detail::node_op_name(context(), n);
  info.shape = n.shape();
  info.input_count = n.arity();
  for (std::uint32_t s = 0; s < n.arity(); ++s) info.inputs.push_back(n.input(s, links_.data()));
  if (const std::size_t k = detail::node_constant_count(n); k > 0) {
    info.constants = {consts_.data() + n.in1, k};
  }
  info.axis = detail::node_axis(n);
  info.requires_grad = (n.flags & kRequiresGrad) != 0;
  const auto it = labels_.find(static_cast<std::uint32_t>(index));
  if (it != labels_.end()) info.label = it->second;
  return info;
}

std::vector<Var> Tape::params() {
  std::vector<Var> out;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].op == detail::kParamKind) {
      out.push_back(Var(this, static_cast<std::uint32_t>(i), generation_));
    }
  }
  return out;
}

std::size_t Tape::bytes_used() const noexcept {
  return nodes_.size() * sizeof(Node) + plan_.size() * sizeof(detail::Operands) +
         stored_.size() * sizeof(detail::StoredOp) +
         (values_.size() + grads_.size() + consts_.size()) * sizeof(double) +
         links_.size() * sizeof(std::uint32_t);
}

TensorView Tape::value(std::size_t index) const {
  const Node& n = checked_node(index, "value");
  if (n.value == detail::kNoValue) value_failed(index, "value");
  return {value_data(n), n.shape()};
}

bool Tape::has_grad(std::size_t index) const { return checked_node(index, "grad").grad != kNoGrad; }

std::optional<double> Tape::local_partial(std::size_t index, std::size_t slot) const {
  const Node& n = checked_node(index, "local_partial");
  const std::uint32_t arity = n.arity();
  if (slot >= arity || n.size() != 1) return std::nullopt;
  std::uint8_t inputs_grad = 0;
  for (std::uint32_t s = 0; s < arity; ++s) {
    const Node& in = nodes_[n.input(s, links_.data())];
    if (in.size() != 1) return std::nullopt;
    inputs_grad |= in.flags;
  }
  // A gradient stop: its inputs carry gradients, it has none.
  if ((inputs_grad & kRequiresGrad) != 0 && (n.flags & kRequiresGrad) == 0) return std::nullopt;
  // A scratch tape of the inputs and the node, all with gradients, on which the node's backward
  // rule runs once with the seed d node / d node = 1: what lands in input `slot`'s gradient is the
  // local partial derivative. Constants and objects are the tape's own.
  std::vector<Node> nodes(arity + 1);
  std::vector<double> values(arity + 1);
  std::vector<double> grads(arity + 1, 0.0);
  std::vector<std::uint32_t> links(arity);
  for (std::uint32_t s = 0; s < arity; ++s) {
    nodes[s] = nodes_[n.input(s, links_.data())];
    values[s] = values_[nodes[s].value];
    nodes[s].value = nodes[s].grad = links[s] = s;
    nodes[s].flags |= kRequiresGrad;
  }
  Node& copy = nodes[arity] = n;
  values[arity] = values_[n.value];
  grads[arity] = 1.0;
  copy.value = copy.grad = arity;
  copy.flags |= kRequiresGrad;
  copy.in0 = 0;                                    // the first input, or the start of its list
  if (copy.flags & detail::kBinary) copy.in1 = 1;  // unary: in1 stays the rule's (constant, axis)
  detail::Ctx ctx = context();
  ctx.nodes = nodes.data();
  ctx.values = values.data();
  ctx.grads = grads.data();
  ctx.workspace = nullptr;
  ctx.links = links.data();
  detail::backward_node(ctx, copy);
  return grads[slot];
}

void Tape::grad_failed(std::size_t index) const {
  if ((checked_node(index, "grad").flags & kRequiresGrad) != 0) {
    detail::fail("grad", "node",
                 "{} keeps its gradient only block by block inside forward_backward (recorded "
                 "with set_local_gradients({}))",
                 describe(index), nodes_[index].rows);
  }
  detail::fail("grad", "node",
               "{} has no gradient: it depends on no param (inputs and detached "
               "values carry none)",
               describe(index));
}

void Tape::check_finite(std::size_t index, bool gradient) const {
  const Node& n = nodes_[index];
  const double* p = (gradient ? grads_.data() + n.grad : value_data(n));
  const std::size_t size = n.size();
  std::size_t bad = 0;
  while (bad < size && std::isfinite(p[bad])) ++bad;
  if (bad == size) return;
  // The inputs' values, in full when small, otherwise their range.
  std::string inputs;
  const std::uint32_t arity = n.arity();
  for (std::uint32_t s = 0; s < arity; ++s) {
    const std::size_t in = n.input(s, links_.data());
    const TensorView v = value(in);
    double lo = v[0], hi = v[0];
    for (double x : v) {
      lo = std::min(lo, x);
      hi = std::max(hi, x);
    }
    inputs += fmt::format("{}{} = {}", s == 0 ? "; inputs: " : ", ", describe(in),
                          v.size() <= 16 ? fmt::format("{}", v)
                                         : fmt::format("{} values in [{}, {}]", v.shape(), lo, hi));
  }
  throw AnomalyError(
      fmt::format("{}: {}: {}[{},{}] = {} is not finite (shape {}){}",
                  gradient ? "backward" : "forward", describe(index),
                  gradient ? "gradient" : "value", bad / n.cols, bad % n.cols,
                  std::isnan(p[bad]) ? "nan" : fmt::format("{}", p[bad]), n.shape(), inputs),
      index);
}

std::string Tape::describe(std::size_t index) const {
  const auto it = labels_.find(static_cast<std::uint32_t>(index));
  const std::string_view name = detail::node_op_name(context(), nodes_[index]);
  if (it == labels_.end()) return fmt::format("node {} ({})", index, name);
  return fmt::format("node {} ({} '{}')", index, name, it->second);
}

}  // namespace tapegrad
