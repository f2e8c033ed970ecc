#include "tapegrad/models/dataset.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <istream>
#include <limits>
#include <numeric>
#include <optional>
#include <span>
#include <system_error>
#include <unordered_map>

#include "tapegrad/engine/error.hpp"
#include "tapegrad/models/random.hpp"

namespace tapegrad {
namespace {

constexpr std::size_t kCsvChunk = std::size_t{1} << 20;     // bytes read from a file at a time
constexpr std::size_t kBlockValues = std::size_t{1} << 22;  // most fields in a block (32 MiB)

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

  /// Reads the header record with separator `separator`, or, for 0, splits it at every comma,
  /// semicolon and tab outside quotes, takes the one found most often (ties: comma, semicolon,
  /// tab) and joins the pieces split at the others back together. False at the end of the text.
  bool header(Record& record, char separator) {
    const bool found = header_record(record, separator);
    if (data_line_ != 0) line_ = data_line_;
    return found;
  }

  /// The data after the header start at line `line` (a share of a file, read_csv_share).
  void start_data_at(std::size_t line) noexcept { data_line_ = line; }

  /// The line number of the next byte.
  [[nodiscard]] std::size_t line() const noexcept { return line_; }

 private:
  bool header_record(Record& record, char separator) {
    separator_ = separator;
    if (separator != 0) return next(record);
    seen_.clear();
    if (!next(record)) return false;
    std::size_t counts[3] = {0, 0, 0};
    constexpr char kCandidates[3] = {',', ';', '\t'};
    for (const char c : seen_) {
      for (int k = 0; k < 3; ++k) counts[k] += c == kCandidates[k];
    }
    int best = 0;
    for (int k = 1; k < 3; ++k) {
      if (counts[k] > counts[best]) best = k;
    }
    separator_ = kCandidates[best];
    std::size_t out = 0;
    for (std::size_t i = 0; i < record.count; ++i) {
      if (i > 0 && seen_[i - 1] != separator_) {
        record.fields[out - 1].text += seen_[i - 1];
        record.fields[out - 1].text += record.fields[i].text;
        continue;
      }
      if (out != i) std::swap(record.fields[out], record.fields[i]);
      record.fields[out].col = out + 1;
      ++out;
    }
    record.count = out;
    return true;
  }

 public:
  /// The separator in use (after header()).
  [[nodiscard]] char separator() const noexcept { return separator_; }

  /// The next non-blank record; false at the end of the text.
  bool next(Record& record) {
    skip_blank_lines();
    if (peek() < 0) return false;
    record.count = 0;
    record.line = line_;
    for (std::size_t col = 1;; ++col) {
      if (record.count == record.fields.size()) record.fields.emplace_back();
      read_field(record.fields[record.count++], col);
      if (const int c = peek(); c >= 0 && is_separator(c)) {
        if (separator_ == 0) seen_.push_back(static_cast<char>(c));
        ++pos_;
        continue;
      }
      end_line();
      return true;
    }
  }

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
  /// A separator: the one in use, or while it is being detected any of comma, semicolon, tab.
  [[nodiscard]] bool is_separator(int c) const noexcept {
    return separator_ != 0 ? c == separator_ : (c == ',' || c == ';' || c == '\t');
  }
  /// The separator as messages name it.
  [[nodiscard]] std::string_view separator_name() const noexcept {
    return separator_ == ','    ? "a comma"
           : separator_ == ';'  ? "a semicolon"
           : separator_ == '\t' ? "a tab"
                                : "a separator";
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
      if (peek() >= 0 && !is_separator(peek()) && !at_line_end()) {
        detail::fail("read_csv", where(),
                     "expected {} or a line end after the closing quote, found '{}'",
                     separator_name(), detail::shown(std::string_view(data_ + pos_, 1)));
      }
      return;
    }
    for (;;) {  // up to a comma, a line end or the end of the input, a buffer's worth at a time
      std::size_t end = pos_;
      while (end < size_ && !is_separator(static_cast<unsigned char>(data_[end])) &&
             data_[end] != '\n' && data_[end] != '\r') {
        ++end;
      }
      field.text.append(data_ + pos_, end - pos_);
      pos_ = end;
      const int c = peek();  // refills the buffer when the scan reached its end
      if (c < 0 || is_separator(c) || c == '\n' || (c == '\r' && peek(1) == '\n')) break;
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
  std::size_t data_line_ = 0;  // 0, or the line of the first byte after the header
  char separator_ = ',';
  std::string seen_;  // while detecting: the separator after each header field but the last
};

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

/// True for the texts that stand for a missing value: empty (or spaces), NA, N/A, NaN, null or ?,
/// in any case.
bool is_missing(std::string_view text) noexcept {
  const std::string_view s = trim(text);
  const auto is = [&](std::string_view word) {
    return s.size() == word.size() &&
           std::equal(s.begin(), s.end(), word.begin(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) == b;
           });
  };
  return s.empty() || s == "?" || is("na") || is("n/a") || is("nan") || is("null");
}

std::string where(std::string_view name, const Field& field) {
  return fmt::format("{}:{}:{}", name, field.line, field.col);
}

/// The number in `field`, or nullopt when its text is no number at all (a text value); throws
/// Error for a number that is not finite. `decimal_comma` reads "1,5" as 1.5.
std::optional<double> to_number(const Field& field, std::string_view name, bool decimal_comma) {
  std::string_view s = trim(field.text);
  std::string copy;
  if (decimal_comma && s.find(',') != std::string_view::npos) {
    if (s.find(',') != s.rfind(',') || s.find('.') != std::string_view::npos) return std::nullopt;
    copy = std::string(s);
    copy[copy.find(',')] = '.';
    s = copy;
  }
  if (s.size() > 1 && s.front() == '+' && s[1] != '-') s.remove_prefix(1);
  double value = 0.0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || end != s.data() + s.size()) return std::nullopt;
  if (ec == std::errc::result_out_of_range) {
    // from_chars reports underflow as out of range too; strtod gives the rounded tiny value.
    value = std::strtod(std::string(s).c_str(), nullptr);
  } else if (ec != std::errc()) {
    return std::nullopt;
  }
  if (!std::isfinite(value)) {
    detail::fail("read_csv", where(name, field), "expected a finite number, found '{}'",
                 detail::shown(field.text));
  }
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

struct TextHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};

