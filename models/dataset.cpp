#include "tapegrad/models/dataset.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <istream>
#include <limits>
#include <span>
#include <system_error>
#include <unordered_map>

#include "tapegrad/engine/error.hpp"
#include "tapegrad/models/random.hpp"

namespace tapegrad {
namespace {

constexpr std::size_t kCsvChunk = std::size_t{1} << 20;  // bytes read from a file at a time

struct Field {
  std::string text;
  std::size_t line = 0;
  std::size_t col = 0;
};

/// One CSV record. Field objects are reused from record to record (their strings keep their
/// capacity), so only the first `count` belong to the current record.
struct Record {
  std::vector<Field> fields;
  std::size_t count = 0;
  std::size_t line = 0;

  [[nodiscard]] std::span<const Field> view() const noexcept { return {fields.data(), count}; }
};

/// RFC 4180 tokenizer with line and field positions for messages. It reads either text held in
/// memory or a stream in chunks of `chunk` bytes into one reusable buffer, so a file is read in
/// one pass without ever holding more than a chunk of it.
class CsvReader {
 public:
  CsvReader(std::string_view text, std::string_view name)
      : name_(name), data_(text.data()), size_(text.size()) {
    skip_bom();
  }
  CsvReader(std::istream& in, std::string_view name, std::size_t chunk)
      : name_(name), in_(&in), buffer_(std::max<std::size_t>(chunk, 4)), data_(buffer_.data()) {
    skip_bom();
  }

  /// The next non-blank record; false at the end of the text.
  bool next(Record& record) {
    skip_blank_lines();
    if (peek() < 0) return false;
    record.count = 0;
    record.line = line_;
    for (std::size_t col = 1;; ++col) {
      if (record.count == record.fields.size()) record.fields.emplace_back();
      read_field(record.fields[record.count++], col);
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      end_line();
      return true;
    }
  }

  [[nodiscard]] std::size_t line() const noexcept { return line_; }
  /// Bytes consumed so far, the byte order mark included.
  [[nodiscard]] std::size_t consumed() const noexcept { return offset_ + pos_; }

 private:
  /// The byte `ahead` places after the current one, or -1 past the end.
  int peek(std::size_t ahead = 0) {
    if (pos_ + ahead >= size_ && !fill(ahead + 1)) return -1;
    return static_cast<unsigned char>(data_[pos_ + ahead]);
  }

  /// Makes at least `need` unconsumed bytes available, reading more of the stream (after moving
  /// the unconsumed bytes to the front of the buffer); false if the input ends first.
  bool fill(std::size_t need) {
    if (in_ == nullptr || size_ - pos_ >= need) return size_ - pos_ >= need;
    std::memmove(buffer_.data(), buffer_.data() + pos_, size_ - pos_);
    offset_ += pos_;
    size_ -= pos_;
    pos_ = 0;
    while (size_ < need && !in_->eof()) {
      in_->read(buffer_.data() + size_, static_cast<std::streamsize>(buffer_.size() - size_));
      size_ += static_cast<std::size_t>(in_->gcount());
      if (in_->bad() || (in_->fail() && !in_->eof())) {
        detail::fail("read_csv", name_, "cannot read the file");
      }
    }
    return size_ >= need;
  }

  void skip_bom() {
    if (peek(0) == 0xEF && peek(1) == 0xBB && peek(2) == 0xBF) pos_ += 3;
  }
  [[nodiscard]] bool at_line_end() { return peek() == '\n' || (peek() == '\r' && peek(1) == '\n'); }
  void end_line() {
    if (peek() >= 0) {
      pos_ += data_[pos_] == '\r' ? 2 : 1;
      ++line_;
    }
  }
  void skip_blank_lines() {
    while (at_line_end()) end_line();
  }

