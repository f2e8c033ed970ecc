// Data-parallel reading and training without MPI (parallel.hpp): "processes" are threads, their
// Collective a barrier that sums, takes maxima or gathers every thread's values in rank order.
// Reading shares of a file and training on them must give what one process gives on all rows.
#include <doctest/doctest.h>

#include <algorithm>
#include <barrier>
#include <cstddef>
#include <exception>
#include <functional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "models/helpers.hpp"

namespace tg = tapegrad;
using tg::test::rel_error;

namespace {

/// `ranks` threads as the processes of one job.
class ThreadGroup {
 public:
  explicit ThreadGroup(std::size_t ranks)
      : values_(ranks), bytes_(ranks), barrier_(static_cast<std::ptrdiff_t>(ranks)) {}

  [[nodiscard]] tg::Collective collective(std::size_t rank) {
    tg::Collective c;
    c.rank = rank;
    c.size = values_.size();
    c.sum = [this, rank](std::span<double> v) { combine(rank, v, false); };
    c.max = [this, rank](std::span<double> v) { combine(rank, v, true); };
    c.gather = [this, rank](const std::string& bytes) {
      bytes_[rank] = bytes;
      barrier_.arrive_and_wait();
      std::vector<std::string> all = bytes_;
      barrier_.arrive_and_wait();
      return all;
    };
    return c;
  }

  /// Runs `each(rank, collective)` on one thread per rank; rethrows the first exception that
  /// escaped a thread (tests make every thread fail alike, or none).
  void run(const std::function<void(std::size_t, const tg::Collective&)>& each) {
    std::vector<std::exception_ptr> errors(values_.size());
    std::vector<std::thread> threads;
    for (std::size_t r = 0; r < values_.size(); ++r) {
      threads.emplace_back([&, r] {
        try {
          each(r, collective(r));
        } catch (...) {
          errors[r] = std::current_exception();
        }
      });
    }
    for (std::thread& t : threads) t.join();
    for (const std::exception_ptr& e : errors) {
      if (e) std::rethrow_exception(e);
    }
  }

 private:
  void combine(std::size_t rank, std::span<double> v, bool max) {
    values_[rank].assign(v.begin(), v.end());
    barrier_.arrive_and_wait();
    for (std::size_t k = 0; k < v.size(); ++k) {
      double out = values_[0].at(k);
      for (std::size_t r = 1; r < values_.size(); ++r) {
        out = max ? std::max(out, values_[r].at(k)) : out + values_[r].at(k);
      }
      v[k] = out;
    }
    barrier_.arrive_and_wait();
  }

  std::vector<std::vector<double>> values_;
  std::vector<std::string> bytes_;
  std::barrier<> barrier_;
};

/// The rows of the shares, one after another.
tg::Dataset concatenated(const std::vector<tg::Dataset>& shares) {
  std::size_t m = 0;
  for (const tg::Dataset& d : shares) m += d.size();
  tg::Dataset out;
  out.X = tg::Tensor(m, shares.front().features());
  out.y = tg::Tensor(m, 1);
  std::size_t i = 0;
  for (const tg::Dataset& d : shares) {
    for (std::size_t k = 0; k < d.size(); ++k, ++i) {
      for (std::size_t j = 0; j < d.features(); ++j) out.X(i, j) = d.X(k, j);
      out.y[i] = d.y[k];
    }
  }
  return out;
}

tg::CsvOptions with_target(const std::string& target) {
  tg::CsvOptions options;
  options.target = target;
  return options;
}

bool same_values(const tg::Tensor& a, const tg::Tensor& b) {
  return a.shape() == b.shape() && std::equal(a.begin(), a.end(), b.begin());
}

/// Rows [first, last) of `data`, labelled, with its names.
tg::Dataset rows_of(const tg::Dataset& data, std::size_t first, std::size_t last) {
  std::vector<std::size_t> rows(last - first);
  for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = first + i;
  return tg::select_rows(data, rows);
}

/// What each of `parts` processes running `each` threw: the SharedError's message ("" for none)
/// and whether it reports (1), not (0) or threw none (-1).
struct Failures {
  std::vector<std::string> messages;
  std::vector<int> reports;
};
Failures shared_failures(std::size_t parts,
                         const std::function<void(std::size_t, const tg::Collective&)>& each) {
  Failures out{std::vector<std::string>(parts), std::vector<int>(parts, -1)};
  ThreadGroup(parts).run([&](std::size_t r, const tg::Collective& c) {
    try {
      each(r, c);
    } catch (const tg::SharedError& e) {
      out.messages[r] = e.what();
      out.reports[r] = e.report() ? 1 : 0;
    }
  });
  return out;
}

}  // namespace