/// A column read as a feature or as the target: numbers or text (categories), as its first
/// non-missing value says (or text, with categories given).
struct Column {
  enum class Kind { unknown, number, text };
  std::string_view name;
  std::size_t col = 0;  // 1-based position in the header
  Kind kind = Kind::unknown;
  bool known = false;    // categories given: a value outside them is unseen
  bool numeric = false;  // reading in blocks without known categories: numbers only
  std::unordered_map<std::string, std::size_t, TextHash, std::equal_to<>> ids;
  std::vector<std::string> categories;  // in id order
  std::size_t missing = 0;
};

/// Where the first missing value was, and how many there are.
struct Missing {
  std::size_t count = 0;
  std::size_t columns = 0;  // columns with at least one
  std::string first;        // "data.csv:4:2"
  std::string first_text;
  std::string_view first_column;
};

/// Reads one value of `c`: a number, a category's id (-1 for an unseen category), or NaN when
/// missing.
double read_cell(Column& c, const Field& f, std::string_view name, bool decimal_comma,
                 Missing& missing, Dataset& data) {
  if (is_missing(f.text)) {
    if (missing.count++ == 0) {
      missing.first = where(name, f);
      missing.first_text = std::string(trim(f.text));
      missing.first_column = c.name;
    }
    if (c.missing++ == 0) ++missing.columns;
    return std::numeric_limits<double>::quiet_NaN();
  }
  if (c.kind != Column::Kind::text) {
    const std::optional<double> v = to_number(f, name, decimal_comma);
    if (v) {
      c.kind = Column::Kind::number;
      return *v;
    }
    if (c.kind == Column::Kind::number || c.numeric) {
      detail::fail("read_csv", where(name, f), "expected a number, found '{}'",
                   detail::shown(f.text));
    }
    c.kind = Column::Kind::text;
  }
  const std::string_view text = trim(f.text);
  if (const auto it = c.ids.find(text); it != c.ids.end()) return static_cast<double>(it->second);
  if (c.known) {
    if (data.unseen++ == 0) {
      data.first_unseen = fmt::format("{}: '{}' in column '{}'", where(name, f),
                                      detail::shown(text), detail::shown(c.name));
    }
    return -1.0;
  }
  c.ids.emplace(text, c.categories.size());
  c.categories.emplace_back(text);
  return static_cast<double>(c.categories.size() - 1);
}

/// Sorts a text column's categories (byte order); returns the new id of each old id.
std::vector<double> sort_categories(Column& c) {
  std::vector<std::size_t> order(c.categories.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return c.categories[a] < c.categories[b]; });
  std::vector<double> new_id(order.size());
  std::vector<std::string> sorted;
  sorted.reserve(order.size());
  for (std::size_t k = 0; k < order.size(); ++k) {
    new_id[order[k]] = static_cast<double>(k);
    sorted.push_back(std::move(c.categories[order[k]]));
  }
  c.categories = std::move(sorted);
  return new_id;
}

/// The column of `header` named `wanted`, or header.size() when there is none.
std::size_t find_column(std::span<const Field> header, std::string_view wanted) {
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i].text == wanted) return i;
  }
  return header.size();
}

