// Tabular data: reading CSV files, standardising features, splitting.
//
// A Dataset holds one example per row: X is m x n (m examples, n features) and y is m x 1 with
// the target's values. (The training graphs use the lecture's layout, features x examples; the
// models transpose internally, so callers always pass rows of examples.)
//
// CSV: RFC 4180 with a required header row, double-quoted fields ("" is a quote inside them,
// separators and line breaks are allowed), LF or CRLF line ends, an optional final line end and
// an optional UTF-8 byte order mark. Blank lines are skipped. The separator is a comma, a
// semicolon or a tab: given (CsvOptions::separator) or detected from the header line, whichever
// of the three occurs most often outside quotes there (a tie goes to the comma, then the
// semicolon). In a semicolon-separated file a number may use a decimal comma ("1,5").
//
// Columns. The target column and the id column are chosen by name; ignored columns are skipped
// unread. Every other column is a feature, numeric or text, as its first non-missing value says:
//   - a number (finite decimal, surrounding spaces allowed) makes the column numeric, and every
//     later value must be a number too ("expected a number, found 'abc'");
//   - anything else makes it a text column, one-hot encoded: one feature per category, named
//     "column=category", 1 in the row's category and 0 in the others, categories in byte order.
//     A text column whose values all differ (more than 20 rows) is refused as an identifier.
//     With known categories (CsvOptions::categorical, a model's) the column is always read as
//     text and encoded with them; a category outside them gives all zeros and is counted
//     (Dataset::unseen).
// The target likewise holds numbers (y holds them) or text (y holds the index of the value in
// Dataset::classes, the distinct values in byte order); what task that makes is decided by
// columns.hpp.
//
// Missing values: an empty field (or spaces), NA, N/A, NaN, null or ? (case-insensitive). With
// MissingPolicy::error (the default) reading fails at the first one, naming its line, column and
// the number of missing values in the file; drop leaves out every row with a missing feature or
// target; mean fills a missing feature with its column's mean over the rows read (a text
// column's one-hot features get the categories' frequencies), or with the given fill values (a
// model's training means); a missing target is never filled (only dropped).
//
// Every malformed input throws Error naming the file, line and column (the field's 1-based
// position) and what was expected, e.g.
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
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tapegrad/engine/tensor.hpp"

namespace tapegrad {

/// A text feature column, one-hot encoded: feature "name=category" for each category.
struct CategoricalColumn {
  std::string name;                     ///< the CSV column's name
  std::vector<std::string> categories;  ///< in feature order (byte order when read)
};

/// What reading does with missing values (see the top of this header).
enum class MissingPolicy { error, drop, mean };
/// "error" / "drop" / "mean".
std::string_view to_string(MissingPolicy policy) noexcept;
/// Parses "error", "drop" or "mean"; throws Error otherwise.
MissingPolicy parse_missing_policy(std::string_view text);

/// How to read a CSV file; the defaults read every column but the target as a feature.
struct CsvOptions {
  std::string target;               ///< the target column; empty: unlabelled data (y left empty)
  char separator = 0;               ///< ',', ';' or '\t'; 0 detects it from the header line
  std::vector<std::string> ignore;  ///< columns skipped unread (each must exist)
  std::string id;                   ///< a column kept as text in Dataset::ids, never a feature
  MissingPolicy missing = MissingPolicy::error;  ///< missing values (see the top)
  /// When not empty, the only feature columns read (each must exist); the others are skipped
  /// unread, as if ignored.
  std::vector<std::string> columns;
  /// Text columns with known categories (a model's): read as text, encoded with these.
  std::vector<CategoricalColumn> categorical;
  /// MissingPolicy::mean: fill values by feature name (encoded names for text columns); features
  /// not named here take their column's mean over the rows read.
  std::map<std::string, double, std::less<>> fill;
  /// When set, called every 1,024 data rows with the bytes of the file consumed so far, the
  /// data rows read so far and false, and once more with true when the file's end is reached
  /// (for a progress line while a big file loads).
  std::function<void(std::uintmax_t bytes, std::size_t rows, bool done)> progress;
};

/// Examples in rows: X is m x n features, y is m x 1 targets: numbers as read, or for a text
/// target the index of the row's value in `classes`; callers map them to labels (columns.hpp).
struct Dataset {
  Tensor X;                                ///< m x n features, one example per row
  Tensor y;                                ///< m x 1 labels or targets; 0x0 for unlabelled data
  std::vector<std::string> feature_names;  ///< n names, in column order
  std::string target_name;                 ///< the label column's name; empty when unlabelled
  /// A text target's distinct values in byte order (y holds indices into it); empty when the
  /// target holds numbers (or the data is unlabelled).
  std::vector<std::string> classes{};
  /// The one-hot encoded text columns, in column order.
  std::vector<CategoricalColumn> categorical{};
  std::string id_name{};           ///< the id column's name; empty without one
  std::vector<std::string> ids{};  ///< the id column's text per row (empty without one)
  /// The 1-based data row (first row after the header is 1) of each example when rows were
  /// dropped for missing values; empty when every row was kept.
  std::vector<std::size_t> source_rows{};
  std::size_t dropped = 0;     ///< rows left out for missing values (MissingPolicy::drop)
  std::size_t filled = 0;      ///< missing feature values filled (MissingPolicy::mean)
  std::size_t unseen = 0;      ///< values of a category outside the known ones (all zeros)
  std::string first_unseen{};  ///< where the first was: "data.csv:5:3: 'purple' in column 'color'"