TEST_CASE("plan_csv_share splits at line starts outside quotes, and the shares read as the file") {
  // Quoted fields with line breaks, doubled quotes and separators; CRLF and blank lines.
  std::string text = "\xEF\xBB\xBF\n\"na\nme\",x,y\n";
  for (int i = 0; i < 40; ++i) {
    if (i % 3 == 0) text += fmt::format("\"line\nbreak {}\",{},{}\n", i, 0.5 * i, i % 2);
    if (i % 3 == 1) text += fmt::format("\"say \"\"hi,\"\" {}\",{},{}\r\n", i, 0.5 * i, i % 2);
    if (i % 3 == 2) text += fmt::format("t{},{},{}\n\n", i, 0.5 * i, i % 2);
  }
  const tg::test::TempDir dir("parallel_share");
  tg::test::write_file(dir / "q.csv", text);
  tg::CsvOptions options;
  options.target = "y";
  options.ignore = {"na\nme"};
  const tg::Dataset whole = tg::read_csv(dir / "q.csv", options);
  REQUIRE(whole.size() == 40);
  for (std::size_t parts = 1; parts <= 6; ++parts) {
    CAPTURE(parts);
    std::vector<tg::CsvShare> shares(parts);
    std::vector<tg::Dataset> data(parts);
    ThreadGroup(parts).run([&](std::size_t r, const tg::Collective& c) {
      shares[r] = tg::plan_csv_share(dir / "q.csv", r, parts, c.sum);
      data[r] = tg::read_csv_share(dir / "q.csv", options, shares[r]);
    });
    CHECK(shares.front().begin == text.find("\"line"));
    CHECK(shares.back().end == text.size());
    for (std::size_t r = 0; r < parts; ++r) {
      CAPTURE(r);
      if (r + 1 < parts) CHECK(shares[r].end == shares[r + 1].begin);
      CHECK(shares[r].first_line ==
            1 + static_cast<std::size_t>(
                    std::count(text.begin(),
                               text.begin() + static_cast<std::ptrdiff_t>(shares[r].begin), '\n')));
      CHECK(data[r].size() > 0);
    }
    const tg::Dataset joined = concatenated(data);
    CHECK(same_values(joined.X, whole.X));
    CHECK(same_values(joined.y, whole.y));
  }
}

TEST_CASE("read_csv_share names the file's own line of a bad value") {
  std::string text = "x,y\n";
  for (int i = 1; i <= 30; ++i) text += i == 23 ? "abc,1\n" : fmt::format("{},{}\n", i, i % 2);
  const tg::test::TempDir dir("parallel_bad_line");
  tg::test::write_file(dir / "bad.csv", text);
  std::vector<std::string> messages(3);
  ThreadGroup(3).run([&](std::size_t r, const tg::Collective& c) {
    const tg::CsvShare share = tg::plan_csv_share(dir / "bad.csv", r, 3, c.sum);
    try {
      (void)tg::read_csv_share(dir / "bad.csv", with_target("y"), share);
    } catch (const tg::Error& e) {
      messages[r] = e.what();
    }
  });
  CHECK(messages[0].empty());
  CHECK(messages[1].empty());
  CHECK(messages[2].find("bad.csv:24:1: expected a number, found 'abc'") != std::string::npos);
}