/// Reads the records of `reader` and encodes them, as a whole (read_csv) or a block of rows at a
/// time (CsvBlockReader). The columns' kinds, categories and missing-value counts carry over from
/// block to block, so a block is encoded exactly as the same rows of the whole file would be.
class Parser {
 public:
  /// Reads the header of `reader`, whose data (BOM included) has `total` bytes (0: unknown).
  /// `blocks`: the input is read in blocks, so every text column must have known categories
  /// (a value that is no number fails in any other column) and fill values must be given.
  Parser(CsvReader& reader, std::string_view name, const CsvOptions& options, std::size_t total,
         bool blocks)
      : reader_(reader), name_(name), options_(options), blocks_(blocks) {
    if (options.separator != 0 && options.separator != ',' && options.separator != ';' &&
        options.separator != '\t') {
      detail::fail("read_csv", name,
                   "expected a comma, a semicolon or a tab as separator, found '{}'",
                   detail::shown(std::string_view(&options.separator, 1)));
    }
    if (!reader.header(header_, options.separator)) {
      detail::fail("read_csv", fmt::format("{}:1", name),
                   "expected a header row, found an empty file");
    }
    decimal_comma_ = reader.separator() == ';';
    const std::span<const Field> names = header_.view();
    header_at_ = fmt::format("{}:{}", name, header_.line);
    std::unordered_map<std::string_view, std::size_t> seen;  // a name's first column: linear time
    seen.reserve(names.size());
    for (std::size_t i = 0; i < names.size(); ++i) {
      const Field& f = names[i];
      if (f.text.empty())
        detail::fail("read_csv", where(name, f), "expected a column name, found ''");
      const auto [first, fresh] = seen.emplace(f.text, i);
      if (!fresh) {
        detail::fail("read_csv", where(name, f),
                     "expected unique column names, found '{}' again (first in column {})",
                     detail::shown(f.text), first->second + 1);
      }
    }
    // Each column's role: a feature (its index among the features), the target, the id, or
    // skipped.
    width_ = names.size();
    role_.assign(width_, 0);
    const auto require = [&](std::string_view column, std::string_view what) {
      const std::size_t i = find_column(names, column);
      if (i == width_) {
        detail::fail("read_csv", header_at_, "expected {} named '{}', found none", what,
                     detail::shown(column));
      }
      return i;
    };
    proto_.target_name = options.target;
    proto_.id_name = options.id;
    target_col_ = width_;
    if (!options.target.empty()) {
      target_col_ = require(options.target, "a column");
      role_[target_col_] = kTarget;
    }
    std::size_t id_col = width_;
    if (!options.id.empty()) {
      id_col = require(options.id, "an id column");
      if (id_col == target_col_) {
        detail::fail("read_csv", where(name, names[id_col]),
                     "expected an id column other than the target, found '{}' as both",
                     detail::shown(options.id));
      }
      role_[id_col] = kId;
    }
    for (const std::string& column : options.ignore) {
      const std::size_t i = require(column, "an ignored column");
      if (i == target_col_ || i == id_col) {
        detail::fail("read_csv", where(name, names[i]),
                     "expected an ignored column other than the {}, found '{}'",
                     i == target_col_ ? "target" : "id", detail::shown(column));
      }
      role_[i] = kSkip;
    }
    if (!options.columns.empty()) {
      std::vector<bool> wanted(width_, false);
      for (const std::string& column : options.columns)
        wanted[require(column, "a feature column")] = true;
      for (std::size_t i = 0; i < width_; ++i) {
        if (!wanted[i] && role_[i] == 0) role_[i] = kSkip;
      }
    }
    for (std::size_t i = 0; i < width_; ++i) {
      if (role_[i] != 0) continue;
      role_[i] = columns_.size();
      Column& c = columns_.emplace_back();
      c.name = names[i].text;
      c.col = i + 1;
      c.numeric = blocks;
    }
    for (const CategoricalColumn& known : options.categorical) {
      const std::size_t i = require(known.name, "a feature column");
      if (role_[i] >= columns_.size()) {
        detail::fail("read_csv", where(name, names[i]),
                     "expected the text column '{}' to be a feature, found it {}",
                     detail::shown(known.name),
                     role_[i] == kTarget ? "the target"
                     : role_[i] == kId   ? "the id"
                                         : "skipped");
      }
      Column& c = columns_[role_[i]];
      c.kind = Column::Kind::text;
      c.known = true;
      c.numeric = false;
      c.categories = known.categories;
      for (std::size_t k = 0; k < known.categories.size(); ++k)
        c.ids.emplace(known.categories[k], k);
    }
    target_.name = options.target;
    target_.col = target_col_ + 1;
    n_ = columns_.size();
    start_ = reader.consumed();
    data_bytes_ = total > start_ ? total - start_ : 0;
  }

  /// Reads up to `most` more records into the buffers; the number read.
  std::size_t read(std::size_t most) {
    std::size_t count = 0;
    while (count < most) {
      if (!reader_.next(record_)) {
        if (options_.progress && !told_done_)
          options_.progress(reader_.consumed(), total_rows_, true);
        told_done_ = true;  // once, however often a block reader asks again at the end
        break;
      }
      if (record_.count != width_) {
        detail::fail("read_csv", fmt::format("{}:{}", name_, record_.line),
                     "expected {} as in the header, found {}", detail::plural(width_, "field"),
                     record_.count);
      }
      if (count == room_) {
        room_ = blocks_ ? std::min(most, std::max<std::size_t>(1024, 2 * room_))
                        : planned_rows(count, width_, reader_.consumed() - start_, data_bytes_);
        features_.reserve(room_ * n_);
        if (target_col_ != width_) labels_.reserve(room_);
      }
      for (std::size_t i = 0; i < width_; ++i) {
        const Field& f = record_.fields[i];
        if (role_[i] < n_) {
          features_.push_back(
              read_cell(columns_[role_[i]], f, name_, decimal_comma_, missing_, proto_));
        } else if (role_[i] == kTarget) {
          labels_.push_back(read_cell(target_, f, name_, decimal_comma_, missing_target_, proto_));
        } else if (role_[i] == kId) {
          ids_.push_back(f.text);
        }
      }
      ++count;
      ++total_rows_;
      if (options_.progress && (total_rows_ & 0x3ff) == 0) {
        options_.progress(reader_.consumed(), total_rows_, false);
      }
    }
    return count;
  }

  /// Reads the rest of the input only to check it and count its missing values.
  void drain() {
    while (read(4096) > 0) clear();
  }

  /// True when an error about missing values is due at the end of the input.
  [[nodiscard]] bool missing_error_due() const noexcept {
    const std::size_t all = missing_.count + missing_target_.count;
    return (all > 0 && options_.missing == MissingPolicy::error) ||
           (missing_target_.count > 0 && options_.missing == MissingPolicy::mean);
  }

