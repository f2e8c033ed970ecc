// Dense float64 tensors of rank 0, 1 or 2.
//
// Every value in tapegrad has a Shape of rows x cols, stored row-major. A scalar is 1x1, a
// column vector n x 1, a row vector 1 x n. Tensor owns its elements; TensorView and
// MutableTensorView are (pointer, shape) pairs that borrow them, which is how the tape hands out
// values and gradients without copying. A view into a tape stays valid until the tape records
// another node or is cleared.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <span>
#include <string_view>
#include <vector>

#include <fmt/format.h>

namespace tapegrad {

/// rows x cols; a scalar is 1x1.
struct Shape {
  std::size_t rows = 1;
  std::size_t cols = 1;

  /// Number of elements.
  [[nodiscard]] constexpr std::size_t size() const noexcept { return rows * cols; }
  /// True for 1x1.
  [[nodiscard]] constexpr bool is_scalar() const noexcept { return rows == 1 && cols == 1; }
  friend constexpr bool operator==(Shape, Shape) = default;
};

class Tensor;

namespace detail {
/// Throws Error("<op>: <argument>: ...") unless `shape` has at least one element and fewer than
/// 2^32 rows, columns and elements (what a tape's 32-bit offsets hold; no size_t wrap-around).
void check_shape(std::string_view op, std::string_view argument, Shape shape);
}  // namespace detail

/// Read-only view of rows x cols row-major doubles.
class TensorView {
 public:
  TensorView() = default;
  TensorView(const double* data, Shape shape) noexcept : data_(data), shape_(shape) {}

  [[nodiscard]] Shape shape() const noexcept { return shape_; }
  [[nodiscard]] std::size_t rows() const noexcept { return shape_.rows; }
  [[nodiscard]] std::size_t cols() const noexcept { return shape_.cols; }
  [[nodiscard]] std::size_t size() const noexcept { return shape_.size(); }
  [[nodiscard]] const double* data() const noexcept { return data_; }
  [[nodiscard]] const double* begin() const noexcept { return data_; }
  [[nodiscard]] const double* end() const noexcept { return data_ + size(); }
  [[nodiscard]] std::span<const double> span() const noexcept { return {data_, size()}; }

  /// Element (r, c); unchecked.
  [[nodiscard]] double operator()(std::size_t r, std::size_t c) const noexcept {
    return data_[r * shape_.cols + c];
  }
  /// Element i in row-major order; unchecked.
  [[nodiscard]] double operator[](std::size_t i) const noexcept { return data_[i]; }
  /// The only element; throws Error unless the view has exactly one element.
  [[nodiscard]] double item() const;
  /// Element (r, c); throws Error when out of range.
  [[nodiscard]] double at(std::size_t r, std::size_t c) const;
  /// An owning copy.
  [[nodiscard]] Tensor to_tensor() const;

 private:
  const double* data_ = nullptr;
  Shape shape_{0, 0};
};

/// Writable view of rows x cols row-major doubles.
class MutableTensorView {
 public:
  /// An empty view (no elements).
  MutableTensorView() noexcept : data_(nullptr), shape_{0, 0} {}
  MutableTensorView(double* data, Shape shape) noexcept : data_(data), shape_(shape) {}

  [[nodiscard]] Shape shape() const noexcept { return shape_; }
  [[nodiscard]] std::size_t rows() const noexcept { return shape_.rows; }
  [[nodiscard]] std::size_t cols() const noexcept { return shape_.cols; }
  [[nodiscard]] std::size_t size() const noexcept { return shape_.size(); }
  [[nodiscard]] double* data() const noexcept { return data_; }
  [[nodiscard]] double* begin() const noexcept { return data_; }
  [[nodiscard]] double* end() const noexcept { return data_ + size(); }
  [[nodiscard]] std::span<double> span() const noexcept { return {data_, size()}; }
  [[nodiscard]] double& operator()(std::size_t r, std::size_t c) const noexcept {
    return data_[r * shape_.cols + c];
  }
  [[nodiscard]] double& operator[](std::size_t i) const noexcept { return data_[i]; }
  operator TensorView() const noexcept { return {data_, shape_}; }  // NOLINT: intended

