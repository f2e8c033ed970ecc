// Every op of the op list has its test file, tests/ops/<stem>_test.cpp (CMake refuses to
// configure without it), and every op with inputs has a finite-difference check there: a test
// case named "<name>: gradients match finite differences ...". The list itself is the table.
#include <cctype>
#include <cstddef>
#include <fstream>
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
// True when `text` has TEST_CASE( followed, after white space, by `title`.
bool has_test_case(const std::string& text, const std::string& title) {
  for (std::size_t at = text.find("TEST_CASE("); at != std::string::npos;
       at = text.find("TEST_CASE(", at + 1)) {
    std::size_t p = at + 10;
    while (p < text.size() && std::isspace(static_cast<unsigned char>(text[p])) != 0) ++p;
    if (text.compare(p, title.size(), title) == 0) return true;
  }
  return false;
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
    const std::string title =
        fmt::format("\"{}: gradients match finite differences", tg::op_name(kind));
    CAPTURE(title);
    CHECK(has_test_case(text, title));
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