  /// Number of examples m.
  [[nodiscard]] std::size_t size() const noexcept { return X.rows(); }
  /// Number of features n.
  [[nodiscard]] std::size_t features() const noexcept { return X.cols(); }
};

/// Reads a CSV file (see the top of this header). Messages name the file as `path.string()`.
/// The file is read in one pass, 1 MiB at a time, record by record into the numbers' storage,
/// which is sized from the file's size; peak memory stays close to the numbers themselves (m x
/// (n + 1) doubles), not the file's text. (One-hot encoding and missing values add a second
/// matrix of the encoded width at the end.)
Dataset read_csv(const std::filesystem::path& path, const CsvOptions& options);
/// As above with default options and target column `target` (empty: unlabelled data).
Dataset read_csv(const std::filesystem::path& path, std::string_view target);

/// Sums `values` element-wise over the processes of one data-parallel job, in place (or, where
/// documented, takes their maxima): on return every process holds the same results, bit for bit
/// (FitOptions::reduce, Collective in parallel.hpp).
using Reducer = std::function<void(std::span<double> values)>;

/// One process's share of a CSV file's data rows (plan_csv_share, read_csv_share).
struct CsvShare {
  std::uintmax_t begin = 0;       ///< its first byte: the start of a line outside quotes
  std::uintmax_t end = 0;         ///< one past its last byte: a line start or the file's end
  std::size_t first_line = 1;     ///< the 1-based line number of `begin`, for messages
  std::uintmax_t data_begin = 0;  ///< the first byte after the header record
};

/// Splits the data rows of the CSV file `path` (everything after its header record) into `parts`
/// byte ranges of about equal size, each starting at a line start outside double quotes, and
/// returns part `part`'s. The processes of a data-parallel job call it together, each with its
/// own `part`: each reads the header and its own nominal range (size / parts bytes) and what
/// follows up to the next line start, and counts its quotes and line ends; `sum` (a Reducer over
/// the processes) adds the counts, so that each knows whether its range starts inside a quoted
/// field (an odd number of '"' before it: RFC 4180 quotes come in pairs) and its line number.
/// Without `sum`, parts must be 1. A double quote inside an unquoted field (not RFC 4180) would
/// misplace the splits.
CsvShare plan_csv_share(const std::filesystem::path& path, std::size_t part, std::size_t parts,
                        const Reducer& sum);

/// Missing values of a share that read_csv_share leaves to its caller (MissingPolicy::mean).
struct ShareMissing {
  std::size_t targets = 0;  ///< rows of the share without a target value
  std::string first;        ///< where the first of them is: "data.csv:7:3"; empty without one
  std::string first_text;   ///< what stood there ("NA")
};

/// Reads the rows of `share` of CSV file `path` as read_csv(path, options) would read them
/// (the header first, then only the share's bytes; messages give the file's own line numbers),
/// except that with MissingPolicy::mean the fill values are the share's means and that the
/// decisions read_csv takes from the whole file (a column numeric or text, its categories, a
/// text target's classes) are taken from the share's rows: read_csv_shared (parallel.hpp)
/// agrees on them across processes. A share without data rows gives an empty Dataset with the
/// header's numeric feature names. With `missing` and MissingPolicy::mean, the whole file's
/// means being the caller's to take, a missing feature value not named in options.fill is left
/// NaN (in every one-hot feature of a text column; counted in `filled`), and missing targets
/// are counted into `*missing` instead of failing (detail::fail_missing_target).
Dataset read_csv_share(const std::filesystem::path& path, const CsvOptions& options,
                       const CsvShare& share, ShareMissing* missing = nullptr);

/// Reads a CSV file a block of rows at a time, so that memory holds one block, never the whole
/// file: each block is read and encoded exactly as the same rows of read_csv(path, options)
/// would be (same numbers, same features, same labels), under these conditions, met by the
/// options model_csv_options gives for a model:
///   - every text feature column has known categories (options.categorical); in the other
///     feature columns a value that is no number fails ("expected a number, found 'abc'");
///   - with MissingPolicy::mean, options.fill names every feature of a column with missing
///     values (the file's means would need the whole file);
///   - a text target's `classes` list its values in the order they were first met (read_csv
///     sorts them); y holds indices into the block's `classes`, which only ever grows.
/// Every block has `source_rows` (its rows' 1-based data row numbers), and its own `dropped`
/// and `filled` counts. Errors are read_csv's, at the same line: a missing value under
/// MissingPolicy::error is reported after the rest of the file has been read to count them
/// all, as read_csv does; a file whose rows were all dropped fails at the end.
class CsvBlockReader {
 public:
  /// Opens `path` and reads its header; `block_rows` (at least 1) rows per block, fewer in a
  /// file so wide that a block would hold more than 4,194,304 fields (32 MiB of numbers).
  CsvBlockReader(const std::filesystem::path& path, CsvOptions options, std::size_t block_rows);
  CsvBlockReader(const CsvBlockReader&) = delete;
  CsvBlockReader& operator=(const CsvBlockReader&) = delete;
  ~CsvBlockReader();