  void read_field(Field& field, std::size_t col) {
    field.text.clear();
    field.line = line_;
    field.col = col;
    const auto where = [&] { return fmt::format("{}:{}:{}", name_, field.line, col); };
    if (peek() == '"') {
      ++pos_;
      for (;;) {
        const int c = peek();
        if (c < 0) {
          detail::fail("read_csv", where(), "expected a closing quote, found the end of the file");
        }
        ++pos_;
        if (c == '"') {
          if (peek() == '"') {
            field.text += '"';
            ++pos_;
            continue;
          }
          break;
        }
        if (c == '\n') ++line_;
        field.text += static_cast<char>(c);
      }
      if (peek() >= 0 && peek() != ',' && !at_line_end()) {
        detail::fail("read_csv", where(),
                     "expected a comma or a line end after the closing quote, found '{}'",
                     detail::shown(std::string_view(data_ + pos_, 1)));
      }
      return;
    }
    for (;;) {  // up to a comma, a line end or the end of the input, a buffer's worth at a time
      std::size_t end = pos_;
      while (end < size_ && data_[end] != ',' && data_[end] != '\n' && data_[end] != '\r') ++end;
      field.text.append(data_ + pos_, end - pos_);
      pos_ = end;
      const int c = peek();  // refills the buffer when the scan reached its end
      if (c < 0 || c == ',' || c == '\n' || (c == '\r' && peek(1) == '\n')) break;
      if (c == '\r') {  // a lone CR is part of the field
        field.text += '\r';
        ++pos_;
      }
    }
    if (field.text.find('"') != std::string::npos) {
      detail::fail("read_csv", where(), "expected quotes only around a whole field, found '{}'",
                   detail::shown(field.text));
    }
  }

