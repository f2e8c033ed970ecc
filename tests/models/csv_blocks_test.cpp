// Reading in blocks (CsvBlockReader) and metrics summed over blocks (MetricsSum): the same
// numbers, bit for bit, as read_csv and Model::evaluate on the whole file, for every block size.
#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "helpers.hpp"

namespace tg = tapegrad;

namespace {

// 12 data rows: a number, a text column with known categories (and an unseen 'purple'), a text
// target, an id; missing values in features and in the target.
constexpr std::string_view kCsv =
    "x,color,label,name\n"
    "1.5,red,yes,a\n"
    "2,blue,no,b\n"
    "NA,red,yes,c\n"
    "-4.25,,no,d\n"
    "5,green,maybe,e\n"
    "6,purple,yes,f\n"
    "7.5,blue,,g\n"
    "8,red,no,h\n"
    "?,green,maybe,i\n"
    "10,red,yes,j\n"
    "11,blue,no,k\n"
    "12.125,green,yes,l\n";

tg::CsvOptions model_like(tg::MissingPolicy missing) {
  tg::CsvOptions o;
  o.target = "label";
  o.id = "name";
  o.missing = missing;
  o.categorical.push_back({"color", {"blue", "green", "red"}});
  o.fill = {{"x", 0.5}, {"color=blue", 0.25}, {"color=green", 0.125}, {"color=red", 0.625}};
  return o;
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// The blocks of `path` put back together: X's rows, the targets' class names, ids, row numbers.
struct Joined {
  std::vector<double> X;
  std::vector<std::string> labels;
  std::vector<std::string> ids;
  std::vector<std::size_t> rows;
  std::vector<std::string> features;
  std::size_t blocks = 0, dropped = 0, filled = 0, unseen = 0;
  std::string first_unseen;
};

Joined join_blocks(const std::filesystem::path& path, const tg::CsvOptions& options,
                   std::size_t block_rows) {
  Joined j;
  tg::CsvBlockReader reader(path, options, block_rows);
  tg::Dataset block;
  while (reader.next(block)) {
    ++j.blocks;
    CHECK(block.size() <= block_rows);
    CHECK(block.source_rows.size() == block.size());
    j.features = block.feature_names;
    j.X.insert(j.X.end(), block.X.begin(), block.X.end());
    for (const double v : block.y)
      j.labels.push_back(block.classes.at(static_cast<std::size_t>(v)));
    j.ids.insert(j.ids.end(), block.ids.begin(), block.ids.end());
    j.rows.insert(j.rows.end(), block.source_rows.begin(), block.source_rows.end());
  }
  j.dropped = reader.dropped();
  j.filled = reader.filled();
  j.unseen = reader.unseen();
  j.first_unseen = reader.first_unseen();
  CHECK(reader.rows() == 12);
  return j;
}

void check_like_whole(tg::MissingPolicy missing) {
  const tg::test::TempDir dir("csv_blocks");
  tg::test::write_file(dir / "d.csv", kCsv);
  const tg::CsvOptions options = model_like(missing);
  const tg::Dataset whole = tg::read_csv(dir / "d.csv", options);
  REQUIRE(whole.size() > 0);
  for (const std::size_t block_rows : {1, 2, 3, 5, 11, 12, 1000}) {
    CAPTURE(block_rows);
    const Joined j = join_blocks(dir / "d.csv", options, block_rows);
    CHECK(j.features == whole.feature_names);
    REQUIRE(j.X.size() == whole.X.size());
    for (std::size_t k = 0; k < j.X.size(); ++k) CHECK(same_bits(j.X[k], whole.X[k]));
    REQUIRE(j.labels.size() == whole.size());
    for (std::size_t i = 0; i < whole.size(); ++i) {
      CHECK(j.labels[i] == whole.classes.at(static_cast<std::size_t>(whole.y[i])));
      CHECK(j.rows[i] == (whole.source_rows.empty() ? i + 1 : whole.source_rows[i]));
    }
    CHECK(j.ids == whole.ids);
    CHECK(j.dropped == whole.dropped);
    CHECK(j.filled == whole.filled);
    CHECK(j.unseen == whole.unseen);
    CHECK(j.first_unseen == whole.first_unseen);
  }
}

std::string error_of(const auto& f) {
  try {
    f();
  } catch (const tg::Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("CsvBlockReader: --missing drop in blocks of any size gives read_csv's rows") {
  check_like_whole(tg::MissingPolicy::drop);
  // Independent count: rows 3, 4, 7 (target) and 9 miss a value; 'purple' in row 6 is unseen.
  const tg::test::TempDir dir("csv_blocks_drop");
  tg::test::write_file(dir / "d.csv", kCsv);
  const Joined j = join_blocks(dir / "d.csv", model_like(tg::MissingPolicy::drop), 2);
  CHECK(j.rows == std::vector<std::size_t>{1, 2, 5, 6, 8, 10, 11, 12});
  CHECK(j.dropped == 4);
  CHECK(j.unseen == 1);
  CHECK(j.first_unseen.find("d.csv:7:2: 'purple' in column 'color'") != std::string::npos);
  // Row 6 (purple): x = 6, all three one-hot features 0.
  CHECK(j.X[3 * 4 + 0] == 6.0);
  CHECK(j.X[3 * 4 + 1] == 0.0);
  CHECK(j.X[3 * 4 + 2] == 0.0);
  CHECK(j.X[3 * 4 + 3] == 0.0);
}

TEST_CASE("CsvBlockReader: --missing mean with given fill values in blocks gives read_csv's") {
  // Without the missing target (mean never fills a target).
  const tg::test::TempDir dir("csv_blocks_mean");
  std::string text(kCsv);
  text.replace(text.find("7.5,blue,,g"), 11, "7.5,blue,no,g");
  tg::test::write_file(dir / "d.csv", text);
  const tg::CsvOptions options = model_like(tg::MissingPolicy::mean);
  const tg::Dataset whole = tg::read_csv(dir / "d.csv", options);
  const Joined j = join_blocks(dir / "d.csv", options, 3);
  REQUIRE(j.X.size() == whole.X.size());
  for (std::size_t k = 0; k < j.X.size(); ++k) CHECK(same_bits(j.X[k], whole.X[k]));
  CHECK(j.filled == 3);
  // Row 3's x and row 4's color come from the fill values.
  CHECK(j.X[2 * 4 + 0] == 0.5);
  CHECK(j.X[3 * 4 + 1] == 0.25);
  CHECK(j.X[3 * 4 + 2] == 0.125);
  CHECK(j.X[3 * 4 + 3] == 0.625);
  CHECK(j.blocks == 4);
}

TEST_CASE("CsvBlockReader: errors in a late block are read_csv's, at the same line") {
  const tg::test::TempDir dir("csv_blocks_errors");
  std::string text(kCsv);
  text.replace(text.find("11,blue"), 2, "x1");  // line 12: not a number
  tg::test::write_file(dir / "bad.csv", text);
  const tg::CsvOptions drop = model_like(tg::MissingPolicy::drop);
  const std::string whole_error = error_of([&] { (void)tg::read_csv(dir / "bad.csv", drop); });
  CHECK(whole_error.find("bad.csv:12:1: expected a number, found 'x1'") != std::string::npos);
  std::size_t blocks = 0;
  const std::string block_error = error_of([&] {
    tg::CsvBlockReader reader(dir / "bad.csv", drop, 2);
    tg::Dataset block;
    while (reader.next(block)) ++blocks;
  });
  CHECK(block_error == whole_error);
  CHECK(blocks == 4);  // rows 1-2, 5-6 (3-4 dropped), 8, 10: then row 11 (line 12) fails

  // A missing value under --missing error: the first one named, all of them counted.
  tg::test::write_file(dir / "d.csv", kCsv);
  const tg::CsvOptions error = model_like(tg::MissingPolicy::error);
  const std::string whole_missing = error_of([&] { (void)tg::read_csv(dir / "d.csv", error); });
  CHECK(whole_missing.find("d.csv:4:1: expected a value in column 'x', found 'NA' (missing; 4 "
                           "missing values in 3 columns") != std::string::npos);
  const std::string block_missing = error_of([&] {
    tg::CsvBlockReader reader(dir / "d.csv", error, 2);
    tg::Dataset block;
    while (reader.next(block)) {
    }
  });
  CHECK(block_missing == whole_missing);

  // Every row dropped: the same message, at the end.
  tg::test::write_file(dir / "all.csv", "x,color,label,name\nNA,red,yes,a\n1,,no,b\n");
  const std::string whole_all = error_of([&] { (void)tg::read_csv(dir / "all.csv", drop); });
  CHECK(whole_all.find("each of the 2 rows misses one") != std::string::npos);
  CHECK(error_of([&] {
          tg::CsvBlockReader reader(dir / "all.csv", drop, 1);
          tg::Dataset block;
          while (reader.next(block)) {
          }
        }) == whole_all);

  // A column without known categories holds numbers only in blocks.
  tg::CsvOptions plain;
  plain.target = "label";
  plain.id = "name";
  plain.ignore = {"x"};
  CHECK(error_of([&] {
          tg::CsvBlockReader reader(dir / "d.csv", plain, 4);
          tg::Dataset block;
          while (reader.next(block)) {
          }
        }).find("d.csv:2:2: expected a number, found 'red'") != std::string::npos);
}

TEST_CASE("MetricsSum: metrics summed over blocks equal evaluate on all rows, bit for bit") {
  tg::Rng rng(7);
  const std::size_t m = 203, n = 5;
  tg::Tensor X(m, n);
  for (double& v : X) v = rng.uniform(-2.0, 2.0);
  tg::Tensor labels2(m, 1), labels3(m, 1), targets(m, 1);
  for (std::size_t i = 0; i < m; ++i) {
    labels2[i] = X(i, 0) + 0.3 * X(i, 1) > 0.1 ? 1.0 : 0.0;
    labels3[i] = static_cast<double>(i % 3);
    targets[i] = 2.0 * X(i, 2) - X(i, 3) + 0.25 * rng.uniform01();
  }
  struct Case {
    tg::Model model;
    const tg::Tensor* y;
  };
  std::vector<Case> cases;
  cases.push_back({tg::make_mlp({n, 7, 1}, tg::Activation::tanh, 3), &labels2});
  cases.push_back(
      {tg::make_mlp({n, 6, 3}, tg::Activation::relu, 4, tg::Task::multiclass), &labels3});
  cases.push_back(
      {tg::make_mlp({n, 4, 1}, tg::Activation::tanh, 5, tg::Task::regression), &targets});
  for (Case& c : cases) {
    CAPTURE(tg::to_string(c.model.task));
    const tg::Metrics whole = c.model.evaluate(X, *c.y);
    for (const std::size_t block : {1, 2, 7, 64, 203}) {
      CAPTURE(block);
      tg::MetricsSum sum(c.model);
      for (std::size_t start = 0; start < m; start += block) {
        const std::size_t rows = std::min(block, m - start);
        tg::Tensor Xb(rows, n), yb(rows, 1);
        for (std::size_t i = 0; i < rows; ++i) {
          for (std::size_t j = 0; j < n; ++j) Xb(i, j) = X(start + i, j);
          yb[i] = (*c.y)[start + i];
        }
        sum.add(Xb, yb);
      }
      const tg::Metrics b = sum.result();
      CHECK(b.count == m);
      CHECK(same_bits(b.loss, whole.loss));
      CHECK(same_bits(b.accuracy, whole.accuracy));
      CHECK(b.class_confusion == whole.class_confusion);
      CHECK(b.precision == whole.precision);
      CHECK(b.recall == whole.recall);
      CHECK(same_bits(b.mse, whole.mse));
      CHECK(same_bits(b.mae, whole.mae));
      CHECK(same_bits(b.r2, whole.r2));
    }
  }
  // Independent check of the summed binary counts: the confusion matrix adds up to m.
  const tg::Metrics binary = cases[0].model.evaluate(X, labels2);
  CHECK(binary.confusion.true_positive + binary.confusion.false_positive +
            binary.confusion.true_negative + binary.confusion.false_negative ==
        m);
}