TEST_CASE("read_csv_shared agrees on text columns, categories and classes across processes") {
  // 'color' has categories only some shares see, 'code' starts with text and then holds only
  // numbers (text for one process: its first value decides), the target's classes likewise.
  std::string text = "color,code,x,label\n";
  const char* colors[] = {"red", "green", "red", "blue"};
  for (int i = 0; i < 36; ++i) {
    const std::string code = i == 0 ? "x1" : std::to_string(5 + i % 3);
    const char* color = i < 4 ? colors[i] : (i < 30 ? "green" : "violet");
    const char* label = i < 10 ? "cat" : (i < 33 ? "dog" : "emu");
    text += fmt::format("{},{},{},{}\n", color, code, 0.25 * i, label);
  }
  const tg::test::TempDir dir("parallel_text");
  tg::test::write_file(dir / "t.csv", text);
  const tg::CsvOptions options = with_target("label");
  const tg::Dataset whole = tg::read_csv(dir / "t.csv", options);
  for (std::size_t parts = 1; parts <= 4; ++parts) {
    CAPTURE(parts);
    std::vector<tg::SharedDataset> shares(parts);
    ThreadGroup(parts).run([&](std::size_t r, const tg::Collective& c) {
      shares[r] = tg::read_csv_shared(dir / "t.csv", options, c);
    });
    std::vector<tg::Dataset> data;
    std::size_t offset = 0;
    for (const tg::SharedDataset& s : shares) {
      CHECK(s.row_offset == offset);
      CHECK(s.total_rows == 36);
      CHECK(s.data.feature_names == whole.feature_names);
      CHECK(s.data.classes == whole.classes);
      REQUIRE(s.data.categorical.size() == whole.categorical.size());
      for (std::size_t k = 0; k < whole.categorical.size(); ++k) {
        CHECK(s.data.categorical[k].name == whole.categorical[k].name);
        CHECK(s.data.categorical[k].categories == whole.categorical[k].categories);
      }
      offset += s.data.size();
      data.push_back(s.data);
    }
    const tg::Dataset joined = concatenated(data);
    CHECK(same_values(joined.X, whole.X));
    CHECK(same_values(joined.y, whole.y));
  }
}

TEST_CASE("read_csv_shared refuses more processes than rows, on every process") {
  const tg::test::TempDir dir("parallel_few");
  tg::test::write_file(dir / "two.csv", "x,y\n1,0\n2,1\n");
  const auto [messages, reports] = shared_failures(3, [&](std::size_t, const tg::Collective& c) {
    (void)tg::read_csv_shared(dir / "two.csv", with_target("y"), c);
  });
  CHECK(reports == std::vector<int>{1, 0, 0});
  CHECK(messages[0].find("two.csv: 3 processes for 2 data rows: each process needs rows of its "
                         "own; use at most 2") != std::string::npos);
}

TEST_CASE("run_collectively: a step failing on one process stops all, the first failing reports") {
  const auto [messages, reports] = shared_failures(3, [&](std::size_t r, const tg::Collective& c) {
    tg::run_collectively(c, [&] {
      if (r >= 1) tg::detail::fail("step", fmt::format("process {}", r), "failed");
    });
  });
  CHECK(reports == std::vector<int>{0, 1, 0});
  CHECK(messages[1] == "step: process 1: failed");
  CHECK(messages[0] == "another process failed");
}

TEST_CASE("Standardizer::fit over processes equals fit on all rows") {
  const tg::Dataset& d = tg::test::breast_cancer();
  const tg::Standardizer one = tg::Standardizer::fit(d.X, d.feature_names);
  for (std::size_t parts = 1; parts <= 3; ++parts) {
    std::vector<tg::Standardizer> fitted(parts);
    ThreadGroup(parts).run([&](std::size_t r, const tg::Collective& c) {
      const tg::Dataset share = rows_of(d, d.size() * r / parts, d.size() * (r + 1) / parts);
      fitted[r] = tg::Standardizer::fit(share.X, share.feature_names, c.sum, c.max);
    });
    for (std::size_t j = 0; j < d.features(); ++j) {
      CAPTURE(j);
      for (const tg::Standardizer& s : fitted) {
        if (parts == 1) {
          CHECK(s.mean[j] == one.mean[j]);  // bit for bit with one process
          CHECK(s.scale[j] == one.scale[j]);
        }
        CHECK(rel_error(s.mean[j], one.mean[j]) < 1e-14);
        CHECK(rel_error(s.scale[j], one.scale[j]) < 1e-14);
      }
    }
  }
}