  /// Data rows read so far.
  [[nodiscard]] std::size_t total_rows() const noexcept { return total_rows_; }
  /// Fields in a record.
  [[nodiscard]] std::size_t width() const noexcept { return width_; }
  [[nodiscard]] const Dataset& proto() const noexcept { return proto_; }
  [[nodiscard]] std::size_t line() const noexcept { return reader_.line(); }
  [[nodiscard]] std::size_t consumed() const noexcept { return reader_.consumed(); }

  /// Fails unless a data row was read.
  void require_rows() const {
    if (total_rows_ == 0) {
      detail::fail("read_csv", fmt::format("{}:{}", name_, reader_.line()),
                   "expected data rows after the header, found none");
    }
  }

  /// Fails as read_csv does when every row of the input was dropped.
  void fail_all_dropped() const {
    detail::fail("read_csv", name_,
                 "expected rows without missing values, found none: each of the {} misses one "
                 "(--missing mean fills features)",
                 detail::plural(total_rows_, "row"));
  }

  /// read_csv_share's `missing`: missing values under MissingPolicy::mean are left to the caller.
  void keep_missing(ShareMissing* missing) noexcept { keep_missing_ = missing; }

  /// Encodes the `rows` buffered rows (all the rows of the input, or the last block read, whose
  /// first row is data row `first` + 1) and empties the buffers.
  Dataset finish(std::size_t rows, std::size_t first);

 private:
  static constexpr std::size_t kSkip = std::numeric_limits<std::size_t>::max();
  static constexpr std::size_t kTarget = kSkip - 1;
  static constexpr std::size_t kId = kSkip - 2;

  void clear() noexcept {
    features_.clear();
    labels_.clear();
    ids_.clear();
  }

  CsvReader& reader_;
  std::string_view name_;
  const CsvOptions& options_;
  bool blocks_;
  ShareMissing* keep_missing_ = nullptr;
  bool decimal_comma_ = false;
  Record header_;
  Record record_;
  std::string header_at_;
  std::size_t width_ = 0;
  std::size_t n_ = 0;
  std::vector<std::size_t> role_;
  std::size_t target_col_ = 0;
  std::vector<Column> columns_;
  Column target_;
  Dataset proto_;  // names, unseen categories
  std::size_t start_ = 0;
  std::size_t data_bytes_ = 0;
  std::vector<double> features_;
  std::vector<double> labels_;
  std::vector<std::string> ids_;
  Missing missing_, missing_target_;
  std::size_t room_ = 0;  // rows the storage holds
  std::size_t total_rows_ = 0;
  bool told_done_ = false;  // progress(..., true) was called
};

