// The CSV reader on the files people have: separators, text columns (one-hot), ignored and id
// columns, missing values, text targets.
#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include "models/helpers.hpp"

namespace tg = tapegrad;

namespace {

tg::CsvOptions with(std::string target) {
  tg::CsvOptions o;
  o.target = std::move(target);
  return o;
}

/// parse_csv's result; the streaming reader in 3-byte chunks must give the same.
tg::Dataset read(std::string_view text, const tg::CsvOptions& o) {
  const tg::Dataset d = tg::parse_csv(text, "data.csv", o);
  std::istringstream in{std::string(text)};
  const tg::Dataset s = tg::detail::read_csv_stream(in, "data.csv", o, 3, text.size());
  CHECK(s.X == d.X);
  CHECK(s.y == d.y);
  CHECK(s.feature_names == d.feature_names);
  CHECK(s.classes == d.classes);
  CHECK(s.ids == d.ids);
  return d;
}

std::string error(std::string_view text, const tg::CsvOptions& o) {
  try {
    (void)tg::parse_csv(text, "data.csv", o);
  } catch (const tg::Error& e) {
    std::istringstream in{std::string(text)};
    CHECK_THROWS_WITH_AS((void)tg::detail::read_csv_stream(in, "data.csv", o, 3, 0), e.what(),
                         tg::Error);
    return e.what();
  }
  return "(no error)";
}

std::vector<double> values(const tg::Tensor& t) { return {t.begin(), t.end()}; }

}  // namespace

TEST_CASE("csv columns: the separator is detected from the header, or given") {
  const tg::Dataset comma = read("a,b,y\n1.5,2,0\n3,4,1\n", with("y"));
  const tg::Dataset semi = read("a;b;y\n1,5;2;0\n3;4;1\n", with("y"));  // decimal comma
  const tg::Dataset tab = read("a\tb\ty\n1.5\t2\t0\n3\t4\t1\n", with("y"));
  CHECK(values(comma.X) == std::vector<double>{1.5, 2, 3, 4});
  CHECK(semi.X == comma.X);
  CHECK(tab.X == comma.X);
  CHECK(semi.feature_names == comma.feature_names);
  CHECK(tab.y == comma.y);
  // The most frequent of the three in the header wins; the others stay in the names.
  const tg::Dataset mixed = read("id,x;y;z\n1,2;3;4\n", tg::CsvOptions{});
  CHECK(mixed.feature_names == std::vector<std::string>{"id,x", "y", "z"});
  // Quoted separators do not count.
  CHECK(read("\"a;b;c\",d\n1,2\n", {}).feature_names == std::vector<std::string>{"a;b;c", "d"});
  // Given: a comma file read with ';' is one column (a text column of distinct values... short).
  tg::CsvOptions semicolon;
  semicolon.separator = ';';
  CHECK(read("a,b\n1,2\n", semicolon).feature_names == std::vector<std::string>{"a,b"});
  tg::CsvOptions bad;
  bad.separator = '|';
  CHECK(error("a|b\n1|2\n", bad) ==
        "read_csv: data.csv: expected a comma, a semicolon or a tab as separator, found '|'");
  CHECK(error("a;b\n\"1\",2;3\n", {}) ==
        "read_csv: data.csv:2:1: expected a semicolon or a line end after the closing quote, "
        "found ','");
}

TEST_CASE("csv columns: a text column is one-hot encoded, categories in byte order") {
  const tg::Dataset d = read("size,color,y\n3,red,1\n5, blue ,0\n4,red,1\n1,green,0\n", with("y"));
  CHECK(d.feature_names ==
        std::vector<std::string>{"size", "color=blue", "color=green", "color=red"});
  REQUIRE(d.categorical.size() == 1);
  CHECK(d.categorical[0].name == "color");
  CHECK(d.categorical[0].categories == std::vector<std::string>{"blue", "green", "red"});
  CHECK(values(d.X) == std::vector<double>{3, 0, 0, 1, 5, 1, 0, 0, 4, 0, 0, 1, 1, 0, 1, 0});
  // The same as an encoded file.
  const tg::Dataset e =
      read("size,color=blue,color=green,color=red,y\n3,0,0,1,1\n5,1,0,0,0\n4,0,0,1,1\n1,0,1,0,0\n",
           with("y"));
  CHECK(e.X == d.X);
  CHECK(e.feature_names == d.feature_names);
  // Numbers in a text column are categories; text in a numeric column is an error.
  CHECK(read("c\nx\n2\n", {}).categorical[0].categories == std::vector<std::string>{"2", "x"});
  CHECK(error("a,y\n1,0\n2,1\nabc,0\n", with("y")) ==
        "read_csv: data.csv:4:1: expected a number, found 'abc'");
  // Known categories (a model's): the column is text even where it looks numeric; an unseen
  // category is all zeros, counted, its first place named.
  tg::CsvOptions known;
  known.categorical = {{"color", {"blue", "red"}}};
  const tg::Dataset k = read("color\nred\npurple\n7\nblue\n", known);
  CHECK(values(k.X) == std::vector<double>{0, 1, 0, 0, 0, 0, 1, 0});
  CHECK(k.unseen == 2);
  CHECK(k.first_unseen == "data.csv:3:1: 'purple' in column 'color'");
}