 private:
  double* data_;
  Shape shape_;
};

/// An owning rows x cols row-major array of doubles.
class Tensor {
 public:
  /// An empty 0x0 tensor.
  Tensor() : shape_{0, 0} {}
  /// A 1x1 tensor holding `value`.
  explicit Tensor(double value) : data_{value} {}
  /// rows x cols, every element `fill`.
  Tensor(std::size_t rows, std::size_t cols, double fill = 0.0);
  /// rows x cols from row-major `data`; throws Error when data.size() != rows * cols.
  Tensor(Shape shape, std::vector<double> data);
  /// Copies a view.
  explicit Tensor(TensorView view);

  /// Rows given as nested lists: Tensor::from_rows({{1, 2}, {3, 4}}); throws on ragged rows.
  static Tensor from_rows(std::initializer_list<std::initializer_list<double>> rows);
  /// An n x 1 column vector.
  static Tensor column(std::span<const double> values);
  static Tensor column(std::initializer_list<double> values);
  /// A 1 x n row vector.
  static Tensor row(std::span<const double> values);
  static Tensor row(std::initializer_list<double> values);

  [[nodiscard]] Shape shape() const noexcept { return shape_; }
  [[nodiscard]] std::size_t rows() const noexcept { return shape_.rows; }
  [[nodiscard]] std::size_t cols() const noexcept { return shape_.cols; }
  [[nodiscard]] std::size_t size() const noexcept { return data_.size(); }
  [[nodiscard]] double* data() noexcept { return data_.data(); }
  [[nodiscard]] const double* data() const noexcept { return data_.data(); }
  [[nodiscard]] double* begin() noexcept { return data_.data(); }
  [[nodiscard]] double* end() noexcept { return data_.data() + data_.size(); }
  [[nodiscard]] const double* begin() const noexcept { return data_.data(); }
  [[nodiscard]] const double* end() const noexcept { return data_.data() + data_.size(); }

  [[nodiscard]] double& operator()(std::size_t r, std::size_t c) noexcept {
    return data_[r * shape_.cols + c];
  }
  [[nodiscard]] double operator()(std::size_t r, std::size_t c) const noexcept {
    return data_[r * shape_.cols + c];
  }
  [[nodiscard]] double& operator[](std::size_t i) noexcept { return data_[i]; }
  [[nodiscard]] double operator[](std::size_t i) const noexcept { return data_[i]; }
  /// The only element; throws Error unless the tensor has exactly one element.
  [[nodiscard]] double item() const { return view().item(); }

  [[nodiscard]] TensorView view() const noexcept { return {data_.data(), shape_}; }
  [[nodiscard]] MutableTensorView mutable_view() noexcept { return {data_.data(), shape_}; }
  operator TensorView() const noexcept { return view(); }  // NOLINT: intended

 private:
  std::vector<double> data_;
  Shape shape_;
};

/// Exact element-wise equality of shape and values (NaN != NaN).
[[nodiscard]] bool operator==(TensorView a, TensorView b) noexcept;

}  // namespace tapegrad

/// Formats a Shape as "rows x cols" written "2x3".
template <>
struct fmt::formatter<tapegrad::Shape> : fmt::formatter<std::string_view> {
  auto format(tapegrad::Shape s, format_context& ctx) const -> format_context::iterator {
    return fmt::format_to(ctx.out(), "{}x{}", s.rows, s.cols);
  }
};

/// Formats a view as a scalar ("0.5"), a row-major nested list ("[[1, 2], [3, 4]]"); the spec
/// given applies to every element, e.g. "{:.3f}".
template <>
struct fmt::formatter<tapegrad::TensorView> : fmt::formatter<double> {
  auto format(tapegrad::TensorView t, format_context& ctx) const -> format_context::iterator {
    auto out = ctx.out();
    if (t.size() == 1) return fmt::formatter<double>::format(t[0], ctx);
    *out++ = '[';
    for (std::size_t r = 0; r < t.rows(); ++r) {
      if (r > 0) out = fmt::format_to(out, ", ");
      *out++ = '[';
      for (std::size_t c = 0; c < t.cols(); ++c) {
        if (c > 0) out = fmt::format_to(out, ", ");
        ctx.advance_to(out);
        out = fmt::formatter<double>::format(t(r, c), ctx);
      }
      *out++ = ']';
    }
    *out++ = ']';
    return out;
  }
};

template <>
struct fmt::formatter<tapegrad::Tensor> : fmt::formatter<tapegrad::TensorView> {
  auto format(const tapegrad::Tensor& t, format_context& ctx) const -> format_context::iterator {
    return fmt::formatter<tapegrad::TensorView>::format(t.view(), ctx);
  }
};
