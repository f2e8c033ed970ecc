// Internal: the interface between the engine's passes and the op rules.
//
// The engine stores nodes and walks them (record, forward, backward, blocks of rows) but names no
// op: it calls the functions declared here, which ops/ defines from its op list (ops/op_list.hpp,
// ops/op_table.cpp). A rule reads and writes the tape's arrays through a Ctx.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "tapegrad/engine/tape.hpp"

namespace tapegrad::detail {

/// Raw access to a tape's arrays while a rule runs.
struct Ctx {
  const Node* nodes;
  const double* consts;
  double* values;
  double* grads;
  /// Scratch memory owned by the tape that rules may grow (matmul's packing buffers), so that a
  /// warm replay does not allocate; null when the caller has none.
  std::vector<double>* workspace = nullptr;
  /// Input lists of nodes with more than two inputs (NodeFlag kListed).
  const std::uint32_t* links = nullptr;
  /// Objects nodes refer to by index (a custom op's definition: Node::extra).
  const std::shared_ptr<const void>* objects = nullptr;
  /// Caller-owned memory of borrowed leaves (Tape::input_view): leaf n reads
  /// borrowed[n.extra - 1] + n.value (see values_of).
  const double* const* borrowed = nullptr;
};

/// Where node n's value lies: in the tape's values, or for a borrowed leaf (a leaf whose `extra`
/// is not 0, Tape::input_view) in the caller's memory. Rules read their inputs through it; a
/// node's own value (never a borrowed leaf) is t.values + n.value. A borrowed leaf has at least
/// two elements, so one-element operands (the replay plan's offsets) are always the tape's.
inline const double* values_of(const Ctx& t, const Node& n) noexcept {
  return ((n.flags & kLeaf) != 0 && n.extra != 0) ? t.borrowed[n.extra - 1] + n.value
                                                  : t.values + n.value;
}

/// How a node's rows relate to its inputs' rows, for Tape::forward_backward().
enum class RowRule : std::uint8_t {
  Never,        ///< a batch input makes the graph unsuitable for blocks (transpose, mse, ...)
  Elementwise,  ///< row r from row r of each input; inputs that are not batch nodes have one row
  FirstInput,   ///< row r from row r of input 0; the other inputs must not be batch nodes
  SecondInput,  ///< row r from row r of input 1; the other inputs must not be batch nodes
};

/// Recomputes node n from its inputs (leaves: nothing).
void forward_node(const Ctx& t, const Node& n);
/// Adds n's gradient times each local partial derivative into its inputs' gradients.
void backward_node(const Ctx& t, const Node& n);
/// The replay loop: forward_node for nodes [begin, end) in order, which also sets every
/// intermediate gradient (not the params') to zero and writes the kStored nodes' partial
/// derivatives into `stored` on (node begin's StoredOp or the next) in order. plan[i], when plan is
/// not null, holds node i's resolved operands (one-element nodes then skip reading their inputs'
/// Nodes).
void forward_nodes(const Ctx& t, std::size_t begin, std::size_t end, const Operands* plan,
                   StoredOp* stored);
/// backward_node for every node with a gradient in [0, end), from end - 1 down to 0. With
/// `stored_end` (the end of the StoredOps of nodes [0, end)), kStored nodes add
/// g * stored partial instead of running their rule.
void backward_nodes(const Ctx& t, std::size_t end, const Operands* plan,
                    const StoredOp* stored_end);
/// The same for the nodes i with live[i] != 0 only.
void backward_live_nodes(const Ctx& t, std::size_t end, const Operands* plan,
                         const std::uint8_t* live, const StoredOp* stored_end);
/// backward_nodes that visits only what node end - 1 depends on: live[0, end) starts zeroed but
/// for live[end - 1] = 1; each visited node marks its inputs in live. Returns true when every
/// node with a gradient in [0, end) was visited.
bool backward_marking_nodes(const Ctx& t, std::size_t end, std::uint8_t* live);

/// The op's name for messages and diagrams; a custom op's own name.
std::string_view node_op_name(const Ctx& t, const Node& n) noexcept;
/// How n's rows follow its inputs' (see RowRule).
RowRule node_row_rule(const Ctx& t, const Node& n) noexcept;
/// When n is a reduction of all its input's elements whose partial derivative is the same for
/// every element whatever the values (sum: 1, mean: 1/k), that partial; otherwise 0.
double node_partial_of_all(const Ctx& t, const Node& n) noexcept;
/// When n's partial derivative d n / d input `slot` does not depend on any value (a rule with
/// the `linear` trait: add and subtract 1 or -1, x * alpha + beta alpha), writes it to `partial`
/// and returns true; otherwise returns false.
bool node_constant_partial(const Ctx& t, const Node& n, std::uint32_t slot,
                           double& partial) noexcept;
/// Number of constants the node keeps at consts[in1], and its axis (-1 none) for NodeInfo.
std::size_t node_constant_count(const Node& n) noexcept;
int node_axis(const Node& n) noexcept;

}  // namespace tapegrad::detail