Dataset Parser::finish(std::size_t rows, std::size_t first) {
  const std::span<const Field> names = header_.view();
  const std::string_view name = name_;
  const CsvOptions& options = options_;
  const std::size_t n = n_;
  const std::size_t width = width_;
  std::vector<Column>& columns = columns_;
  std::vector<double>& features = features_;
  std::vector<double>& labels = labels_;
  Dataset data;
  data.target_name = proto_.target_name;
  data.id_name = proto_.id_name;
  data.ids = std::move(ids_);
  ids_.clear();

  // Categories in byte order; a new text column whose values all differ is an identifier. (In
  // blocks every text column has known categories, and a text target's keep the order they were
  // met in: the labels of earlier blocks refer to them.)
  bool encoded = false;
  for (std::size_t j = 0; j < n; ++j) {
    Column& c = columns[j];
    if (c.kind != Column::Kind::text) continue;
    encoded = true;
    if (c.known) continue;
    const std::size_t values = rows - c.missing;
    if (c.categories.size() == values && values > 20) {
      detail::fail("read_csv", where(name, names[c.col - 1]),
                   "expected a text column's values to repeat (categories), found {} different "
                   "values in {} rows of '{}'; name it with --id or leave it out with --ignore",
                   values, values, detail::shown(c.name));
    }
    const std::vector<double> new_id = sort_categories(c);
    for (std::size_t i = 0; i < rows; ++i) {
      double& v = features[i * n + j];
      if (!std::isnan(v)) v = new_id[static_cast<std::size_t>(v)];
    }
  }
  if (target_.kind == Column::Kind::text) {
    if (blocks_) {
      data.classes = target_.categories;
    } else {
      const std::vector<double> new_id = sort_categories(target_);
      for (double& v : labels) {
        if (!std::isnan(v)) v = new_id[static_cast<std::size_t>(v)];
      }
      data.classes = std::move(target_.categories);
    }
  }

  const Missing& missing = missing_;
  const Missing& missing_target = missing_target_;
  const std::size_t missing_all = missing.count + missing_target.count;
  if (missing_target.count > 0 && options.missing == MissingPolicy::mean) {
    if (keep_missing_ == nullptr) {
      detail::fail_missing_target(missing_target.first, missing_target.first_text,
                                  missing_target.count);
    }
    *keep_missing_ = {missing_target.count, missing_target.first, missing_target.first_text};
  }
  if (missing_all > 0 && options.missing == MissingPolicy::error) {
    const Missing& m = missing.count > 0 ? missing : missing_target;
    detail::fail("read_csv", m.first,
                 "expected a value in column '{}', found '{}' (missing; {} in {}: choose "
                 "--missing drop or --missing mean)",
                 detail::shown(m.first_column), detail::shown(m.first_text),
                 detail::plural(missing_all, "missing value"),
                 detail::plural(missing.columns + (missing_target.count > 0 ? 1 : 0), "column"));
  }

  if (!encoded && missing_all == 0) {  // numbers only: the storage is X itself
    for (const Column& c : columns) data.feature_names.emplace_back(c.name);
    data.X = Tensor(Shape{rows, n}, std::move(features));
    if (!options.target.empty()) data.y = Tensor(Shape{rows, 1}, std::move(labels));
    if (blocks_) {
      data.source_rows.resize(rows);
      std::iota(data.source_rows.begin(), data.source_rows.end(), first + 1);
    }
    clear();
    room_ = 0;
    return data;
  }

  // The encoded layout: each column's first feature and width, and the features' names.
  std::vector<std::size_t> offset(n);
  std::unordered_map<std::string_view, std::size_t> taken;
  for (std::size_t i = 0; i < width; ++i) {
    if (role_[i] == kTarget || role_[i] == kId) taken.emplace(names[i].text, i);
  }
  for (std::size_t j = 0; j < n; ++j) {
    const Column& c = columns[j];
    offset[j] = data.feature_names.size();
    if (c.kind == Column::Kind::text) {
      data.categorical.push_back({std::string(c.name), c.categories});
      for (const std::string& category : c.categories) {
        data.feature_names.push_back(fmt::format("{}={}", c.name, category));
      }
    } else {
      data.feature_names.emplace_back(c.name);
    }
  }
  for (std::size_t j = 0; j < data.feature_names.size(); ++j) {
    const auto [at, fresh] = taken.emplace(data.feature_names[j], width + j);
    if (!fresh) {
      detail::fail("read_csv", header_at_,
                   "expected unique feature names, found '{}' twice (a text column's one-hot "
                   "features are named column=category)",
                   detail::shown(data.feature_names[j]));
    }
  }
  const std::size_t wide = data.feature_names.size();

  // Rows kept, and the values that fill missing ones.
  std::vector<bool> keep(rows, true);
  std::size_t kept = rows;
  if (options.missing == MissingPolicy::drop && missing_all > 0) {
    for (std::size_t i = 0; i < rows; ++i) {
      bool any = !labels.empty() && std::isnan(labels[i]);
      for (std::size_t j = 0; j < n && !any; ++j) any = std::isnan(features[i * n + j]);
      if (any) {
        keep[i] = false;
        --kept;
      }
    }
    data.dropped = rows - kept;
    if (kept == 0 && !blocks_) fail_all_dropped();
  }
  std::vector<double> fill(wide, 0.0);
  if (options.missing == MissingPolicy::mean && missing.count > 0) {
    for (std::size_t j = 0; j < n; ++j) {
      const Column& c = columns[j];
      if (c.missing == 0) continue;
      const std::size_t count = rows - c.missing;
      const std::size_t span = c.kind == Column::Kind::text ? c.categories.size() : 1;
      bool given = true;
      for (std::size_t k = 0; k < span; ++k) {
        given = given && options.fill.contains(data.feature_names[offset[j] + k]);
      }
      if (given) {
        for (std::size_t k = 0; k < span; ++k) {
          fill[offset[j] + k] = options.fill.find(data.feature_names[offset[j] + k])->second;
        }
        continue;
      }
      if (keep_missing_ != nullptr) {  // the caller fills with the whole file's means
        for (std::size_t k = 0; k < span; ++k) {
          fill[offset[j] + k] = std::numeric_limits<double>::quiet_NaN();
        }
        continue;
      }
      if (blocks_) {
        detail::fail("read_csv", where(name, names[c.col - 1]),
                     "expected fill values for the missing values of column '{}' (reading in "
                     "blocks cannot take the file's mean)",
                     detail::shown(c.name));
      }
      if (count == 0) {
        detail::fail("read_csv", where(name, names[c.col - 1]),
                     "expected a value to take the mean of in column '{}', found only missing "
                     "values",
                     detail::shown(c.name));
      }
      for (std::size_t i = 0; i < rows; ++i) {
        const double v = features[i * n + j];
        if (std::isnan(v)) continue;
        if (c.kind == Column::Kind::text) {
          if (v >= 0.0) fill[offset[j] + static_cast<std::size_t>(v)] += 1.0;
        } else {
          fill[offset[j]] += v / static_cast<double>(count);
        }
      }
      if (c.kind == Column::Kind::text) {
        for (std::size_t k = 0; k < span; ++k) fill[offset[j] + k] /= static_cast<double>(count);
      }
    }
  }

  Tensor X(kept, wide);
  Tensor y = options.target.empty() ? Tensor() : Tensor(kept, 1);
  std::vector<std::string> ids;
  for (std::size_t i = 0, out = 0; i < rows; ++i) {
    if (!keep[i]) continue;
    for (std::size_t j = 0; j < n; ++j) {
      const double v = features[i * n + j];
      const bool text = columns[j].kind == Column::Kind::text;
      if (std::isnan(v)) {
        ++data.filled;
        const std::size_t span = text ? columns[j].categories.size() : 1;
        for (std::size_t k = 0; k < span; ++k) X(out, offset[j] + k) = fill[offset[j] + k];
      } else if (!text) {
        X(out, offset[j]) = v;
      } else if (v >= 0.0) {
        X(out, offset[j] + static_cast<std::size_t>(v)) = 1.0;
      }
    }
    if (!options.target.empty()) y[out] = labels[i];
    if (!data.ids.empty()) ids.push_back(std::move(data.ids[i]));
    if (data.dropped > 0 || blocks_) data.source_rows.push_back(first + i + 1);
    ++out;
  }
  if (!data.ids.empty()) data.ids = std::move(ids);
  data.X = std::move(X);
  data.y = std::move(y);
  clear();
  return data;
}

