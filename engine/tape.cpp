#include "tapegrad/engine/tape.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "tapegrad/engine/error.hpp"
#include "tapegrad/ops/dispatch.hpp"

namespace tapegrad {

using detail::kLeaf;
using detail::kNoGrad;
using detail::kRequiresGrad;
using detail::Node;

// ---------------------------------------------------------------- Var

TensorView Var::value() const { return tape().value(index_); }
Shape Var::shape() const { return tape().nodes_[index_].shape(); }
OpKind Var::op() const { return tape().nodes_[index_].op; }
bool Var::requires_grad() const { return (tape().nodes_[index_].flags & kRequiresGrad) != 0; }

std::string_view Var::label() const {
  const auto& labels = tape().labels_;
  const auto it = labels.find(index_);
  return it == labels.end() ? std::string_view{} : std::string_view{it->second};
}

Var& Var::set_label(std::string_view label) {
  tape().labels_[index_] = std::string(label);
  return *this;
}

void detail::empty_var_handle() {
  detail::fail("Var", "handle", "empty Var (default-constructed, not from a tape)");
}

// ---------------------------------------------------------------- recording

namespace {
// push()'s failures, out of line so that the common path stays short.
[[noreturn, gnu::cold, gnu::noinline]] void push_failed(OpKind op, Shape shape) {
  if (shape.size() == 0) detail::fail(op_name(op), "shape", "{} has no elements", shape);
  detail::fail(op_name(op), "tape", "full: a tape holds fewer than 2^32 nodes and elements");
}
}  // namespace

std::uint32_t Tape::push(OpKind op, std::uint32_t in0, std::uint32_t in1, Shape shape,
                         std::uint8_t flags) {
  constexpr std::size_t kMax = std::numeric_limits<std::uint32_t>::max();
  const std::size_t size = shape.size();
  // One bound covers the node and gradient counts too: every node has at least one value
  // element, and every gradient element belongs to a node's value.
  if (size == 0 || values_.size() + size >= kMax) [[unlikely]]
    push_failed(op, shape);
  const auto value = static_cast<std::uint32_t>(values_.size());
  if (size == 1) {
    flags |= detail::kScalar;
    values_.push_back(0.0);
  } else {
    values_.resize(values_.size() + size);
  }
  std::uint32_t grad = kNoGrad;
  if ((flags & kRequiresGrad) != 0) {
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
  const Node& n =
      nodes_.emplace_back(Node{op, flags, 0, in0, in1, static_cast<std::uint32_t>(shape.rows),
                               static_cast<std::uint32_t>(shape.cols), value, grad});
  const auto index = static_cast<std::uint32_t>(nodes_.size() - 1);
  if ((flags & kLeaf) == 0) {
    detail::forward_node(
        {nodes_.data(), consts_.data(), values_.data(), grads_.data(), &workspace_}, n);
    if (detect_anomalies_) [[unlikely]]
      check_finite(index, false);
  }
  return index;
}

Var Tape::leaf(OpKind op, TensorView value, std::string_view label, std::string_view who) {
  if (value.size() == 0) detail::fail(who, "value", "shape {} has no elements", value.shape());
  const std::uint8_t flags = kLeaf | (op == OpKind::Param ? kRequiresGrad : 0);
  const std::uint32_t i = push(op, 0, 0, value.shape(), flags);
  std::copy(value.begin(), value.end(), values_.begin() + nodes_[i].value);
  Var v(this, i);
  if (!label.empty()) v.set_label(label);
  if (detect_anomalies_) check_finite(i, false);
  return v;
}

Var Tape::input(double value, std::string_view label) {
  return leaf(OpKind::Input, TensorView(&value, Shape{}), label, "input");
}
Var Tape::input(TensorView value, std::string_view label) {
  return leaf(OpKind::Input, value, label, "input");
}
Var Tape::input(Shape shape, std::string_view label) {
  if (shape.size() == 0) detail::fail("input", "shape", "{} has no elements", shape);
  Var v(this, push(OpKind::Input, 0, 0, shape, kLeaf));  // push zero-fills the value
  if (!label.empty()) v.set_label(label);
  return v;
}
Var Tape::param(double value, std::string_view label) {
  return leaf(OpKind::Param, TensorView(&value, Shape{}), label, "param");
}
Var Tape::param(TensorView value, std::string_view label) {
  return leaf(OpKind::Param, value, label, "param");
}

// ---------------------------------------------------------------- leaves

const Node& Tape::own(const Var& v, std::string_view op, std::string_view argument) const {
  if (v.tape_ == nullptr)
    detail::fail(op, argument, "empty Var (default-constructed, not from a tape)");
  if (v.tape_ != this) detail::fail(op, argument, "node {} belongs to another tape", v.index_);
  return nodes_[v.index_];
}

void Tape::set(Var leaf, double value) { set(leaf, TensorView(&value, Shape{})); }

void Tape::set(Var leaf, TensorView value) {
  const Node& n = own(leaf, "set", "leaf");
  if ((n.flags & kLeaf) == 0) {
    detail::fail("set", "leaf", "{} is not a leaf; only inputs and params can be set",
                 describe(leaf.index_));
  }
  if (value.shape() != n.shape()) {
    detail::fail("set", "value", "shape {} does not match {} of shape {}", value.shape(),
                 describe(leaf.index_), n.shape());
  }
  std::copy(value.begin(), value.end(), values_.begin() + n.value);
}

void Tape::mutable_value_failed(const Var& leaf) const {
  own(leaf, "mutable_value", "leaf");
  detail::fail("mutable_value", "leaf", "{} is not a leaf; only inputs and params can be changed",
               describe(leaf.index_));
}

// ---------------------------------------------------------------- passes

void Tape::forward() {
  if (detect_anomalies_) return forward_checked();
  const detail::Operands* plan = replay_plan();
  const detail::Ctx ctx{nodes_.data(), consts_.data(), values_.data(), grads_.data(), &workspace_};
  // Leaves need no test here: their case in forward_node does nothing.
  const Node* const end = nodes_.data() + nodes_.size();
  for (const Node* n = nodes_.data(); n != end; ++n, ++plan) {
    detail::forward_node(ctx, *n, detail::Resolved{*plan});
  }
}

// The plan, (re)built if nodes were recorded since it was.
const detail::Operands* Tape::replay_plan() {
  if (plan_.size() != nodes_.size()) build_replay_plan();
  return plan_.data();
}

void Tape::build_replay_plan() {
  plan_.resize(nodes_.size());
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    const Node& n = nodes_[i];
    const std::size_t arity = op_arity(n.op);
    const Node& a = nodes_[arity > 0 ? n.in0 : i];
    const Node& b = nodes_[arity > 1 ? n.in1 : i];
    plan_[i] = {a.value, b.value, a.grad, b.grad};
  }
}

// forward() with anomaly detection: kept apart so that the unchecked loop stays as tight.
void Tape::forward_checked() {
  const detail::Ctx ctx{nodes_.data(), consts_.data(), values_.data(), grads_.data(), &workspace_};
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

void Tape::backward(Var root) {
  const Node& r = check_root(root, "backward");
  if (!inner_zero_) reset_inner_grads();
  inner_zero_ = false;
  grads_[r.grad] += 1.0;  // d root / d root
  if (detect_anomalies_) return backward_checked(root.index_);
  const detail::Ctx ctx{nodes_.data(), consts_.data(), values_.data(), grads_.data(), &workspace_};
  const Node* const first = nodes_.data();
  const Node* n = first + root.index_ + 1;
  // Params need no test here: their case in backward_node does nothing.
  if (plan_.size() == nodes_.size()) {
    for (const detail::Operands* o = plan_.data() + root.index_ + 1; n-- != first;) {
      --o;
      if (n->grad != kNoGrad) detail::backward_node(ctx, *n, detail::Resolved{*o});
    }
  } else {
    while (n-- != first) {
      if (n->grad != kNoGrad) detail::backward_node(ctx, *n);
    }
  }
}

// The reverse walk with anomaly detection. A node's gradient is complete when the walk reaches
// it: it is checked there, before the node passes it on.
void Tape::backward_checked(std::size_t root) {
  const detail::Ctx ctx{nodes_.data(), consts_.data(), values_.data(), grads_.data(), &workspace_};
  for (std::size_t i = root + 1; i-- > 0;) {
    const Node& n = nodes_[i];
    if (n.grad == kNoGrad) continue;
    check_finite(i, true);
    if ((n.flags & kLeaf) == 0) detail::backward_node(ctx, n);
  }
}

void Tape::zero_grad() noexcept {
  // Params' gradients come first. Many intermediate gradients are left to the next pass, which
  // resets them anyway (forward_backward() block by block, in cache); a few are zeroed at once, so
  // that backward() on a small graph need not reset them.
  constexpr std::size_t kFewIntermediates = 4096;
  if (has_inner_ && !inner_mixed_ && grads_.size() - inner_begin_ > kFewIntermediates) {
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
  labels_.clear();
  plan_.clear();
  inner_begin_ = 0;
  has_inner_ = false;
  inner_mixed_ = false;
  inner_zero_ = true;
}

void Tape::reserve(std::size_t nodes, std::size_t elements) {
  nodes_.reserve(nodes);
  values_.reserve(elements);
  grads_.reserve(elements);
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
  return Var(this, static_cast<std::uint32_t>(index));
}

NodeInfo Tape::node(std::size_t index) const {
  const Node& n = checked_node(index, "node");
  NodeInfo info;
  info.index = index;
  info.op = n.op;
  info.shape = n.shape();
  info.input_count = op_arity(n.op);
  if (info.input_count > 0) info.inputs[0] = n.in0;
  if (info.input_count > 1) info.inputs[1] = n.in1;
  if (n.op == OpKind::Affine) info.constants = {consts_.data() + n.in1, 2};
  if (n.op == OpKind::RDiv || n.op == OpKind::Pow) info.constants = {consts_.data() + n.in1, 1};
  if (n.op == OpKind::Sum || n.op == OpKind::Mean) info.axis = static_cast<int>(n.in1) - 1;
  info.requires_grad = (n.flags & kRequiresGrad) != 0;
  const auto it = labels_.find(static_cast<std::uint32_t>(index));
  if (it != labels_.end()) info.label = it->second;
  return info;
}

std::vector<Var> Tape::params() {
  std::vector<Var> out;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].op == OpKind::Param) out.push_back(Var(this, static_cast<std::uint32_t>(i)));
  }
  return out;
}