namespace {

/// train() on `parts` contiguous shares of `data` (threads as processes): rank 0's result.
tg::TrainResult train_shared(const tg::Dataset& data, tg::TrainConfig config, std::size_t parts) {
  std::vector<tg::TrainResult> results(parts);
  ThreadGroup(parts).run([&](std::size_t r, const tg::Collective& c) {
    tg::TrainConfig own = config;
    own.collective = &c;
    results[r] =
        tg::train(rows_of(data, data.size() * r / parts, data.size() * (r + 1) / parts), own);
  });
  for (const tg::TrainResult& r : results) {  // every process holds the same model
    for (std::size_t i = 0; i < r.model.params.size(); ++i) {
      CHECK(same_values(r.model.params[i], results[0].model.params[i]));
    }
  }
  return results[0];
}

void check_close(const tg::TrainResult& a, const tg::TrainResult& b, double tolerance) {
  REQUIRE(a.history.size() == b.history.size());
  CHECK(rel_error(a.history.back().loss, b.history.back().loss) <= tolerance);
  CHECK(a.best_epoch == b.best_epoch);
  CHECK(a.train.count == b.train.count);
  CHECK(a.test.count == b.test.count);
  CHECK(rel_error(a.train.loss, b.train.loss) <= tolerance);
  CHECK(rel_error(a.test.loss, b.test.loss) <= tolerance);
  CHECK(a.test.accuracy == b.test.accuracy);
  CHECK(a.test.class_confusion == b.test.class_confusion);
  CHECK(rel_error(a.test.r2, b.test.r2) <= tolerance);
  CHECK(rel_error(a.weight_decay, b.weight_decay) <= 1e-15);
  for (std::size_t i = 0; i < a.model.params.size(); ++i) {
    for (std::size_t k = 0; k < a.model.params[i].size(); ++k) {
      CHECK(std::abs(a.model.params[i][k] - b.model.params[i][k]) <=
            tolerance * std::max(1.0, std::abs(b.model.params[i][k])));
    }
  }
}

}  // namespace

TEST_CASE("train over processes equals one process: lbfgs, gd, early stopping, regression") {
  const tg::Dataset& d = tg::test::breast_cancer();
  tg::TrainConfig lbfgs;
  lbfgs.threads = 1;
  tg::TrainConfig gd = lbfgs;
  gd.optimizer.kind = tg::OptimizerKind::gd;
  gd.epochs = 40;
  tg::TrainConfig early = gd;
  early.epochs = 300;
  early.optimizer.learning_rate = 2.0;
  early.early_stopping = true;
  early.patience = 3;
  early.validation_fraction = 0.3;
  // Regression on three weakly correlated columns (well conditioned, so that L-BFGS converges),
  // with a target that is not linear in them (the loss stays well above 0).
  tg::Dataset reg;
  const std::size_t columns[] = {0, 1, 4};
  reg.X = tg::Tensor(d.size(), 3);
  reg.y = tg::Tensor(d.size(), 1);
  for (std::size_t i = 0; i < d.size(); ++i) {
    for (std::size_t j = 0; j < 3; ++j) reg.X(i, j) = d.X(i, columns[j]);
    reg.y[i] = d.X(i, 0) * d.X(i, 1) / 10.0;
  }
  for (const std::size_t j : columns) reg.feature_names.push_back(d.feature_names[j]);
  reg.target_name = "product";
  tg::TrainConfig linear = lbfgs;
  linear.kind = tg::ModelKind::linear;
  for (const auto& [name, config, data] :
       {std::tuple{"lbfgs", lbfgs, &d}, std::tuple{"gd", gd, &d},
        std::tuple{"early stopping", early, &d},
        std::tuple{"linear", linear, static_cast<const tg::Dataset*>(&reg)}}) {
    const std::string shown = name;
    CAPTURE(shown);
    const tg::TrainResult one = tg::train(*data, config);
    if (config.early_stopping) REQUIRE(one.best_epoch < one.history.size());  // it stopped
    if (config.kind == tg::ModelKind::linear) REQUIRE(one.history.size() < config.epochs);
    for (std::size_t parts = 1; parts <= 3; ++parts) {
      CAPTURE(parts);
      check_close(train_shared(*data, config, parts), one, 1e-9);
    }
  }
}

