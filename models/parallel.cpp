#include "tapegrad/models/parallel.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <map>
#include <set>
#include <unordered_set>
#include <utility>

namespace tapegrad {
namespace {

/// Strings as one byte string: each as its length, ':' and its bytes.
std::string pack(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += fmt::format("{}:{}", s.size(), s);
  return out;
}

std::vector<std::string> unpack(std::string_view bytes) {
  std::vector<std::string> out;
  while (!bytes.empty()) {
    const std::size_t colon = bytes.find(':');
    const std::size_t length = std::stoull(std::string(bytes.substr(0, colon)));
    out.emplace_back(bytes.substr(colon + 1, length));
    bytes.remove_prefix(colon + 1 + length);
  }
  return out;
}

/// The text columns (name -> categories) and the text target's classes of a share.
struct TextValues {
  std::map<std::string, std::set<std::string>> columns;
  std::set<std::string> classes;
};

/// Fills the missing feature values of `data`, this process's rows as read_csv_share left them
/// (NaN), with the whole file's column means, computed as read_csv computes them: a text
/// column's one-hot feature takes the count of its category over the count of present values,
/// a numeric column the sum of value / count in row order, the processes adding in turn (process
/// r starting from the sum of the processes before it), so that the sum is read_csv's, bit for
/// bit. Missing targets fail as in one process, counting every process's.
void fill_with_means(Dataset& data, const ShareMissing& missing, const std::string& name,
                     const Collective& c) {
  const std::size_t n = data.features();
  std::set<std::string, std::less<>> one_hot;
  for (const CategoricalColumn& col : data.categorical) {
    for (const std::string& v : col.categories) one_hot.insert(fmt::format("{}={}", col.name, v));
  }
  // Per process: its missing targets; per feature: present values, missing values, the sum of a
  // one-hot feature's values (a count, exact in any order).
  std::vector<double> counts(c.size + 3 * n, 0.0);
  counts[c.rank] = static_cast<double>(missing.targets);
  double* const present = counts.data() + c.size;
  double* const absent = present + n;
  double* const ones = absent + n;
  for (std::size_t i = 0; i < data.size(); ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      const double v = data.X(i, j);
      if (std::isnan(v)) {
        absent[j] += 1.0;
      } else {
        present[j] += 1.0;
        ones[j] += v;
      }
    }
  }
  c.sum(counts);
  double targets = 0.0;
  for (std::size_t r = 0; r < c.size; ++r) targets += counts[r];
  run_collectively(c, [&] {
    if (missing.targets > 0) {
      detail::fail_missing_target(missing.first, missing.first_text,
                                  static_cast<std::size_t>(targets));
    }
  });
  std::vector<std::size_t> numeric;  // features with missing values to average in row order
  std::vector<double> fill(n, 0.0);
  for (std::size_t j = 0; j < n; ++j) {
    if (absent[j] == 0.0) continue;
    if (present[j] == 0.0) {
      throw SharedError(fmt::format("read_csv: {}: column '{}': expected a value to take the "
                                    "mean of, found only missing values",
                                    name, detail::shown(data.feature_names[j])),
                        c.rank == 0);
    }
    if (one_hot.contains(data.feature_names[j])) {
      fill[j] = ones[j] / present[j];
    } else {
      numeric.push_back(j);
    }
  }
  if (!numeric.empty()) {
    std::vector<double> sums(numeric.size(), 0.0);
    for (std::size_t r = 0; r < c.size; ++r) {  // the others add zeros: exact
      if (r == c.rank) {
        for (std::size_t i = 0; i < data.size(); ++i) {
          for (std::size_t k = 0; k < numeric.size(); ++k) {
            const double v = data.X(i, numeric[k]);
            if (!std::isnan(v)) sums[k] += v / present[numeric[k]];
          }
        }
      } else {
        std::fill(sums.begin(), sums.end(), 0.0);
      }
      c.sum(sums);
    }
    for (std::size_t k = 0; k < numeric.size(); ++k) fill[numeric[k]] = sums[k];
  }
  for (std::size_t i = 0; i < data.size(); ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      if (std::isnan(data.X(i, j))) data.X(i, j) = fill[j];
    }
  }
}

}  // namespace

void run_collectively(const Collective& c, const std::function<void()>& step) {
  std::exception_ptr error;
  std::string message;
  try {
    step();
  } catch (const std::exception& e) {
    error = std::current_exception();
    message = e.what();
  }
  if (!c.sum) {
    if (error) std::rethrow_exception(error);
    return;
  }
  std::vector<double> failed(c.size, 0.0);
  failed[c.rank] = error ? 1.0 : 0.0;
  c.sum(failed);
  const auto first = std::find(failed.begin(), failed.end(), 1.0);
  if (first == failed.end()) return;
  const auto reporter = static_cast<std::size_t>(first - failed.begin());
  throw SharedError(error ? message : "another process failed", reporter == c.rank);
}