  /// The next block of at least one kept row into `block`; false at the end of the file.
  bool next(Dataset& block);
  /// Data rows read so far (dropped ones included).
  [[nodiscard]] std::size_t rows() const noexcept;
  /// Rows left out so far (MissingPolicy::drop).
  [[nodiscard]] std::size_t dropped() const noexcept { return dropped_; }
  /// Missing values filled so far (MissingPolicy::mean).
  [[nodiscard]] std::size_t filled() const noexcept { return filled_; }
  /// Values of unknown categories so far (encoded as all zeros), and where the first was.
  [[nodiscard]] std::size_t unseen() const noexcept;
  [[nodiscard]] const std::string& first_unseen() const noexcept;
  /// Bytes of the file consumed so far.
  [[nodiscard]] std::uintmax_t bytes_read() const noexcept;

 private:
  struct State;
  std::unique_ptr<State> state_;
  std::size_t dropped_ = 0;
  std::size_t filled_ = 0;
};

/// Parses CSV text; `name` stands for the file in error messages.
Dataset parse_csv(std::string_view text, std::string_view name, const CsvOptions& options);
/// As above with default options and target column `target`.
Dataset parse_csv(std::string_view text, std::string_view name, std::string_view target);

/// Per-feature z-score parameters, fitted on training data and stored with a model.
struct Standardizer {
  std::vector<double> mean;   ///< per-feature training mean
  std::vector<double> scale;  ///< per-feature population std, or 1 for a constant column

  /// Fits on the rows of X (m x n, m >= 1). `names` (none, or one per column) name the columns
  /// in messages; throws Error for a column whose deviation cannot be divided by.
  static Standardizer fit(TensorView X, std::span<const std::string> names = {});
  /// Fits on the rows of every process of a data-parallel job, X being this process's (m >= 0
  /// rows, at least one over all processes): `sum` adds vectors over the processes, `max` takes
  /// their element-wise maxima. The same numbers as fit() on all rows up to the order of the
  /// sums (bit for bit with one process).
  static Standardizer fit(TensorView X, std::span<const std::string> names, const Reducer& sum,
                          const Reducer& max);
  /// (X - mean) / scale column by column (without overflow in x - mean where the result is
  /// finite); throws Error when X has the wrong number of columns.
  [[nodiscard]] Tensor apply(TensorView X) const;
  /// apply() in place: X's values are replaced by their z-scores, the same numbers bit for bit,
  /// without a copy of X; throws Error (before changing anything) when X has the wrong number of
  /// columns.
  void apply_in_place(MutableTensorView X) const;
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
/// Fails as read_csv does under MissingPolicy::mean for `rows` rows without a target value, the
/// first at `where` ("data.csv:7:3") holding `text`.
[[noreturn]] void fail_missing_target(std::string_view where, std::string_view text,
                                      std::size_t rows);
/// read_csv's engine: reads `in` in chunks of `chunk` bytes (at least 4). `size_hint` is the
/// input's size in bytes, 0 if unknown; it only plans the storage. Exposed for tests.
Dataset read_csv_stream(std::istream& in, std::string_view name, const CsvOptions& options,
                        std::size_t chunk, std::uintmax_t size_hint);
/// As above with default options and target column `target`.
Dataset read_csv_stream(std::istream& in, std::string_view name, std::string_view target,
                        std::size_t chunk, std::uintmax_t size_hint);
}  // namespace detail

}  // namespace tapegrad