TEST_CASE("train over processes with mini-batches is deterministic and near one process") {
  const tg::Dataset& d = tg::test::breast_cancer();
  tg::TrainConfig adam;
  adam.threads = 1;
  adam.optimizer.kind = tg::OptimizerKind::adam;
  adam.batch_size = 64;
  adam.epochs = 30;
  adam.seed = 3;
  const tg::TrainResult one = tg::train(d, adam);
  for (std::size_t parts = 2; parts <= 3; ++parts) {
    CAPTURE(parts);
    const tg::TrainResult first = train_shared(d, adam, parts);
    const tg::TrainResult again = train_shared(d, adam, parts);
    check_close(first, again, 0.0);
    CHECK(first.history.size() == 30);
    // Other batches than one process's, the same data and steps: about the same model.
    CHECK(std::abs(first.test.accuracy - one.test.accuracy) < 0.05);
  }
  // More steps than a process has rows: refused on every process alike.
  tg::TrainConfig tiny = adam;
  tiny.batch_size = 1;
  tg::Dataset few = rows_of(d, 0, 40);
  CHECK_THROWS_WITH_AS(train_shared(few, tiny, 3),
                       doctest::Contains("fit: batch_size: 1 per batch makes 32 steps per epoch, "
                                         "more than a process has examples"),
                       tg::SharedError);
}

TEST_CASE("read_csv_shared: numbers before text in a column fail as one process fails") {
  // Rows of 6 bytes: numbers in the first half, text in the second (the second share).
  std::string text = "v,y\n";
  for (int i = 0; i < 20; ++i) text += i < 10 ? fmt::format("{}.5,{}\n", i, i % 2) : "abc,1\n";
  const tg::test::TempDir dir("parallel_numbers_text");
  tg::test::write_file(dir / "v.csv", text);
  CHECK_THROWS_WITH_AS((void)tg::read_csv(dir / "v.csv", "y"),
                       doctest::Contains("v.csv:12:1: expected a number, found 'abc'"), tg::Error);
  const auto [messages, reports] = shared_failures(2, [&](std::size_t, const tg::Collective& c) {
    (void)tg::read_csv_shared(dir / "v.csv", with_target("y"), c);
  });
  CHECK(reports == std::vector<int>{1, 0});
  CHECK(messages[0].find("v.csv: column 'v': expected a number (as in lines from 2 on), found "
                         "text such as 'abc' further down the file") != std::string::npos);
}

namespace {

/// 45 rows with missing values in several columns, spread over the shares of 2 and 3 processes:
/// x (every fifth row), a text column (every fourth, and a category only in the last rows), e
/// (the first 21 rows: all of the first share of 3), b none.
std::string missing_values_csv() {
  std::string text = "x,b,color,e,y\n";
  const char* const colors[] = {"red", "green", "blue"};
  for (int i = 0; i < 45; ++i) {
    const std::string x = i % 5 == 2 ? "NA" : fmt::format("{}", (i * 37 % 11) * 0.7 + 0.013 * i);
    const std::string color = i % 4 == 1 ? "" : i >= 40 ? "purple" : colors[i % 3];
    const std::string e = i < 21 ? "?" : fmt::format("{}", 1.1 * i - 0.37);
    text += fmt::format("{},{},{},{},{}\n", x, i % 7 - 2.5, color, e, (i * i + 3 * i) % 5 < 2);
  }
  return text;
}

}  // namespace

