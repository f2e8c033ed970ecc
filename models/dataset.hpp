// Tabular data for binary classification: reading CSV files, standardising features, splitting.
//
// A Dataset holds one example per row: X is m x n (m examples, n features) and y is m x 1 with
// labels 0 or 1. (The training graphs use the lecture's layout, features x examples; the models
// transpose internally, so callers always pass rows of examples.)
//
// CSV: RFC 4180 with a required header row, comma separators, double-quoted fields ("" is a quote
// inside them, commas and line breaks are allowed), LF or CRLF line ends, an optional final line
// end and an optional UTF-8 byte order mark. Blank lines are skipped. The target column is chosen
// by name; every other column must hold finite decimal numbers (surrounding spaces allowed), the
// target 0 or 1. Every malformed input throws Error naming the file, line and column (the field's
// 1-based position) and what was expected, e.g.
//   "read_csv: data.csv:7:3: expected a number, found 'abc'".
//
// Standardisation is the z-score x' = (x - mean) / std with the training set's mean and
// population standard deviation; a column whose values are all equal is only centred (its scale
// is 1), never divided by zero. Mean and deviation are computed in two passes on the values
// scaled by a power of two, so any finite column (1e-200 or 1e308 alike) gets a finite mean and
// a positive, finite deviation; one whose deviation is below the smallest normal double (values
// that differ by about 1e-308) is refused, naming the column.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tapegrad/engine/tensor.hpp"

namespace tapegrad {

/// Examples in rows: X is m x n features, y is m x 1 labels in {0, 1} (read_csv), class numbers
/// 0..k-1 or real targets (built by callers for the other tasks, see model.hpp).
struct Dataset {
  Tensor X;                                ///< m x n features, one example per row
  Tensor y;                                ///< m x 1 labels or targets; 0x0 for unlabelled data
  std::vector<std::string> feature_names;  ///< n names, in column order
  std::string target_name;                 ///< the label column's name; empty when unlabelled

  /// Number of examples m.
  [[nodiscard]] std::size_t size() const noexcept { return X.rows(); }
  /// Number of features n.
  [[nodiscard]] std::size_t features() const noexcept { return X.cols(); }
};

/// Reads a CSV file (see the top of this header). `target` names the label column; with an empty
/// `target` every column is a feature and y is left empty (data to predict on). Messages name the
/// file as `path.string()`. The file is read in one pass, 1 MiB at a time, record by record into
/// the numbers' storage, which is sized from the file's size; peak memory stays close to the
/// numbers themselves (m x (n + 1) doubles), not the file's text.
Dataset read_csv(const std::filesystem::path& path, std::string_view target);

/// Parses CSV text; `name` stands for the file in error messages.
Dataset parse_csv(std::string_view text, std::string_view name, std::string_view target);

/// Per-feature z-score parameters, fitted on training data and stored with a model.
struct Standardizer {
  std::vector<double> mean;   ///< per-feature training mean
  std::vector<double> scale;  ///< per-feature population std, or 1 for a constant column

  /// Fits on the rows of X (m x n, m >= 1). `names` (none, or one per column) name the columns
  /// in messages; throws Error for a column whose deviation cannot be divided by.
  static Standardizer fit(TensorView X, std::span<const std::string> names = {});
  /// (X - mean) / scale column by column (without overflow in x - mean where the result is
  /// finite); throws Error when X has the wrong number of columns.
  [[nodiscard]] Tensor apply(TensorView X) const;
  /// False for a default-constructed (empty) standardizer.
  [[nodiscard]] bool empty() const noexcept { return mean.empty(); }
};

/// The examples of `data` at `rows`, in that order.
Dataset select_rows(const Dataset& data, std::span<const std::size_t> rows);

/// A seeded split: the examples are shuffled with Rng(seed).permutation(m), the first
/// round(m * test_fraction) go to the test set (second), the rest to the training set (first),
/// each in shuffled order. test_fraction must lie in [0, 1).
std::pair<Dataset, Dataset> train_test_split(const Dataset& data, double test_fraction,
                                             std::uint64_t seed);

namespace detail {
/// read_csv's engine: reads `in` in chunks of `chunk` bytes (at least 4). `size_hint` is the
/// input's size in bytes, 0 if unknown; it only plans the storage. Exposed for tests.
Dataset read_csv_stream(std::istream& in, std::string_view name, std::string_view target,
                        std::size_t chunk, std::uintmax_t size_hint);
}  // namespace detail

}  // namespace tapegrad
