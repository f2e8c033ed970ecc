#include "tapegrad/models/dataset.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <system_error>

#include "tapegrad/engine/error.hpp"
#include "tapegrad/models/random.hpp"

namespace tapegrad {
namespace {

// Field text as it appears inside an error message: control characters escaped (\n, \r, \t,
// \xNN) so that the message stays on one line, and long text cut at 60 bytes with "...".
std::string shown(std::string_view text) {
  constexpr std::size_t kMax = 60;
  std::string out;
  for (std::size_t i = 0; i < text.size() && i < kMax; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  if (text.size() > kMax) out += "...";
  return out;
}

struct Field {
  std::string text;
  std::size_t line;
  std::size_t col;
};

struct Record {
  std::vector<Field> fields;
  std::size_t line;
};

/// RFC 4180 tokenizer with line and field positions for messages.
class CsvReader {
 public:
  CsvReader(std::string_view text, std::string_view name) : text_(text), name_(name) {
    if (text_.starts_with("\xEF\xBB\xBF")) text_.remove_prefix(3);
  }

  /// The next non-blank record; false at the end of the text.
  bool next(Record& record) {
    skip_blank_lines();
    if (pos_ >= text_.size()) return false;
    record.fields.clear();
    record.line = line_;
    for (std::size_t col = 1;; ++col) {
      record.fields.push_back(read_field(col));
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      end_line();
      return true;
    }
  }

  [[nodiscard]] std::size_t line() const noexcept { return line_; }

 private:
  [[nodiscard]] bool at_line_end() const noexcept {
    return text_.compare(pos_, 1, "\n") == 0 || text_.compare(pos_, 2, "\r\n") == 0;
  }
  void end_line() noexcept {
    if (pos_ < text_.size()) {
      pos_ += text_[pos_] == '\r' ? 2 : 1;
      ++line_;
    }
  }
  void skip_blank_lines() noexcept {
    while (pos_ < text_.size() && at_line_end()) end_line();
  }

  Field read_field(std::size_t col) {
    Field field{{}, line_, col};
    const std::string where = fmt::format("{}:{}:{}", name_, line_, col);
    if (pos_ < text_.size() && text_[pos_] == '"') {
      ++pos_;
      for (;;) {
        if (pos_ >= text_.size()) {
          detail::fail("read_csv", where, "expected a closing quote, found the end of the file");
        }
        const char c = text_[pos_++];
        if (c == '"') {
          if (pos_ < text_.size() && text_[pos_] == '"') {
            field.text += '"';
            ++pos_;
            continue;
          }
          break;
        }
        if (c == '\n') ++line_;
        field.text += c;
      }
      if (pos_ < text_.size() && text_[pos_] != ',' && !at_line_end()) {
        detail::fail("read_csv", where,
                     "expected a comma or a line end after the closing quote, found '{}'",
                     shown(text_.substr(pos_, 1)));
      }
      return field;
    }
    const std::size_t begin = pos_;
    while (pos_ < text_.size() && text_[pos_] != ',' && !at_line_end()) ++pos_;
    field.text.assign(text_.substr(begin, pos_ - begin));
    if (field.text.find('"') != std::string::npos) {
      detail::fail("read_csv", where, "expected quotes only around a whole field, found '{}'",
                   shown(field.text));
    }
    return field;
  }

  std::string_view text_;
  std::string_view name_;
  std::size_t pos_ = 0;
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
                 "expected {}, found '{}'", expected, shown(field.text));
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

}  // namespace

Dataset parse_csv(std::string_view text, std::string_view name, std::string_view target) {
  CsvReader reader(text, name);
  Record header;
  if (!reader.next(header)) {
    detail::fail("read_csv", fmt::format("{}:1", name),
                 "expected a header row, found an empty file");
  }
  Dataset data;
  data.target_name = std::string(target);
  std::size_t target_col = header.fields.size();
  for (std::size_t i = 0; i < header.fields.size(); ++i) {
    const Field& f = header.fields[i];
    const std::string where = fmt::format("{}:{}:{}", name, f.line, f.col);
    if (f.text.empty()) detail::fail("read_csv", where, "expected a column name, found ''");
    for (std::size_t j = 0; j < i; ++j) {
      if (header.fields[j].text == f.text) {
        detail::fail("read_csv", where,
                     "expected unique column names, found '{}' again (first in column {})",
                     shown(f.text), j + 1);
      }
    }
    if (!target.empty() && f.text == target) {
      target_col = i;
    } else {
      data.feature_names.push_back(f.text);
    }
  }
  if (!target.empty() && target_col == header.fields.size()) {
    detail::fail("read_csv", fmt::format("{}:{}", name, header.line),
                 "expected a column named '{}', found none", shown(target));
  }

  const std::size_t width = header.fields.size();
  std::vector<double> features;
  std::vector<double> labels;
  std::size_t rows = 0;
  Record record;
  while (reader.next(record)) {
    if (record.fields.size() != width) {
      detail::fail("read_csv", fmt::format("{}:{}", name, record.line),
                   "expected {} fields as in the header, found {}", width, record.fields.size());
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
                     "expected a label 0 or 1, found '{}'", shown(f.text));
      }
    }
    ++rows;
  }
  if (rows == 0) {
    detail::fail("read_csv", fmt::format("{}:{}", name, reader.line()),
                 "expected data rows after the header, found none");
  }
  data.X = Tensor(Shape{rows, data.feature_names.size()}, std::move(features));
  if (!target.empty()) data.y = Tensor(Shape{rows, 1}, std::move(labels));
  return data;
}

Dataset read_csv(const std::filesystem::path& path, std::string_view target) {
  std::ifstream in(path, std::ios::binary);
  if (!in) detail::fail("read_csv", path.string(), "cannot open the file for reading");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) detail::fail("read_csv", path.string(), "cannot read the file");
  return parse_csv(text.view(), path.string(), target);
}

Standardizer Standardizer::fit(TensorView X) {
  if (X.rows() == 0) detail::fail("Standardizer::fit", "X", "expected at least one row");
  Standardizer s;
  const std::size_t m = X.rows();
  for (std::size_t j = 0; j < X.cols(); ++j) {
    double lo = X(0, j), hi = X(0, j), sum = 0.0;
    for (std::size_t i = 0; i < m; ++i) {
      lo = std::min(lo, X(i, j));
      hi = std::max(hi, X(i, j));
      sum += X(i, j);
    }
    if (lo == hi) {  // constant column: centre exactly, never divide by zero
      s.mean.push_back(lo);
      s.scale.push_back(1.0);
      continue;
    }
    const double mean = sum / static_cast<double>(m);
    double squares = 0.0;
    for (std::size_t i = 0; i < m; ++i) squares += (X(i, j) - mean) * (X(i, j) - mean);
    s.mean.push_back(mean);
    s.scale.push_back(std::sqrt(squares / static_cast<double>(m)));
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
    for (std::size_t j = 0; j < out.cols(); ++j) out(i, j) = (out(i, j) - mean[j]) / scale[j];
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