TEST_CASE("read_csv_shared --missing mean fills with the whole file's means, as one process") {
  const tg::test::TempDir dir("parallel_mean");
  tg::test::write_file(dir / "m.csv", missing_values_csv());
  tg::CsvOptions options = with_target("y");
  options.missing = tg::MissingPolicy::mean;
  const tg::Dataset whole = tg::read_csv(dir / "m.csv", options);
  REQUIRE(whole.features() == 7);  // x, b, 4 colors, e
  REQUIRE(whole.filled == 9 + 11 + 21);
  tg::TrainConfig lbfgs;
  lbfgs.threads = 1;
  const tg::TrainResult one = tg::train(whole, lbfgs);
  for (std::size_t parts = 2; parts <= 3; ++parts) {
    CAPTURE(parts);
    std::vector<tg::Dataset> shares(parts);
    std::vector<tg::TrainResult> results(parts);
    ThreadGroup(parts).run([&](std::size_t r, const tg::Collective& c) {
      shares[r] = tg::read_csv_shared(dir / "m.csv", options, c).data;
      tg::TrainConfig own = lbfgs;
      own.collective = &c;
      results[r] = tg::train(shares[r], own);
    });
    if (parts == 3) REQUIRE(shares[0].size() <= 21);  // e is missing in all of its rows
    std::size_t filled = 0;
    for (const tg::Dataset& d : shares) {
      CHECK(d.feature_names == whole.feature_names);
      filled += d.filled;
    }
    CHECK(filled == whole.filled);
    // The same fill values bit for bit: the sums are taken in read_csv's order.
    CHECK(same_values(concatenated(shares).X, whole.X));
    CHECK(same_values(concatenated(shares).y, whole.y));
    REQUIRE(results[0].history.size() == one.history.size());
    CHECK(rel_error(results[0].history.back().loss, one.history.back().loss) <= 1e-9);
  }
}

TEST_CASE("read_csv_shared --missing mean: a missing target fails as in one process") {
  const tg::test::TempDir dir("parallel_mean_target");
  std::string text = "x,y\n";
  for (int i = 0; i < 30; ++i) text += fmt::format("{},{}\n", i, i == 4 || i == 25 ? "NA" : "1");
  tg::test::write_file(dir / "t.csv", text);
  tg::CsvOptions options = with_target("y");
  options.missing = tg::MissingPolicy::mean;
  const std::string expected =
      "t.csv:6:2: expected a target value, found 'NA' (missing; 2 rows without a target "
      "can only be left out: --missing drop)";
  CHECK_THROWS_WITH_AS((void)tg::read_csv(dir / "t.csv", options),
                       doctest::Contains(expected.c_str()), tg::Error);
  const auto [messages, reports] = shared_failures(3, [&](std::size_t, const tg::Collective& c) {
    (void)tg::read_csv_shared(dir / "t.csv", options, c);
  });
  CHECK(reports == std::vector<int>{1, 0, 0});
  CHECK(messages[0].find(expected) != std::string::npos);
  CHECK(messages[1] == "another process failed");
}

TEST_CASE("read_csv_shared --missing mean: a column missing in every share fails") {
  const tg::test::TempDir dir("parallel_mean_empty");
  std::string text = "x,e,y\n";
  for (int i = 0; i < 20; ++i) text += fmt::format("{},NA,{}\n", i, i % 2);
  tg::test::write_file(dir / "e.csv", text);
  tg::CsvOptions options = with_target("y");
  options.missing = tg::MissingPolicy::mean;
  CHECK_THROWS_WITH_AS((void)tg::read_csv(dir / "e.csv", options),
                       doctest::Contains("expected a value to take the mean of in column 'e', "
                                         "found only missing values"),
                       tg::Error);
  const auto [messages, reports] = shared_failures(2, [&](std::size_t, const tg::Collective& c) {
    (void)tg::read_csv_shared(dir / "e.csv", options, c);
  });
  CHECK(reports == std::vector<int>{1, 0});
  CHECK(messages[0].find("e.csv: column 'e': expected a value to take the mean of, found only "
                         "missing values") != std::string::npos);
}