/// Reads the whole input of `reader`, whose data (BOM included) has `total` bytes (0: unknown).
/// `missing`: as read_csv_share's.
Dataset parse(CsvReader& reader, std::string_view name, const CsvOptions& options,
              std::size_t total, ShareMissing* missing = nullptr) {
  Parser parser(reader, name, options, total, false);
  parser.keep_missing(missing);
  const std::size_t rows = parser.read(std::numeric_limits<std::size_t>::max());
  parser.require_rows();
  Dataset data = parser.finish(rows, 0);
  data.unseen = parser.proto().unseen;
  data.first_unseen = parser.proto().first_unseen;
  return data;
}
}  // namespace

std::string_view to_string(MissingPolicy policy) noexcept {
  switch (policy) {
    case MissingPolicy::error:
      return "error";
    case MissingPolicy::drop:
      return "drop";
    case MissingPolicy::mean:
      return "mean";
  }
  return "error";
}

MissingPolicy parse_missing_policy(std::string_view text) {
  if (text == "error") return MissingPolicy::error;
  if (text == "drop") return MissingPolicy::drop;
  if (text == "mean") return MissingPolicy::mean;
  detail::fail("parse_missing_policy", "policy", "expected 'error', 'drop' or 'mean', found '{}'",
               detail::shown(text));
}

namespace {
CsvOptions with_target(std::string_view target) {
  CsvOptions o;
  o.target = std::string(target);
  return o;
}
}  // namespace

Dataset parse_csv(std::string_view text, std::string_view name, const CsvOptions& options) {
  CsvReader reader(text, name);
  return parse(reader, name, options, text.size());
}

Dataset parse_csv(std::string_view text, std::string_view name, std::string_view target) {
  return parse_csv(text, name, with_target(target));
}

Dataset read_csv(const std::filesystem::path& path, const CsvOptions& options) {
  std::ifstream in(path, std::ios::binary);
  const std::string name = detail::shown(path.native(), path.native().size());  // one line
  if (!in) detail::fail("read_csv", name, "cannot open the file for reading");
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  return detail::read_csv_stream(in, name, options, kCsvChunk, ec ? 0 : size);
}

Dataset read_csv(const std::filesystem::path& path, std::string_view target) {
  return read_csv(path, with_target(target));
}

namespace {

/// Reads bytes of an open file through a 1 MiB buffer, from any offset on.
class FileScan {
 public:
  FileScan(std::ifstream& in, std::string_view name) : in_(in), name_(name), buffer_(kCsvChunk) {}

  /// Calls `each(byte, offset)` for the bytes from `from` on until it returns true (the offset
  /// returned) or the file ends (`end` returned).
  template <class Each>
  std::uintmax_t scan(std::uintmax_t from, std::uintmax_t end, Each each) {
    std::uintmax_t at = from;
    while (at < end) {
      const std::size_t n = read(at, std::min<std::uintmax_t>(buffer_.size(), end - at));
      for (std::size_t i = 0; i < n; ++i) {
        if (each(buffer_[i], at + i)) return at + i;
      }
      at += n;
    }
    return end;
  }

  /// Reads `count` bytes at `at` into the buffer; returns count.
  std::size_t read(std::uintmax_t at, std::uintmax_t count) {
    in_.clear();
    in_.seekg(static_cast<std::streamoff>(at));
    in_.read(buffer_.data(), static_cast<std::streamsize>(count));
    if (static_cast<std::uintmax_t>(in_.gcount()) != count) {
      detail::fail("read_csv", name_, "cannot read the file");
    }
    return static_cast<std::size_t>(count);
  }

  [[nodiscard]] const char* data() const noexcept { return buffer_.data(); }

 private:
  std::ifstream& in_;
  std::string_view name_;
  std::vector<char> buffer_;
};

/// A stream of the bytes of `segments` of a file, one after another.
class SegmentBuffer : public std::streambuf {
 public:
  SegmentBuffer(std::ifstream& in, std::string_view name,
                std::vector<std::pair<std::uintmax_t, std::uintmax_t>> segments)
      : scan_(in, name), segments_(std::move(segments)) {}

 protected:
  int_type underflow() override {
    for (; next_ < segments_.size(); ++next_) {
      auto& [begin, end] = segments_[next_];
      if (begin == end) continue;
      const std::size_t n = scan_.read(begin, std::min<std::uintmax_t>(kCsvChunk, end - begin));
      begin += n;
      char* data = const_cast<char*>(scan_.data());
      setg(data, data, data + n);
      return traits_type::to_int_type(*data);
    }
    return traits_type::eof();
  }

 private:
  FileScan scan_;
  std::vector<std::pair<std::uintmax_t, std::uintmax_t>> segments_;
  std::size_t next_ = 0;
};

std::string file_name(const std::filesystem::path& path) {
  return detail::shown(path.native(), path.native().size());  // one line
}

}  // namespace

