// Every OpKind is listed here with the test that checks its gradient. The test fails when a kind
// is added to ops/op_kind.hpp without an entry, and when an entry names a test case that does
// not exist in the file it points at.
#include <array>
#include <cstddef>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>

#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

namespace tg = tapegrad;

namespace {

struct Coverage {
  tg::OpKind kind;
  std::string_view file;  // under tests/
  std::string_view test_case;
};

constexpr std::array kCoverage = {
    Coverage{tg::OpKind::Input, "engine/error_test.cpp",
             "errors: grad() of an input or a detached value"},
    Coverage{tg::OpKind::Param, "engine/lecture_test.cpp",
             "lecture graph J = 3(a + b*c) at a=5, b=3, c=2 gives J=33 and dJ/da=3, db=6, dc=9"},
    Coverage{tg::OpKind::Detach, "ops/detach_test.cpp",
             "detach: copies the value, has no gradient and stops gradients flowing through it"},
    Coverage{tg::OpKind::Add, "ops/add_test.cpp",
             "add: gradients match finite differences at random points"},
    Coverage{tg::OpKind::Sub, "ops/sub_test.cpp",
             "sub: gradients match finite differences at random points"},
    Coverage{tg::OpKind::Mul, "ops/mul_test.cpp",
             "mul: gradients match finite differences at random points"},
    Coverage{tg::OpKind::Div, "ops/div_test.cpp",
             "div: gradients match finite differences at random points"},
    Coverage{tg::OpKind::Affine, "ops/affine_test.cpp",
             "affine: gradients match finite differences at random points"},
    Coverage{tg::OpKind::RDiv, "ops/rdiv_test.cpp",
             "rdiv: gradients match finite differences at random points"},
    Coverage{tg::OpKind::Pow, "ops/pow_test.cpp",
             "pow: gradients match finite differences for p = 2, 3, 0.5, -1 at random points"},
    Coverage{tg::OpKind::Exp, "ops/exp_test.cpp",
             "exp: gradients match finite differences at random points"},
    Coverage{tg::OpKind::Log, "ops/log_test.cpp",
             "log: gradients match finite differences at random points"},
    Coverage{tg::OpKind::Sigmoid, "ops/sigmoid_test.cpp",
             "sigmoid: gradients match finite differences at random points"},
    Coverage{tg::OpKind::Tanh, "ops/tanh_test.cpp",
             "tanh: gradients match finite differences at random points"},
    Coverage{tg::OpKind::Relu, "ops/relu_test.cpp",
             "relu: gradients match finite differences at random points away from the kink"},
    Coverage{tg::OpKind::Sum, "ops/sum_test.cpp",
             "sum: gradients match finite differences at random points, whole and both axes"},
    Coverage{tg::OpKind::Mean, "ops/mean_test.cpp",
             "mean: gradients match finite differences at random points, whole and both axes"},
    Coverage{tg::OpKind::Matmul, "ops/matmul_test.cpp",
             "matmul: gradients match finite differences at random points for several shapes"},
    Coverage{tg::OpKind::Transpose, "ops/transpose_test.cpp",
             "transpose: gradients match finite differences at random points"},
    Coverage{tg::OpKind::LogLoss, "ops/log_loss_test.cpp",
             "log_loss: gradients match finite differences at random points"},
    Coverage{tg::OpKind::LogLossWithLogits, "ops/log_loss_with_logits_test.cpp",
             "log_loss_with_logits: gradients match finite differences at random points"},
    Coverage{tg::OpKind::Mse, "ops/mse_test.cpp",
             "mse: gradients match finite differences at random points"},
};

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("every op kind has a gradient-check entry") {
  for (std::size_t k = 0; k < tg::kOpKindCount; ++k) {
    const auto kind = static_cast<tg::OpKind>(k);
    CAPTURE(tg::op_name(kind));
    std::size_t entries = 0;
    for (const Coverage& c : kCoverage) entries += c.kind == kind ? 1 : 0;
    CHECK(entries == 1);
  }
  CHECK(kCoverage.size() == tg::kOpKindCount);
}

TEST_CASE("every gradient-check entry names a test case that exists in its file") {
  for (const Coverage& c : kCoverage) {
    const std::string path = std::string(TAPEGRAD_SOURCE_DIR "/tests/") + std::string(c.file);
    CAPTURE(path);
    CAPTURE(c.test_case);
    const std::string text = read_file(path);
    REQUIRE_FALSE(text.empty());
    CHECK(text.find("TEST_CASE(\"" + std::string(c.test_case) + "\")") != std::string::npos);
  }
}