SharedDataset read_csv_shared(const std::filesystem::path& path, const CsvOptions& options,
                              const Collective& c) {
  const std::string name = detail::shown(path.native(), path.native().size());
  CsvOptions local = options;
  if (c.rank != 0) local.progress = {};
  // With several processes the whole file's means fill missing values (fill_with_means).
  const bool means = c.size > 1 && options.missing == MissingPolicy::mean;
  ShareMissing missing;
  ShareMissing* const keep = means ? &missing : nullptr;
  run_collectively(c, [&] {
    std::error_code ec;
    (void)std::filesystem::file_size(path, ec);
    if (ec) detail::fail("read_csv", name, "cannot open the file for reading: {}", ec.message());
  });
  CsvShare share;
  run_collectively(c, [&] { share = plan_csv_share(path, c.rank, c.size, c.sum); });
  SharedDataset out;
  run_collectively(c, [&] {
    if (share.begin < share.end) out.data = read_csv_share(path, local, share, keep);
  });
  // Every process needs rows of its own.
  std::vector<double> rows(c.size, 0.0);
  rows[c.rank] = static_cast<double>(out.data.size());
  if (c.sum) c.sum(rows);
  double total = 0.0;
  for (std::size_t r = 0; r < c.size; ++r) {
    if (r == c.rank) out.row_offset = static_cast<std::size_t>(total);
    total += rows[r];
  }
  out.total_rows = static_cast<std::size_t>(total);
  if (const auto empty = std::find(rows.begin(), rows.end(), 0.0); empty != rows.end()) {
    const std::string why =
        total < static_cast<double>(c.size)
            ? fmt::format("{} processes for {}: each process needs rows of its own; use at most {}",
                          c.size, detail::plural(out.total_rows, "data row"), out.total_rows)
            : fmt::format(
                  "process {} of {} got no rows (its byte range holds none: lines of very "
                  "different lengths); use fewer processes",
                  empty - rows.begin(), c.size);
    throw SharedError(fmt::format("read_csv: {}: {}", name, why), c.rank == 0);
  }
  if (c.size == 1) return out;

  // Agree on the text columns, their categories and a text target's classes.
  Dataset& data = out.data;
  std::vector<std::string> mine;
  for (const CategoricalColumn& col : data.categorical) {
    mine.push_back("c" + col.name);
    for (const std::string& v : col.categories) mine.push_back("v" + v);
  }
  for (const std::string& v : data.classes) mine.push_back("t" + v);
  const std::vector<std::string> all = c.gather(pack(mine));
  TextValues text;
  std::map<std::string, std::size_t> first_text;  // column -> first process where it is text
  std::size_t text_targets = 0;
  for (std::size_t r = 0; r < all.size(); ++r) {
    std::set<std::string>* column = nullptr;
    bool target = false;
    for (const std::string& item : unpack(all[r])) {
      const std::string value = item.substr(1);
      if (item[0] == 'c') {
        column = &text.columns[value];
        first_text.emplace(value, r);
      } else if (item[0] == 'v') {
        column->insert(value);
      } else {
        text.classes.insert(value);
        target = true;
      }
    }
    text_targets += target ? 1 : 0;
  }
  run_collectively(c, [&] {
    if (text_targets != 0 && text_targets != c.size) {
      detail::fail("read_csv", name,
                   "the target column '{}' holds text in some processes' shares and only "
                   "numbers in others; train in one process",
                   detail::shown(options.target));
    }
    const std::unordered_set<std::string_view> numeric(data.feature_names.begin(),
                                                       data.feature_names.end());
    for (const auto& [column, r] : first_text) {
      if (numeric.contains(column) && c.rank < r) {
        detail::fail("read_csv", fmt::format("{}: column '{}'", name, detail::shown(column)),
                     "expected a number (as in lines from {} on), found text such as '{}' "
                     "further down the file",
                     share.first_line, detail::shown(*text.columns[column].begin()));
      }
    }
  });
  std::vector<CategoricalColumn> categorical;
  for (const auto& [column, values] : text.columns) {
    categorical.push_back({column, std::vector<std::string>(values.begin(), values.end())});
  }
  bool same = data.categorical.size() == categorical.size();
  for (std::size_t i = 0; same && i < categorical.size(); ++i) {
    const auto it =
        std::find_if(data.categorical.begin(), data.categorical.end(),
                     [&](const CategoricalColumn& col) { return col.name == categorical[i].name; });
    same = it != data.categorical.end() && it->categories == categorical[i].categories;
  }
  run_collectively(c, [&] {
    if (!same) {  // read again with every process's categories
      local.categorical = categorical;
      const std::size_t kept = data.size();
      data = read_csv_share(path, local, share, keep);
      if (data.size() != kept) {
        detail::fail("read_csv", name, "the share read again gave {} rows, not {}", data.size(),
                     kept);
      }
    }
    if (!text.classes.empty()) {  // y: indices into every process's classes
      const std::vector<std::string> classes(text.classes.begin(), text.classes.end());
      for (double& v : data.y) {
        const std::string& value = data.classes.at(static_cast<std::size_t>(v));
        v = static_cast<double>(std::lower_bound(classes.begin(), classes.end(), value) -
                                classes.begin());
      }
      data.classes = classes;
    }
  });
  if (means) fill_with_means(data, missing, name, c);
  return out;
}

TargetEncoding encode_target_shared(Dataset& data, TaskChoice choice, std::string_view file,
                                    const Collective& c) {
  if (c.size == 1 || !data.classes.empty() || choice == TaskChoice::regression) {
    return encode_target(data, choice, file);  // text classes agree already (read_csv_shared)
  }
  std::vector<double> values(data.y.begin(), data.y.end());
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  // A value that is not whole decides regression by itself: send only that one.
  const auto fraction =
      std::find_if(values.begin(), values.end(), [](double v) { return v != std::floor(v); });
  if (choice == TaskChoice::automatic && fraction != values.end()) values = {*fraction};
  std::vector<std::string> mine;
  for (const double v : values) mine.push_back(fmt::format("{}", v));
  std::vector<double> distinct;
  for (const std::string& bytes : c.gather(pack(mine))) {
    for (const std::string& v : unpack(bytes)) distinct.push_back(std::stod(v));
  }
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  TargetEncoding encoding;
  run_collectively(c, [&] { encoding = encode_target(data, choice, file, distinct); });
  return encoding;
}

}  // namespace tapegrad
