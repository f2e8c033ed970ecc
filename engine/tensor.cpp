#include "tapegrad/engine/tensor.hpp"

#include <algorithm>
#include <cstdint>

#include "tapegrad/engine/error.hpp"

namespace tapegrad {

double TensorView::item() const {
  if (size() != 1) {
    detail::fail("item", "value", "shape {} has {} elements; item() needs exactly one", shape_,
                 size());
  }
  return data_[0];
}

double TensorView::at(std::size_t r, std::size_t c) const {
  if (r >= rows() || c >= cols()) {
    detail::fail("at", "index", "({}, {}) is outside shape {}", r, c, shape_);
  }
  return (*this)(r, c);
}

Tensor TensorView::to_tensor() const { return Tensor(*this); }

void detail::check_shape(std::string_view op, std::string_view argument, Shape shape) {
  // In 64 bits where std::size_t has 32 (WebAssembly: the playground's engine).
  constexpr std::uint64_t kLimit = std::uint64_t{1} << 32;
  if (shape.rows == 0 || shape.cols == 0) fail(op, argument, "{} has no elements", shape);
  const std::uint64_t rows = shape.rows;  // as 64-bit values, so that no test is always false
  const std::uint64_t cols = shape.cols;
  if (rows >= kLimit || cols >= kLimit || rows * cols >= kLimit) {
    fail(op, argument, "{}x{} is too large: a tape holds fewer than 2^32 elements", shape.rows,
         shape.cols);
  }
}

namespace {
// The element count of a tensor of the given shape, checked (an empty tensor is allowed).
std::size_t checked_size(Shape shape) {
  if (shape.rows != 0 && shape.cols != 0) detail::check_shape("Tensor", "shape", shape);
  return shape.rows * shape.cols;
}
}  // namespace

Tensor::Tensor(std::size_t rows, std::size_t cols, double fill)
    : data_(checked_size({rows, cols}), fill), shape_{rows, cols} {}

Tensor::Tensor(Shape shape, std::vector<double> data) : data_(std::move(data)), shape_(shape) {
  if (data_.size() != checked_size(shape)) {
    detail::fail("Tensor", "data", "{} values given for shape {} ({} elements)", data_.size(),
                 shape, shape.size());
  }
}

Tensor::Tensor(TensorView view) : data_(view.begin(), view.end()), shape_(view.shape()) {}

Tensor Tensor::from_rows(std::initializer_list<std::initializer_list<double>> rows) {
  const std::size_t cols = rows.size() == 0 ? 0 : rows.begin()->size();
  std::vector<double> data;
  data.reserve(rows.size() * cols);
  std::size_t r = 0;
  for (const auto& row : rows) {
    if (row.size() != cols) {
      detail::fail("Tensor::from_rows", "rows", "row {} has {} elements, row 0 has {}", r,
                   row.size(), cols);
    }
    data.insert(data.end(), row.begin(), row.end());
    ++r;
  }
  return Tensor(Shape{rows.size(), cols}, std::move(data));
}

Tensor Tensor::column(std::span<const double> values) {
  return Tensor(Shape{values.size(), 1}, std::vector<double>(values.begin(), values.end()));
}
Tensor Tensor::column(std::initializer_list<double> values) {
  return column(std::span<const double>(values.begin(), values.size()));
}
Tensor Tensor::row(std::span<const double> values) {
  return Tensor(Shape{1, values.size()}, std::vector<double>(values.begin(), values.end()));
}
Tensor Tensor::row(std::initializer_list<double> values) {
  return row(std::span<const double>(values.begin(), values.size()));
}

bool operator==(TensorView a, TensorView b) noexcept {
  return a.shape() == b.shape() && std::equal(a.begin(), a.end(), b.begin());
}

}  // namespace tapegrad