  std::string_view name_;
  std::istream* in_ = nullptr;  // null when reading text held in memory
  std::vector<char> buffer_;    // the stream's current chunk
  const char* data_;            // the text, or buffer_'s bytes
  std::size_t pos_ = 0;         // the next byte of data_
  std::size_t size_ = 0;        // bytes available in data_
  std::size_t offset_ = 0;      // bytes of the stream dropped from the buffer's front
  std::size_t line_ = 1;
};

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

double parse_number(const Field& field, std::string_view name) {
  const auto fail = [&](std::string_view expected) {
    detail::fail("read_csv", fmt::format("{}:{}:{}", name, field.line, field.col),
                 "expected {}, found '{}'", expected, detail::shown(field.text));
  };
  std::string_view s = trim(field.text);
  if (s.size() > 1 && s.front() == '+' && s[1] != '-') s.remove_prefix(1);
  double value = 0.0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || end != s.data() + s.size()) fail("a number");
  if (ec == std::errc::result_out_of_range) {
    // from_chars reports underflow as out of range too; strtod gives the rounded tiny value.
    value = std::strtod(std::string(s).c_str(), nullptr);
  } else if (ec != std::errc()) {
    fail("a number");
  }
  if (!std::isfinite(value)) fail("a finite number");
  return value;
}

/// The rows to make room for when `rows` rows fill the storage and the next one has been read,
/// `read` of the input's `total` data bytes (0: unknown) having been consumed. The numbers are
/// copied at every growth, so growth is planned from the input's size: the rows still to come
/// at the rate seen so far plus 1/16, so that a file is usually stored in one allocation whose
/// unused end is never touched. At least 1/8 more rows than now, so that growth stays geometric
/// when the estimate falls short, and never more than the input can hold (each field takes at
/// least two bytes: a character and a comma or line end).
std::size_t planned_rows(std::size_t rows, std::size_t width, std::size_t read, std::size_t total) {
  constexpr std::size_t kSample = 1024;  // rows before the rate is trusted
  if (rows < kSample) return std::max<std::size_t>(1, 2 * rows);
  if (total <= read) return rows + rows / 2;  // size unknown (or the file grew): geometric
  const std::size_t at_least = rows + rows / 8;
  const double left = static_cast<double>(total - read);
  const double rate = static_cast<double>(read) / static_cast<double>(rows + 1);  // bytes a row
  const double most = (left + 1.0) / (2.0 * static_cast<double>(width));  // last: no line end
  const double more = std::min(left / rate * (1.0 + 1.0 / 16.0), most);
  return std::max(at_least, rows + 1 + static_cast<std::size_t>(more));
}

/// Reads the whole input of `reader`, whose data (BOM included) has `total` bytes (0: unknown).
Dataset parse(CsvReader& reader, std::string_view name, std::string_view target,
              std::size_t total) {
  Record header;
  if (!reader.next(header)) {
    detail::fail("read_csv", fmt::format("{}:1", name),
                 "expected a header row, found an empty file");
  }
  const std::span<const Field> names = header.view();
  Dataset data;
  data.target_name = std::string(target);
  std::size_t target_col = names.size();
  std::unordered_map<std::string_view, std::size_t> seen;  // a name's first column: linear time
  seen.reserve(names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    const Field& f = names[i];
    const std::string where = fmt::format("{}:{}:{}", name, f.line, f.col);
    if (f.text.empty()) detail::fail("read_csv", where, "expected a column name, found ''");
    const auto [first, fresh] = seen.emplace(f.text, i);
    if (!fresh) {
      detail::fail("read_csv", where,
                   "expected unique column names, found '{}' again (first in column {})",
                   detail::shown(f.text), first->second + 1);
    }
    if (!target.empty() && f.text == target) {
      target_col = i;
    } else {
      data.feature_names.push_back(f.text);
    }
  }
  if (!target.empty() && target_col == names.size()) {
    detail::fail("read_csv", fmt::format("{}:{}", name, header.line),
                 "expected a column named '{}', found none", detail::shown(target));
  }

  const std::size_t width = names.size();
  const std::size_t n = data.feature_names.size();
  const std::size_t start = reader.consumed();
  const std::size_t data_bytes = total > start ? total - start : 0;
  std::vector<double> features;
  std::vector<double> labels;
  std::size_t rows = 0;
  std::size_t room = 0;  // rows the storage holds
  Record record;
  while (reader.next(record)) {
    if (record.count != width) {
      detail::fail("read_csv", fmt::format("{}:{}", name, record.line),
                   "expected {} as in the header, found {}", detail::plural(width, "field"),
                   record.count);
    }
    if (rows == room) {
      room = planned_rows(rows, width, reader.consumed() - start, data_bytes);
      features.reserve(room * n);
      if (target_col != width) labels.reserve(room);
    }
    for (std::size_t i = 0; i < width; ++i) {
      const Field& f = record.fields[i];
      const double value = parse_number(f, name);
      if (i != target_col) {
        features.push_back(value);
      } else if (value == 0.0 || value == 1.0) {
        labels.push_back(value);
      } else {
        detail::fail("read_csv", fmt::format("{}:{}:{}", name, f.line, f.col),
                     "expected a label 0 or 1, found '{}'", detail::shown(f.text));
      }
    }
    ++rows;
  }
  if (rows == 0) {
    detail::fail("read_csv", fmt::format("{}:{}", name, reader.line()),
                 "expected data rows after the header, found none");
  }
  data.X = Tensor(Shape{rows, n}, std::move(features));
  if (!target.empty()) data.y = Tensor(Shape{rows, 1}, std::move(labels));
  return data;
}

}  // namespace

Dataset parse_csv(std::string_view text, std::string_view name, std::string_view target) {
  CsvReader reader(text, name);
  return parse(reader, name, target, text.size());
}

Dataset read_csv(const std::filesystem::path& path, std::string_view target) {
  std::ifstream in(path, std::ios::binary);
  const std::string name = detail::shown(path.native(), path.native().size());  // one line
  if (!in) detail::fail("read_csv", name, "cannot open the file for reading");
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  return detail::read_csv_stream(in, name, target, kCsvChunk, ec ? 0 : size);
}

namespace detail {

Dataset read_csv_stream(std::istream& in, std::string_view name, std::string_view target,
                        std::size_t chunk, std::uintmax_t size_hint) {
  CsvReader reader(in, name, chunk);
  return parse(reader, name, target, static_cast<std::size_t>(size_hint));
}

}  // namespace detail

