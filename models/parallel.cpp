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
  run_collectively(c, [&] {
    if (c.size > 1 && options.missing == MissingPolicy::mean) {
      detail::fail("read_csv", name,
                   "--missing mean fills with the whole file's means, which {} processes reading "
                   "a share each do not compute; use --missing drop or error, or one process",
                   c.size);
    }
    std::error_code ec;
    (void)std::filesystem::file_size(path, ec);
    if (ec) detail::fail("read_csv", name, "cannot open the file for reading: {}", ec.message());
  });
  CsvShare share;
  run_collectively(c, [&] { share = plan_csv_share(path, c.rank, c.size, c.sum); });
  SharedDataset out;
  run_collectively(c, [&] {
    if (share.begin < share.end) out.data = read_csv_share(path, local, share);
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
      data = read_csv_share(path, local, share);
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