TEST_CASE("csv columns: a text column of all different values is refused as an identifier") {
  std::string text = "name,y\n";
  for (int i = 0; i < 21; ++i) text += fmt::format("n{},{}\n", i, i % 2);
  CHECK(error(text, with("y")) ==
        "read_csv: data.csv:1:1: expected a text column's values to repeat (categories), found 21 "
        "different values in 21 rows of 'name'; name it with --id or leave it out with --ignore");
  tg::CsvOptions id = with("y");
  id.id = "name";
  const tg::Dataset d = read(text, id);
  CHECK(d.features() == 0);
  CHECK(d.ids.size() == 21);
  CHECK(d.ids[20] == "n20");
  tg::CsvOptions ignore = with("y");
  ignore.ignore = {"name"};
  CHECK(read(text, ignore).ids.empty());
}

TEST_CASE("csv columns: --ignore and --id name columns that exist, --id is never a feature") {
  tg::CsvOptions o = with("y");
  o.id = "id";
  o.ignore = {"note"};
  const tg::Dataset d = read("id,a,note,y\nr1,1,hello,0\n\"r,2\",2,\"x\"\"y\",1\n", o);
  CHECK(d.feature_names == std::vector<std::string>{"a"});
  CHECK(d.ids == std::vector<std::string>{"r1", "r,2"});
  CHECK(d.id_name == "id");
  o.ignore = {"nope"};
  CHECK(error("id,a,y\n1,2,0\n", o) ==
        "read_csv: data.csv:1: expected an ignored column named 'nope', found none");
  o.ignore = {"y"};
  CHECK(error("id,a,y\n1,2,0\n", o) ==
        "read_csv: data.csv:1:3: expected an ignored column other than the target, found 'y'");
  o.ignore.clear();
  o.id.assign(1, 'y');  // not = "y": GCC 12 warns falsely (-Wrestrict)
  CHECK(error("id,a,y\n1,2,0\n", o) ==
        "read_csv: data.csv:1:3: expected an id column other than the target, found 'y' as both");
  // Only the given columns are read; the others may hold anything.
  tg::CsvOptions only;
  only.columns = {"b"};
  CHECK(values(read("a,b\nanything,2\n\"\",3\n", only).X) == std::vector<double>{2, 3});
  only.columns = {"c"};
  CHECK(error("a,b\n1,2\n", only) ==
        "read_csv: data.csv:1: expected a feature column named 'c', found none");
}

TEST_CASE("csv columns: missing values: error names row, column and count, drop, mean") {
  const std::string text = "a,b,y\n1,2,0\n,4,1\n3,NA,0\n5,6,1\n7,n/a,NaN\n";
  CHECK(error(text, with("y")) ==
        "read_csv: data.csv:3:1: expected a value in column 'a', found '' (missing; 4 missing "
        "values in 3 columns: choose --missing drop or --missing mean)");
  tg::CsvOptions drop = with("y");
  drop.missing = tg::MissingPolicy::drop;
  const tg::Dataset d = read(text, drop);
  CHECK(values(d.X) == std::vector<double>{1, 2, 5, 6});
  CHECK(values(d.y) == std::vector<double>{0, 1});
  CHECK(d.source_rows == std::vector<std::size_t>{1, 4});
  CHECK(d.dropped == 3);
  tg::CsvOptions mean = with("y");
  mean.missing = tg::MissingPolicy::mean;
  CHECK(error(text, mean) ==
        "read_csv: data.csv:6:3: expected a target value, found 'NaN' (missing; 1 row without a "
        "target can only be left out: --missing drop)");
  mean.target.clear();
  const tg::Dataset m = read("a,b\n1,2\n,4\n3,NULL\n5,6\n", mean);
  CHECK(values(m.X) == std::vector<double>{1, 2, 3, 4, 3, 4, 5, 6});  // means 3 and 4
  CHECK(m.filled == 2);
  // A text column's missing value gets the categories' frequencies.
  const tg::Dataset t = read("c\nred\nblue\n?\nred\n", mean);
  CHECK(values(t.X) == std::vector<double>{0, 1, 1, 0, 1.0 / 3, 2.0 / 3, 0, 1});
  // Given fill values (a model's training means) take the place of the file's means.
  mean.fill = {{"a", 10.0}};
  CHECK(values(read("a,b\n1,2\n,4\n3,NULL\n5,6\n", mean).X) ==
        std::vector<double>{1, 2, 10, 4, 3, 4, 5, 6});
  tg::CsvOptions all = drop;
  CHECK(error("a,y\nNA,1\n", all) ==
        "read_csv: data.csv: expected rows without missing values, found none: each of the 1 row "
        "misses one (--missing mean fills features)");
}

TEST_CASE("csv columns: a text target keeps its values as classes in byte order") {
  const tg::Dataset d =
      read("x,species\n1,virginica\n2,setosa\n3,versicolor\n4,setosa\n", with("species"));
  CHECK(d.classes == std::vector<std::string>{"setosa", "versicolor", "virginica"});
  CHECK(values(d.y) == std::vector<double>{2, 0, 1, 0});
  CHECK(error("x,y\n1,1\n2,yes\n", with("y")) ==
        "read_csv: data.csv:3:2: expected a number, found 'yes'");
}

TEST_CASE("csv columns: parse_missing_policy") {
  CHECK(tg::parse_missing_policy("drop") == tg::MissingPolicy::drop);
  CHECK(tg::to_string(tg::MissingPolicy::mean) == "mean");
  CHECK_THROWS_WITH_AS(tg::parse_missing_policy("zero"),
                       "parse_missing_policy: policy: expected 'error', 'drop' or 'mean', found "
                       "'zero'",
                       tg::Error);
}