Standardizer Standardizer::fit(TensorView X, std::span<const std::string> names) {
  if (X.rows() == 0) detail::fail("Standardizer::fit", "X", "expected at least one row");
  if (!names.empty() && names.size() != X.cols()) {
    detail::fail("Standardizer::fit", "names", "expected {}, found {}",
                 detail::plural(X.cols(), "name"), names.size());
  }
  Standardizer s;
  const std::size_t m = X.rows();
  const auto count = static_cast<double>(m);
  for (std::size_t j = 0; j < X.cols(); ++j) {
    double lo = X(0, j), hi = X(0, j);
    for (std::size_t i = 0; i < m; ++i) {
      lo = std::min(lo, X(i, j));
      hi = std::max(hi, X(i, j));
    }
    if (lo == hi) {  // constant column: centre exactly, never divide by zero
      s.mean.push_back(lo);
      s.scale.push_back(1.0);
      continue;
    }
    // Two passes over the values scaled by 2^k into (-1, 1): a power of two scales exactly, so
    // ordinary data gives bit for bit the plain mean and standard deviation, while neither the
    // sum of values near 1e308 overflows nor the squares of values near 1e-200 underflow.
    int exponent = 0;
    (void)std::frexp(std::max(std::abs(lo), std::abs(hi)), &exponent);  // max |x| < 2^exponent
    const int k = -exponent;
    double sum = 0.0;
    for (std::size_t i = 0; i < m; ++i) sum += std::ldexp(X(i, j), k);
    const double mean = sum / count;
    double squares = 0.0;
    for (std::size_t i = 0; i < m; ++i) {
      const double d = std::ldexp(X(i, j), k) - mean;
      squares += d * d;
    }
    const double scale = std::ldexp(std::sqrt(squares / count), -k);
    if (!(scale >= std::numeric_limits<double>::min())) {  // 1 / scale would overflow
      detail::fail("Standardizer::fit",
                   names.empty() ? fmt::format("column {}", j + 1)
                                 : fmt::format("column '{}'", detail::shown(names[j])),
                   "values from {:g} to {:g} have a standard deviation of {:g}, too small to "
                   "divide by; rescale the column or leave it out",
                   lo, hi, scale);
    }
    s.mean.push_back(std::ldexp(mean, -k));
    s.scale.push_back(scale);
  }
  return s;
}

Tensor Standardizer::apply(TensorView X) const {
  if (X.cols() != mean.size()) {
    detail::fail("Standardizer::apply", "X", "expected {} columns, found {}", mean.size(),
                 X.cols());
  }
  Tensor out(X);
  for (std::size_t i = 0; i < out.rows(); ++i) {
    for (std::size_t j = 0; j < out.cols(); ++j) {
      const double x = out(i, j);
      double z = (x - mean[j]) / scale[j];
      // x - mean can overflow where the z-score does not (1e308 - -1e308): halve both first.
      if (std::isinf(z)) z = (x / 2 - mean[j] / 2) / scale[j] * 2;
      out(i, j) = z;
    }
  }
  return out;
}

Dataset select_rows(const Dataset& data, std::span<const std::size_t> rows) {
  Dataset out;
  out.feature_names = data.feature_names;
  out.target_name = data.target_name;
  const std::size_t n = data.X.cols();
  const bool labelled = data.y.size() != 0;
  out.X = Tensor(rows.size(), n);
  if (labelled) out.y = Tensor(rows.size(), 1);
  for (std::size_t k = 0; k < rows.size(); ++k) {
    if (rows[k] >= data.size()) {
      detail::fail("select_rows", "rows", "index {} out of range for {} examples", rows[k],
                   data.size());
    }
    for (std::size_t j = 0; j < n; ++j) out.X(k, j) = data.X(rows[k], j);
    if (labelled) out.y[k] = data.y[rows[k]];
  }
  return out;
}

std::pair<Dataset, Dataset> train_test_split(const Dataset& data, double test_fraction,
                                             std::uint64_t seed) {
  if (!(test_fraction >= 0.0 && test_fraction < 1.0)) {
    detail::fail("train_test_split", "test_fraction", "expected a value in [0, 1), found {}",
                 test_fraction);
  }
  const std::vector<std::size_t> order = Rng(seed).permutation(data.size());
  const auto n_test =
      static_cast<std::size_t>(std::floor(static_cast<double>(data.size()) * test_fraction + 0.5));
  const std::span<const std::size_t> all(order);
  return {select_rows(data, all.subspan(n_test)), select_rows(data, all.first(n_test))};
}

}  // namespace tapegrad