CsvShare plan_csv_share(const std::filesystem::path& path, std::size_t part, std::size_t parts,
                        const Reducer& sum) {
  if (part >= parts || (!sum && parts != 1)) {
    detail::fail("plan_csv_share", "part",
                 "expected part < parts (and a reducer for parts > 1), "
                 "found part {} of {}",
                 part, parts);
  }
  const std::string name = file_name(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) detail::fail("read_csv", name, "cannot open the file for reading");
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) detail::fail("read_csv", name, "cannot read the file's size: {}", ec.message());
  FileScan scan(in, name);
  // The header record: after a byte order mark and blank lines, up to a line end outside quotes.
  std::uintmax_t at = 0;
  std::size_t line = 1;
  if (size >= 3) {
    scan.read(0, 3);
    if (std::string_view(scan.data(), 3) == "\xEF\xBB\xBF") at = 3;
  }
  bool quoted = false, blank = true, cr = false;
  const std::uintmax_t header_end = scan.scan(at, size, [&](char c, std::uintmax_t) {
    if (c == '\n') {
      ++line;
      if (!quoted && !blank) return true;
    } else if (!(c == '\r' && !cr && blank)) {  // a blank line may end in CR LF
      blank = false;
    }
    cr = c == '\r';
    if (c == '"') quoted = !quoted;
    return false;
  });
  CsvShare share;
  share.data_begin = std::min(header_end + 1, size);
  // Nominal ranges of (size - data_begin) / parts bytes; each counts its quotes and line ends.
  const std::uintmax_t span = size - share.data_begin;
  const auto nominal = [&](std::size_t r) {
    return share.data_begin + span / parts * r + span % parts * r / parts;
  };
  const std::uintmax_t lo = nominal(part), hi = nominal(part + 1);
  std::vector<double> counts(2 * parts, 0.0);
  (void)scan.scan(lo, hi, [&](char c, std::uintmax_t) {
    counts[part] += c == '"';
    counts[parts + part] += c == '\n';
    return false;
  });
  if (sum) sum(counts);
  double quotes = 0.0, lines = static_cast<double>(line);
  for (std::size_t r = 0; r < part; ++r) {
    quotes += counts[r];
    lines += counts[parts + r];
  }
  // The first line start at or after `from` outside quotes (`odd`: inside them at `from`);
  // `lines` counts the line ends passed.
  const auto line_start = [&](std::uintmax_t from, bool odd, double& passed) {
    if (from == share.data_begin) return from;
    scan.read(from - 1, 1);
    if (!odd && scan.data()[0] == '\n') return from;
    const std::uintmax_t found = scan.scan(from, size, [&](char c, std::uintmax_t) {
      if (c == '"') odd = !odd;
      if (c != '\n') return false;
      ++passed;
      return !odd;
    });
    return found == size ? size : found + 1;
  };
  double ignored = 0.0;
  share.begin = part == 0 ? share.data_begin : line_start(lo, std::fmod(quotes, 2.0) != 0.0, lines);
  share.end = part + 1 == parts
                  ? size
                  : line_start(hi, std::fmod(quotes + counts[part], 2.0) != 0.0, ignored);
  share.first_line = static_cast<std::size_t>(lines);
  return share;
}

Dataset read_csv_share(const std::filesystem::path& path, const CsvOptions& options,
                       const CsvShare& share, ShareMissing* missing) {
  const std::string name = file_name(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) detail::fail("read_csv", name, "cannot open the file for reading");
  SegmentBuffer buffer(in, name, {{0, share.data_begin}, {share.begin, share.end}});
  std::istream stream(&buffer);
  CsvReader reader(stream, name, kCsvChunk);
  reader.start_data_at(share.first_line);
  return parse(reader, name, options,
               static_cast<std::size_t>(share.data_begin + (share.end - share.begin)), missing);
}

struct CsvBlockReader::State {
  State(const std::filesystem::path& path, CsvOptions opts, std::size_t rows)
      : options(std::move(opts)),
        block(std::max<std::size_t>(rows, 1)),
        in(path, std::ios::binary),
        name(detail::shown(path.native(), path.native().size())) {
    if (!in) detail::fail("read_csv", name, "cannot open the file for reading");
    std::error_code ec;
    const std::uintmax_t size = std::filesystem::file_size(path, ec);
    reader.emplace(in, name, kCsvChunk);
    parser.emplace(*reader, name, options, ec ? 0 : static_cast<std::size_t>(size), true);
    block = std::min(block, std::max<std::size_t>(1, kBlockValues / parser->width()));
  }
  CsvOptions options;
  std::size_t block;
  std::ifstream in;
  std::string name;
  std::optional<CsvReader> reader;
  std::optional<Parser> parser;
  std::size_t kept = 0;
  bool done = false;
};

CsvBlockReader::CsvBlockReader(const std::filesystem::path& path, CsvOptions options,
                               std::size_t block_rows)
    : state_(std::make_unique<State>(path, std::move(options), block_rows)) {}

CsvBlockReader::~CsvBlockReader() = default;

bool CsvBlockReader::next(Dataset& block) {
  State& s = *state_;
  Parser& parser = *s.parser;
  while (!s.done) {
    const std::size_t first = parser.total_rows();
    const std::size_t rows = parser.read(s.block);
    if (rows == 0) {
      s.done = true;
      parser.require_rows();
      if (s.kept == 0) parser.fail_all_dropped();
      return false;
    }
    if (parser.missing_error_due()) parser.drain();  // the message counts the whole file's
    Dataset data = parser.finish(rows, first);
    dropped_ += data.dropped;
    filled_ += data.filled;
    s.kept += data.size();
    if (data.size() == 0) continue;  // every row of the block dropped
    block = std::move(data);
    return true;
  }
  return false;
}

std::size_t CsvBlockReader::rows() const noexcept { return state_->parser->total_rows(); }

std::size_t CsvBlockReader::unseen() const noexcept { return state_->parser->proto().unseen; }

const std::string& CsvBlockReader::first_unseen() const noexcept {
  return state_->parser->proto().first_unseen;
}

std::uintmax_t CsvBlockReader::bytes_read() const noexcept { return state_->parser->consumed(); }

