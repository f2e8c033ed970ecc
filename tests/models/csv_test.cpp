#include <doctest/doctest.h>

#include <cstring>
#include <functional>
#include <sstream>
#include <string>

#include "models/helpers.hpp"

namespace tg = tapegrad;

namespace {

/// What reading gives: the dataset written out in full (every number exactly), or the message.
std::string outcome(const std::function<tg::Dataset()>& read) {
  try {
    const tg::Dataset d = read();
    std::string s = "names:";
    for (const std::string& name : d.feature_names) s += " " + name;
    s += fmt::format("; target: {}; X {}x{}:", d.target_name, d.X.rows(), d.X.cols());
    for (const double v : d.X) s += fmt::format(" {}", v);
    s += fmt::format("; y {}x{}:", d.y.rows(), d.y.cols());
    for (const double v : d.y) s += fmt::format(" {}", v);
    return s;
  } catch (const tg::Error& e) {
    return e.what();
  }
}

/// Checks that the streaming reader behind read_csv gives what parse_csv gives for `text`, in
/// chunks small enough that fields, CRLFs, doubled quotes and the byte order mark straddle chunk
/// boundaries, with the true size, no size and wrong sizes as the storage plan's hint.
void check_streaming_agrees(std::string_view text, std::string_view target = "y") {
  const std::string expected = outcome([&] { return tg::parse_csv(text, "data.csv", target); });
  for (const std::size_t chunk : {4, 5, 7, 64, 1 << 20}) {
    for (const std::uintmax_t hint :
         {std::uintmax_t{0}, std::uintmax_t{text.size()}, std::uintmax_t{text.size() / 3},
          std::uintmax_t{text.size() * 3}}) {
      CAPTURE(chunk);
      CAPTURE(hint);
      std::istringstream in{std::string(text)};
      CHECK(outcome([&] {
              return tg::detail::read_csv_stream(in, "data.csv", target, chunk, hint);
            }) == expected);
    }
  }
}

/// The message parse_csv throws for `text` (file name "data.csv", target "y"); the streaming
/// reader must throw the same.
std::string csv_error(std::string_view text, std::string_view target = "y") {
  check_streaming_agrees(text, target);
  try {
    (void)tg::parse_csv(text, "data.csv", target);
  } catch (const tg::Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("csv: a plain file gives features in column order and the target apart") {
  const tg::Dataset d = tg::parse_csv("a,y,b\n1,0,2.5\n-3e2,1,0.125\n", "data.csv", "y");
  CHECK(d.feature_names == std::vector<std::string>{"a", "b"});
  CHECK(d.target_name == "y");
  CHECK(d.X == tg::Tensor::from_rows({{1, 2.5}, {-300, 0.125}}));
  CHECK(d.y == tg::Tensor::column({0, 1}));
  CHECK(d.size() == 2);
  CHECK(d.features() == 2);
}

TEST_CASE("csv: BOM, CRLF, quoted fields, doubled quotes and no final newline are accepted") {
  const std::string text =
      "\xEF\xBB\xBF\"first, name\",\"say \"\"hi\"\"\",y\r\n"
      "\"1.5\",2,1\r\n"
      "3, 4 ,0";
  const tg::Dataset d = tg::parse_csv(text, "data.csv", "y");
  CHECK(d.feature_names == std::vector<std::string>{"first, name", "say \"hi\""});
  CHECK(d.X == tg::Tensor::from_rows({{1.5, 2}, {3, 4}}));
  CHECK(d.y == tg::Tensor::column({1, 0}));
}

TEST_CASE("csv: quoted fields may hold line breaks, blank lines are skipped") {
  const tg::Dataset d = tg::parse_csv("\"multi\nline\",y\n\n1,1\n\n\n2,0\n\n", "data.csv", "y");
  CHECK(d.feature_names == std::vector<std::string>{"multi\nline"});
  CHECK(d.X == tg::Tensor::column({1, 2}));
}

TEST_CASE("csv: numbers are read exactly (correctly rounded, as the source text)") {
  const tg::Dataset d = tg::parse_csv("a,y\n0.1,0\n+2.5,1\n1e-320,0\n0.07871,1\n", "data.csv", "y");
  CHECK(d.X[0] == 0.1);
  CHECK(d.X[1] == 2.5);
  CHECK(d.X[2] == 1e-320);
  CHECK(d.X[3] == 0.07871);
}

TEST_CASE("csv: read in chunks, every accepted form gives what the text in memory gives") {
  for (const std::string_view text :
       {"a,y,b\n1,0,2.5\n-3e2,1,0.125\n",
        "\xEF\xBB\xBF\"first, name\",\"say \"\"hi\"\"\",y\r\n\"1.5\",2,1\r\n3, 4 ,0",
        "\"multi\nline\",y\n\n1,1\n\n\n2,0\n\n", "a,y\n0.1,0\n+2.5,1\n1e-320,0\n0.07871,1\n",
        "a,y\r\n\"1\r\n\",0\r\n", "a,y\n\"\"\"\",0\n", "\xEF\xBB\xBF", "\xEF\xBB", "y\n1\n0\n"}) {
    CAPTURE(text);
    check_streaming_agrees(text);
    check_streaming_agrees(text, "");
  }
}

TEST_CASE("csv: thousands of rows read in chunks, with row lengths that mislead the plan") {
  // The storage is planned from the rate of bytes per row seen after 1024 rows: rows that get
  // longer or shorter after that make the plan fall short or overshoot; the result is the same.
  for (const bool longer_later : {false, true}) {
    std::string text =
        "\xEF\xBB\xBF"
        "a,\"b\",y\r\n";
    for (int i = 0; i < 5000; ++i) {
      const bool long_row = (i >= 1500) == longer_later;
      text += long_row ? fmt::format("{}.000000000000001,\" {}e-3 \",{}\r\n", i, -i, i % 2)
                       : fmt::format("{},{},{}\n", i % 10, i % 7, i % 2);
      if (i % 997 == 0) text += "\r\n";  // a blank line now and then
    }
    CAPTURE(longer_later);
    check_streaming_agrees(text);
    const tg::Dataset d = tg::parse_csv(text, "data.csv", "y");
    CHECK(d.size() == 5000);
    CHECK(d.features() == 2);
  }
}

TEST_CASE("csv: an empty target name reads unlabelled data") {
  const tg::Dataset d = tg::parse_csv("a,b\n1,2\n", "data.csv", "");
  CHECK(d.feature_names == std::vector<std::string>{"a", "b"});
  CHECK(d.y.size() == 0);
  CHECK(d.X == tg::Tensor::from_rows({{1, 2}}));
}

TEST_CASE("csv: malformed input names file, line, column and what was expected") {
  CHECK(csv_error("") == "read_csv: data.csv:1: expected a header row, found an empty file");
  CHECK(csv_error("\xEF\xBB\xBF\n\n") ==
        "read_csv: data.csv:1: expected a header row, found an empty file");
  CHECK(csv_error("a,y\n") ==
        "read_csv: data.csv:2: expected data rows after the header, found none");
  CHECK(csv_error("a,y") ==
        "read_csv: data.csv:1: expected data rows after the header, found none");
  CHECK(csv_error("a,y\n1,0\n2\n") ==
        "read_csv: data.csv:3: expected 2 fields as in the header, found 1");
  CHECK(csv_error("a,y\n1,0,5\n") ==
        "read_csv: data.csv:2: expected 2 fields as in the header, found 3");
  CHECK(csv_error("y\n0,1\n") ==
        "read_csv: data.csv:2: expected 1 field as in the header, found 2");
  CHECK(
      csv_error("a,b,a,y\n1,2,3,0\n") ==
      "read_csv: data.csv:1:3: expected unique column names, found 'a' again (first in column 1)");
  CHECK(csv_error("a,,y\n1,2,0\n") == "read_csv: data.csv:1:2: expected a column name, found ''");
  CHECK(csv_error("a,b\n1,0\n") == "read_csv: data.csv:1: expected a column named 'y', found none");
  CHECK(csv_error("a,b,y\n1,2,0\n1,2,0\n1,2,0\n1,2,0\n1,2,0\n1,abc,0\n") ==
        "read_csv: data.csv:7:2: expected a number, found 'abc'");
  // An empty field or NaN is a missing value (see csv_columns_test.cpp for --missing).
  CHECK(csv_error("a,y\n,0\n") ==
        "read_csv: data.csv:2:1: expected a value in column 'a', found '' (missing; 1 missing "
        "value in 1 column: choose --missing drop or --missing mean)");
  // A column is numeric when its first value is a number (else text, one-hot encoded).
  CHECK(csv_error("a,y\n1,0\n1.5x,0\n") ==
        "read_csv: data.csv:3:1: expected a number, found '1.5x'");
  CHECK(csv_error("a,y\nnan,0\n") ==
        "read_csv: data.csv:2:1: expected a value in column 'a', found 'nan' (missing; 1 missing "
        "value in 1 column: choose --missing drop or --missing mean)");
  CHECK(csv_error("a,y\n-inf,0\n") ==
        "read_csv: data.csv:2:1: expected a finite number, found '-inf'");
  CHECK(csv_error("a,y\n1e999,0\n") ==
        "read_csv: data.csv:2:1: expected a finite number, found '1e999'");
  // Any target is read (what task it makes is columns.hpp's to say); numbers then text is not.
  CHECK(csv_error("a,y\n1,2\n1,0.5\n") == "(no error)");
  CHECK(csv_error("a,y\n1,0\n1,yes\n") == "read_csv: data.csv:3:2: expected a number, found 'yes'");
  CHECK(csv_error("a,y\n\"1,0\n") ==
        "read_csv: data.csv:2:1: expected a closing quote, found the end of the file");
  CHECK(
      csv_error("a,y\n\"1\"x,0\n") ==
      "read_csv: data.csv:2:1: expected a comma or a line end after the closing quote, found 'x'");
  CHECK(csv_error("a,y\n1\"2,0\n") ==
        "read_csv: data.csv:2:1: expected quotes only around a whole field, found '1\"2'");
  // a quoted line break moves the line count on
  CHECK(csv_error("\"a\nb\",y\n1,0\nx,1\n") ==
        "read_csv: data.csv:4:1: expected a number, found 'x'");
  // a CRLF file counts lines the same way
  CHECK(csv_error("a,y\r\n1,0\r\nx,7\r\n") ==
        "read_csv: data.csv:3:1: expected a number, found 'x'");
}

TEST_CASE("csv: messages stay on one line: control characters are escaped, long text cut") {
  // Found by tests/fuzz/csv_fuzz: a quoted header field holding a line break was echoed raw.
  CHECK(csv_error("\"\n12\",0,\"\n12\"\n1,2,3\n") ==
        "read_csv: data.csv:2:3: expected unique column names, found '\\n12' again "
        "(first in column 1)");
  CHECK(csv_error("a,y\n1,0\n\"1\t\r\x01\",0\n") ==
        "read_csv: data.csv:3:1: expected a number, found '1\\t\\r\\x01'");
  const std::string long_field(100, 'x');
  CHECK(csv_error("a,y\n1,0\n" + long_field + ",0\n") ==
        "read_csv: data.csv:3:1: expected a number, found '" + std::string(60, 'x') + "...'");
}

TEST_CASE("csv: errors are tapegrad::Error") {
  CHECK_THROWS_AS((void)tg::parse_csv("a,y\n1,0\nabc,0\n", "data.csv", "y"), tg::Error);
}

TEST_CASE("csv: read_csv reads files and names them in messages") {
  const tg::test::TempDir dir("csv");
  tg::test::write_file(dir / "ok.csv", "\xEF\xBB\xBFx,label\r\n1,1\r\n2,0");
  const tg::Dataset d = tg::read_csv(dir / "ok.csv", "label");
  CHECK(d.X == tg::Tensor::column({1, 2}));
  CHECK(d.y == tg::Tensor::column({1, 0}));

  tg::test::write_file(dir / "bad.csv", "x,label\n1,1\n2,abc\n");
  const std::string bad = (dir / "bad.csv").string();
  CHECK_THROWS_WITH_AS((void)tg::read_csv(dir / "bad.csv", "label"),
                       ("read_csv: " + bad + ":3:2: expected a number, found 'abc'").c_str(),
                       tg::Error);
  // A folder opens but cannot be read (it used to pass for an empty file).
  CHECK_THROWS_WITH_AS((void)tg::read_csv(dir.path(), "label"),
                       ("read_csv: " + dir.path().string() + ": cannot read the file").c_str(),
                       tg::Error);
  const std::string missing = (dir / "missing.csv").string();
  CHECK_THROWS_WITH_AS((void)tg::read_csv(dir / "missing.csv", "label"),
                       ("read_csv: " + missing + ": cannot open the file for reading").c_str(),
                       tg::Error);
}

TEST_CASE("csv: the embedded breast cancer data") {
  const tg::Dataset& d = tg::test::breast_cancer();
  REQUIRE(d.size() == 569);
  REQUIRE(d.features() == 30);
  CHECK(d.feature_names.front() == "mean_radius");
  CHECK(d.feature_names[10] == "radius_error");
  CHECK(d.feature_names.back() == "worst_fractal_dimension");
  CHECK(d.target_name == "malignant");
  double malignant = 0;
  for (double v : d.y) malignant += v;
  CHECK(malignant == 212);    // the description's class distribution
  CHECK(d.X(0, 0) == 17.99);  // first row, as in the source text
  CHECK(d.X(0, 29) == 0.1189);
  CHECK(d.y[0] == 1.0);        // the first example is malignant
  CHECK(d.X(568, 0) == 7.76);  // last row
  CHECK(d.y[568] == 0.0);
}

TEST_CASE("standardizer: training mean and population std, constant columns only centred") {
  const tg::Tensor X = tg::Tensor::from_rows({{1, 0.1, 5}, {2, 0.1, 7}, {3, 0.1, 9}, {6, 0.1, 3}});
  const tg::Standardizer s = tg::Standardizer::fit(X);
  CHECK(s.mean[0] == 3.0);
  CHECK(s.scale[0] == doctest::Approx(std::sqrt(3.5)).epsilon(1e-15));  // (4+1+0+9)/4
  CHECK(s.mean[1] == 0.1);
  CHECK(s.scale[1] == 1.0);
  CHECK(s.mean[2] == 6.0);
  CHECK(s.scale[2] == doctest::Approx(std::sqrt(5.0)).epsilon(1e-15));  // (1+1+9+9)/4
  const tg::Tensor Z = s.apply(X);
  for (std::size_t j = 0; j < 3; ++j) {
    double mean = 0, sq = 0;
    for (std::size_t i = 0; i < 4; ++i) mean += Z(i, j) / 4;
    for (std::size_t i = 0; i < 4; ++i) sq += (Z(i, j) - mean) * (Z(i, j) - mean) / 4;
    CHECK(std::abs(mean) < 1e-15);
    CHECK(sq == doctest::Approx(j == 1 ? 0.0 : 1.0).epsilon(1e-14));
  }
  CHECK(Z(0, 1) == 0.0);
  CHECK_THROWS_WITH_AS((void)s.apply(tg::Tensor(2, 2)),
                       "Standardizer::apply: X: expected 3 columns, found 2", tg::Error);
}

TEST_CASE("standardizer: apply_in_place writes apply's numbers bit for bit into X itself") {
  const tg::Dataset& d = tg::test::breast_cancer();
  const tg::Standardizer s = tg::Standardizer::fit(d.X);
  const tg::Tensor copied = s.apply(d.X);
  tg::Tensor X(d.X.view());
  const double* storage = X.data();
  s.apply_in_place(X.mutable_view());
  CHECK(X.data() == storage);
  CHECK(std::memcmp(X.data(), copied.data(), X.size() * sizeof(double)) == 0);
  // The z-score by hand, and the overflow-free form for x - mean beyond the largest double.
  CHECK(X(7, 3) == (d.X(7, 3) - s.mean[3]) / s.scale[3]);
  tg::Tensor skewed = tg::Tensor::column({1.5e308, -1.5e308, -1.5e308, -1.5e308});
  const tg::Standardizer k = tg::Standardizer::fit(skewed);
  const tg::Tensor kz = k.apply(skewed);
  k.apply_in_place(skewed.mutable_view());
  CHECK(std::memcmp(skewed.data(), kz.data(), kz.size() * sizeof(double)) == 0);
  CHECK(skewed[0] == doctest::Approx(std::sqrt(3.0)).epsilon(1e-14));
  // A view of some rows standardises those rows only.
  tg::Tensor part(d.X.view());
  s.apply_in_place(tg::MutableTensorView(part.data() + 2 * part.cols(), tg::Shape{3, part.cols()}));
  CHECK(part(1, 0) == d.X(1, 0));
  CHECK(part(2, 0) == copied(2, 0));
  CHECK(part(4, 29) == copied(4, 29));
  CHECK(part(5, 0) == d.X(5, 0));
  tg::Tensor wrong(2, 2, 3.0);
  CHECK_THROWS_WITH_AS(s.apply_in_place(wrong.mutable_view()),
                       "Standardizer::apply_in_place: X: expected 30 columns, found 2", tg::Error);
  CHECK(wrong[0] == 3.0);  // unchanged
}

TEST_CASE("standardizer: scaled two passes: ordinary data bit for bit, 1e-200 and 1e308 finite") {
  // Ordinary values: exactly the plain two-pass mean and population standard deviation.
  const tg::Dataset& d = tg::test::breast_cancer();
  const tg::Standardizer s = tg::Standardizer::fit(d.X);
  for (std::size_t j = 0; j < d.features(); ++j) {
    double sum = 0.0, squares = 0.0;
    for (std::size_t i = 0; i < d.size(); ++i) sum += d.X(i, j);
    const double mean = sum / static_cast<double>(d.size());
    for (std::size_t i = 0; i < d.size(); ++i) squares += (d.X(i, j) - mean) * (d.X(i, j) - mean);
    CHECK(s.mean[j] == mean);
    CHECK(s.scale[j] == std::sqrt(squares / static_cast<double>(d.size())));
  }
  // 1e-200: the squares underflowed to a scale of 0 (then "lower the learning rate").
  const tg::Tensor tiny = tg::Tensor::column({1e-200, 2e-200, 3e-200, 4e-200});
  const tg::Standardizer t = tg::Standardizer::fit(tiny);
  CHECK(t.mean[0] == doctest::Approx(2.5e-200).epsilon(1e-15));
  CHECK(t.scale[0] == doctest::Approx(std::sqrt(1.25) * 1e-200).epsilon(1e-15));
  const tg::Tensor tz = t.apply(tiny);
  CHECK(tz[0] == doctest::Approx(-1.5 / std::sqrt(1.25)).epsilon(1e-14));
  // +-1e308: the sum overflowed to a scale of inf, and the feature became 0.
  const tg::Tensor huge = tg::Tensor::column({1e308, -1e308, 1e308, -1e308});
  const tg::Standardizer h = tg::Standardizer::fit(huge);
  CHECK(h.mean[0] == 0.0);
  CHECK(h.scale[0] == 1e308);
  CHECK(h.apply(huge)[0] == 1.0);
  // x - mean overflows where the z-score does not.
  const tg::Tensor skewed = tg::Tensor::column({1.5e308, -1.5e308, -1.5e308, -1.5e308});
  const tg::Standardizer k = tg::Standardizer::fit(skewed);
  const tg::Tensor kz = k.apply(skewed);
  CHECK(std::isfinite(kz[0]));
  CHECK(kz[0] == doctest::Approx(std::sqrt(3.0)).epsilon(1e-14));
  // A spread below the smallest normal double cannot be divided by: refused, by name.
  const tg::Tensor denormal = tg::Tensor::from_rows({{1.0, 5e-324}, {2.0, 1e-323}});
  const std::vector<std::string> names{"x", "denormal"};
  CHECK_THROWS_WITH_AS((void)tg::Standardizer::fit(denormal, names),
                       doctest::Contains("Standardizer::fit: column 'denormal': values from "),
                       tg::Error);
  CHECK_THROWS_WITH_AS((void)tg::Standardizer::fit(denormal),
                       doctest::Contains("Standardizer::fit: column 2: "), tg::Error);
}

TEST_CASE("csv: a repeated name in a header of 100,000 columns is found (hashed, not pairwise)") {
  std::string header;
  for (int i = 0; i < 100000; ++i) header += fmt::format("{}c{}", i == 0 ? "" : ",", i);
  const std::string text = header + ",c5\n";
  CHECK(outcome([&] { return tg::parse_csv(text, "wide.csv", ""); }) ==
        "read_csv: wide.csv:1:100001: expected unique column names, found 'c5' again (first in "
        "column 6)");
}

TEST_CASE("split: seeded, disjoint, complete, and the requested size") {
  const tg::Dataset& d = tg::test::breast_cancer();
  const auto [train, test] = tg::train_test_split(d, 0.2, 7);
  CHECK(test.size() == 114);  // round(569 * 0.2) = round(113.8)
  CHECK(train.size() == 455);
  CHECK(train.feature_names == d.feature_names);
  // Every example lands in exactly one part: compare multisets of (first feature, label) keys.
  std::vector<std::pair<double, double>> all, parts;
  for (std::size_t i = 0; i < d.size(); ++i) all.emplace_back(d.X(i, 0) + d.X(i, 1) * 1e-3, d.y[i]);
  for (const tg::Dataset* p : {&train, &test}) {
    for (std::size_t i = 0; i < p->size(); ++i) {
      parts.emplace_back(p->X(i, 0) + p->X(i, 1) * 1e-3, p->y[i]);
    }
  }
  std::sort(all.begin(), all.end());
  std::sort(parts.begin(), parts.end());
  CHECK(all == parts);
  // The same seed gives the same split; another seed another one.
  const auto again = tg::train_test_split(d, 0.2, 7);
  CHECK(again.second.X == test.X);
  CHECK(tg::train_test_split(d, 0.2, 8).second.X != test.X);
  // The test part is the first round(m f) rows of the seeded permutation.
  const std::vector<std::size_t> order = tg::Rng(7).permutation(d.size());
  for (std::size_t k = 0; k < test.size(); ++k) CHECK(test.X(k, 3) == d.X(order[k], 3));
  CHECK_THROWS_WITH_AS((void)tg::train_test_split(d, 1.0, 7),
                       "train_test_split: test_fraction: expected a value in [0, 1), found 1",
                       tg::Error);
}

TEST_CASE("csv: progress is told every 1,024 rows and once at the end, for files and blocks") {
  // 2,500 rows of "k,k%2\n": calls at rows 1,024 and 2,048, then the end (all the bytes).
  std::string text = "x,label\n";
  for (int k = 0; k < 2500; ++k) text += fmt::format("{},{}\n", k, k % 2);
  const tg::test::TempDir dir("csv-progress");
  tg::test::write_file(dir / "rows.csv", text);
  struct Call {
    std::uintmax_t bytes;
    std::size_t rows;
    bool done;
  };
  std::vector<Call> calls;
  tg::CsvOptions options;
  options.target = "label";
  options.progress = [&](std::uintmax_t bytes, std::size_t rows, bool done) {
    calls.push_back({bytes, rows, done});
  };
  const auto check_calls = [&] {
    REQUIRE(calls.size() == 3);
    CHECK(calls[0].rows == 1024);
    CHECK(calls[1].rows == 2048);
    CHECK(calls[2].rows == 2500);
    CHECK_FALSE(calls[0].done);
    CHECK_FALSE(calls[1].done);
    CHECK(calls[2].done);
    // The bytes consumed when a row is counted are at least those of the rows before it.
    const std::size_t header = std::string_view("x,label\n").size();
    std::size_t through_1024 = header;
    for (int k = 0; k < 1024; ++k) through_1024 += fmt::format("{},{}\n", k, k % 2).size();
    CHECK(calls[0].bytes >= through_1024);
    CHECK(calls[0].bytes <= calls[1].bytes);
    CHECK(calls[1].bytes <= calls[2].bytes);
    CHECK(calls[2].bytes == text.size());
  };
  const tg::Dataset d = tg::read_csv(dir / "rows.csv", options);
  CHECK(d.size() == 2500);
  check_calls();

  calls.clear();  // the block reader (eval, predict) tells the same, whatever its block size
  tg::CsvBlockReader reader(dir / "rows.csv", options, 1000);
  std::size_t rows = 0;
  for (tg::Dataset block; reader.next(block);) rows += block.size();
  CHECK(rows == 2500);
  check_calls();
}