std::size_t Tape::bytes_used() const noexcept {
  return nodes_.size() * sizeof(Node) + plan_.size() * sizeof(detail::Operands) +
         (values_.size() + grads_.size() + consts_.size()) * sizeof(double);
}

TensorView Tape::value(std::size_t index) const {
  const Node& n = checked_node(index, "value");
  return {values_.data() + n.value, n.shape()};
}

bool Tape::has_grad(std::size_t index) const { return checked_node(index, "grad").grad != kNoGrad; }

void Tape::grad_failed(std::size_t index) const {
  checked_node(index, "grad");
  detail::fail("grad", "node",
               "{} has no gradient: it depends on no param (inputs and detached "
               "values carry none)",
               describe(index));
}

void Tape::check_finite(std::size_t index, bool gradient) const {
  const Node& n = nodes_[index];
  const double* p = (gradient ? grads_.data() + n.grad : values_.data() + n.value);
  const std::size_t size = n.size();
  std::size_t bad = 0;
  while (bad < size && std::isfinite(p[bad])) ++bad;
  if (bad == size) return;
  // The inputs' values, in full when small, otherwise their range.
  std::string inputs;
  const std::size_t arity = op_arity(n.op);
  for (std::size_t s = 0; s < arity; ++s) {
    const std::size_t in = s == 0 ? n.in0 : n.in1;
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
  if (it == labels_.end()) return fmt::format("node {} ({})", index, op_name(nodes_[index].op));
  return fmt::format("node {} ({} '{}')", index, op_name(nodes_[index].op), it->second);
}

}  // namespace tapegrad