namespace detail {

void fail_missing_target(std::string_view where, std::string_view text, std::size_t rows) {
  fail("read_csv", where,
       "expected a target value, found '{}' (missing; {} without a target can only be left out: "
       "--missing drop)",
       shown(text), plural(rows, "row"));
}

Dataset read_csv_stream(std::istream& in, std::string_view name, const CsvOptions& options,
                        std::size_t chunk, std::uintmax_t size_hint) {
  CsvReader reader(in, name, chunk);
  return parse(reader, name, options, static_cast<std::size_t>(size_hint));
}

Dataset read_csv_stream(std::istream& in, std::string_view name, std::string_view target,
                        std::size_t chunk, std::uintmax_t size_hint) {
  return read_csv_stream(in, name, with_target(target), chunk, size_hint);
}

}  // namespace detail

Standardizer Standardizer::fit(TensorView X, std::span<const std::string> names) {
  if (X.rows() == 0) detail::fail("Standardizer::fit", "X", "expected at least one row");
  return fit(X, names, {}, {});
}

Standardizer Standardizer::fit(TensorView X, std::span<const std::string> names, const Reducer& sum,
                               const Reducer& max) {
  if (!names.empty() && names.size() != X.cols()) {
    detail::fail("Standardizer::fit", "names", "expected {}, found {}",
                 detail::plural(X.cols(), "name"), names.size());
  }
  const std::size_t m = X.rows(), n = X.cols();
  // Each column's largest and (negated) smallest value, over every process.
  std::vector<double> bounds(2 * n + 1, -std::numeric_limits<double>::infinity());
  for (std::size_t j = 0; j < n; ++j) {
    for (std::size_t i = 0; i < m; ++i) {
      bounds[j] = std::max(bounds[j], X(i, j));
      bounds[n + j] = std::max(bounds[n + j], -X(i, j));
    }
  }
  bounds[2 * n] = m > 0 ? 1.0 : 0.0;
  if (max) max(bounds);
  if (bounds[2 * n] == 0.0) detail::fail("Standardizer::fit", "X", "expected at least one row");
  // Two passes over the values scaled by 2^k into (-1, 1): a power of two scales exactly, so
  // ordinary data gives bit for bit the plain mean and standard deviation, while neither the
  // sum of values near 1e308 overflows nor the squares of values near 1e-200 underflow.
  std::vector<int> k(n, 0);
  std::vector<double> sums(n + 1, 0.0);
  for (std::size_t j = 0; j < n; ++j) {
    const double lo = -bounds[n + j], hi = bounds[j];
    if (lo == hi) continue;  // constant column: centre exactly, never divide by zero
    int exponent = 0;
    (void)std::frexp(std::max(std::abs(lo), std::abs(hi)), &exponent);  // max |x| < 2^exponent
    k[j] = -exponent;
    for (std::size_t i = 0; i < m; ++i) sums[j] += std::ldexp(X(i, j), k[j]);
  }
  sums[n] = static_cast<double>(m);
  if (sum) sum(sums);
  const double count = sums[n];
  std::vector<double> squares(n, 0.0);
  for (std::size_t j = 0; j < n; ++j) {
    if (-bounds[n + j] == bounds[j]) continue;
    const double mean = sums[j] / count;
    for (std::size_t i = 0; i < m; ++i) {
      const double d = std::ldexp(X(i, j), k[j]) - mean;
      squares[j] += d * d;
    }
  }
  if (sum) sum(squares);
  Standardizer s;
  for (std::size_t j = 0; j < n; ++j) {
    const double lo = -bounds[n + j], hi = bounds[j];
    if (lo == hi) {
      s.mean.push_back(lo);
      s.scale.push_back(1.0);
      continue;
    }
    const double mean = sums[j] / count;
    const double scale = std::ldexp(std::sqrt(squares[j] / count), -k[j]);
    if (!(scale >= std::numeric_limits<double>::min())) {  // 1 / scale would overflow
      detail::fail("Standardizer::fit",
                   names.empty() ? fmt::format("column {}", j + 1)
                                 : fmt::format("column '{}'", detail::shown(names[j])),
                   "values from {:g} to {:g} have a standard deviation of {:g}, too small to "
                   "divide by; rescale the column or leave it out",
                   lo, hi, scale);
    }
    s.mean.push_back(std::ldexp(mean, -k[j]));
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
  apply_in_place(out.mutable_view());
  return out;
}

void Standardizer::apply_in_place(MutableTensorView out) const {
  if (out.cols() != mean.size()) {
    detail::fail("Standardizer::apply_in_place", "X", "expected {} columns, found {}", mean.size(),
                 out.cols());
  }
  for (std::size_t i = 0; i < out.rows(); ++i) {
    for (std::size_t j = 0; j < out.cols(); ++j) {
      const double x = out(i, j);
      double z = (x - mean[j]) / scale[j];
      // x - mean can overflow where the z-score does not (1e308 - -1e308): halve both first.
      if (std::isinf(z)) z = (x / 2 - mean[j] / 2) / scale[j] * 2;
      out(i, j) = z;
    }
  }
}

Dataset select_rows(const Dataset& data, std::span<const std::size_t> rows) {
  Dataset out;
  out.feature_names = data.feature_names;
  out.target_name = data.target_name;
  out.classes = data.classes;
  out.categorical = data.categorical;
  out.id_name = data.id_name;
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
    if (!data.ids.empty()) out.ids.push_back(data.ids[rows[k]]);
    if (!data.source_rows.empty()) out.source_rows.push_back(data.source_rows[rows[k]]);
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
