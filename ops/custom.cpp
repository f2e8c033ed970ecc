#include "tapegrad/ops/custom.hpp"

#include <array>
#include <vector>

#include "tapegrad/engine/error.hpp"

namespace tapegrad {
namespace detail {
namespace {

const CustomOp& definition(const Ctx& t, const Node& n) noexcept {
  return *static_cast<const CustomOp*>(t.objects[n.extra].get());
}

// Views of a custom node's inputs, without heap allocation for up to kInline inputs.
constexpr std::size_t kInline = 8;
template <class T>
class Small {
 public:
  explicit Small(std::size_t size) : size_(size) {
    if (size > kInline) heap_.resize(size);
  }
  T* data() noexcept { return size_ > kInline ? heap_.data() : inline_.data(); }
  std::span<const T> span() noexcept { return {data(), size_}; }

 private:
  std::size_t size_;
  std::array<T, kInline> inline_{};
  std::vector<T> heap_;
};

}  // namespace

void CustomRule::forward(const Ctx& t, const Node& n) {
  Small<TensorView> inputs(n.in1);
  for (std::uint32_t s = 0; s < n.in1; ++s) {
    const Node& x = t.nodes[t.links[n.in0 + s]];
    inputs.data()[s] = TensorView(values_of(t, x), x.shape());
  }
  definition(t, n).forward(inputs.span(), MutableTensorView(t.values + n.value, n.shape()));
}

void CustomRule::backward(const Ctx& t, const Node& n) {
  const CustomOp& op = definition(t, n);
  if (!op.backward) return;
  Small<TensorView> inputs(n.in1);
  Small<MutableTensorView> grads(n.in1);
  for (std::uint32_t s = 0; s < n.in1; ++s) {
    const Node& x = t.nodes[t.links[n.in0 + s]];
    inputs.data()[s] = TensorView(values_of(t, x), x.shape());
    grads.data()[s] = x.grad == kNoGrad ? MutableTensorView(nullptr, Shape{0, 0})
                                        : MutableTensorView(t.grads + x.grad, x.shape());
  }
  op.backward(inputs.span(), TensorView(t.values + n.value, n.shape()),
              TensorView(t.grads + n.grad, n.shape()), grads.span());
}

std::string_view CustomRule::node_name(const Ctx& t, const Node& n) noexcept {
  return definition(t, n).name;
}

RowRule CustomRule::rows(const Ctx& t, const Node& n) noexcept {
  return definition(t, n).row_wise ? RowRule::Elementwise : RowRule::Never;
}

}  // namespace detail

Var custom(const std::shared_ptr<const CustomOp>& op, std::span<const Var> inputs) {
  if (!op) detail::fail("custom", "op", "null; pass a std::shared_ptr<const CustomOp>");
  const std::string_view name = op->name;
  if (name.empty()) detail::fail("custom", "op", "has no name");
  if (!op->forward) detail::fail(name, "forward", "no forward callback");
  if (inputs.empty()) detail::fail(name, "inputs", "none given; at least one Var is needed");
  std::vector<Shape> shapes;
  shapes.reserve(inputs.size());
  for (const Var& v : inputs) shapes.push_back(detail::Recorder::node(v, name, "inputs").shape());
  const Shape out = op->shape ? op->shape(shapes) : shapes[0];
  detail::check_shape(name, "shape", out);
  const std::uint16_t index = detail::Recorder::object(inputs[0], op);
  return detail::Recorder::listed(name, OpKind::Custom, inputs, out, index);
}

ElementwiseOp::ElementwiseOp(std::string name, std::function<double(double x)> value,
                             std::function<double(double x, double y)> derivative) {
  if (!value) detail::fail(name, "value", "no value function");
  if (!derivative) detail::fail(name, "derivative", "no derivative function");
  auto op = std::make_shared<CustomOp>();
  op->name = std::move(name);
  op->row_wise = true;
  op->forward = [f = std::move(value)](std::span<const TensorView> in, MutableTensorView out) {
    for (std::size_t i = 0; i < out.size(); ++i) out.data()[i] = f(in[0][i]);
  };
  // d J / d x_i += g_i * f'(x_i, y_i)
  op->backward = [df = std::move(derivative)](std::span<const TensorView> in, TensorView out,
                                              TensorView g,
                                              std::span<const MutableTensorView> grads) {
    if (grads[0].size() == 0) return;
    for (std::size_t i = 0; i < out.size(); ++i) grads[0].data()[i] += g[i] * df(in[0][i], out[i]);
  };
  op_ = std::move(op);
}

Var ElementwiseOp::operator()(const Var& x) const { return custom(op_, {x}); }

}  // namespace tapegrad
