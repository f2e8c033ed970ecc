// Every op of the op list has its test file, tests/ops/<stem>_test.cpp (CMake refuses to
// configure without it), and every op with inputs has a finite-difference check there: a test
// case named "<name>: gradients match finite differences ...". The list itself is the table.
#include <cstddef>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

namespace tg = tapegrad;

namespace {
std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}
}  // namespace

TEST_CASE("every op of the op list has a finite-difference test case in its test file") {
  for (std::size_t k = 0; k < tg::kOpKindCount; ++k) {
    const auto kind = static_cast<tg::OpKind>(k);
    const std::string path =
        fmt::format("{}/tests/ops/{}_test.cpp", TAPEGRAD_SOURCE_DIR, tg::op_stem(kind));
    CAPTURE(path);
    const std::string text = read_file(path);
    REQUIRE_FALSE(text.empty());
    if (tg::op_arity(kind) == 0) continue;  // leaves: nothing to differentiate through
    const std::string test_case =
        fmt::format(R"(TEST_CASE\(\s*"{}: gradients match finite differences)", tg::op_name(kind));
    CAPTURE(test_case);
    CHECK(std::regex_search(text, std::regex(test_case)));
  }
}

TEST_CASE("the op table: names and stems are non-empty, the leaves come first") {
  CHECK(tg::op_name(tg::OpKind::Input) == "input");
  CHECK(tg::op_name(tg::OpKind::Param) == "param");
  CHECK(tg::op_arity(tg::OpKind::Input) == 0);
  CHECK(tg::op_arity(tg::OpKind::Sigmoid) == 1);
  CHECK(tg::op_arity(tg::OpKind::Matmul) == 2);
  CHECK(tg::op_arity(tg::OpKind::Custom) == tg::kVariadic);
  CHECK(tg::op_stem(tg::OpKind::LogLossWithLogits) == "log_loss_with_logits");
  for (std::size_t k = 0; k < tg::kOpKindCount; ++k) {
    const auto kind = static_cast<tg::OpKind>(k);
    CHECK_FALSE(tg::op_name(kind).empty());
    CHECK_FALSE(tg::op_symbol(kind).empty());
    CHECK_FALSE(tg::op_stem(kind).empty());
  }
}
