#!/usr/bin/env bash
# Proves docs/architecture.md's "Adding an op": in a scratch clone, a throwaway op (softplus) is
# added with one line in ops/op_list.hpp, one rule header and one test file, and nothing else;
# the library and the tests then build with warnings as errors, the new op's tests pass, and the
# op table knows it (name, coverage test).
#   .ci/add_op_proof.sh            (uses the committed tree of this repository's HEAD)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git clone -q "$src" "$work/tree"
cd "$work/tree"

# 1. One list line, after the last entry.
sed -E -i 's/^(  X\([A-Za-z0-9_]+, [a-z0-9_]+\))$/\1 \\\n  X(Softplus, softplus)/' ops/op_list.hpp
grep -q '^  X(Softplus, softplus)$' ops/op_list.hpp || { echo "add_op_proof: list line not added" >&2; exit 1; }

# 2. The rule header.
cat > ops/softplus.hpp <<'HPP'
// softplus: y = log(1 + e^x), element-wise (a throwaway op added by .ci/add_op_proof.sh).
#pragma once

#include <cmath>

#include "tapegrad/ops/detail/kernels.hpp"
#include "tapegrad/ops/detail/record.hpp"

namespace tapegrad {
namespace detail {
struct SoftplusRule {
  static constexpr std::string_view name = "softplus";
  static constexpr std::string_view symbol = "softplus";
  static double forward(double x, const double*) noexcept {
    return x > 0.0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
  }
  // dy/dx = sigmoid(x) = 1 - e^-y
  static double partial(double, double y, const double*) noexcept { return -std::expm1(-y); }
};
}  // namespace detail

/// log(1 + e^x), element-wise.
inline Var softplus(const Var& x) {
  const Shape s = detail::Recorder::node(x, "softplus", "x").shape();
  return detail::Recorder::unary("softplus", OpKind::Softplus, x, s);
}

}  // namespace tapegrad
HPP

# 3. The test file.
cat > tests/ops/softplus_test.cpp <<'CPP'
#include <cmath>

#include <doctest/doctest.h>

#include <tapegrad/tapegrad.hpp>

#include "support/op_check.hpp"

namespace tg = tapegrad;

TEST_CASE("softplus: log 2 at 0 with gradient 1/2, and the op table knows it") {
  const auto r = tg::test::value_and_grad([](const tg::Var& x) { return tg::softplus(x); },
                                          tg::Tensor::row({0.0, 30.0}));
  CHECK(r.op == tg::OpKind::Softplus);
  CHECK(tg::op_name(tg::OpKind::Softplus) == "softplus");
  CHECK(r.value(0, 0) == tg::test::near(std::log(2.0), 1e-15));
  CHECK(r.grad(0, 0) == 0.5);
  CHECK(r.value(0, 1) == tg::test::near(30.0, 1e-15));
}

TEST_CASE("softplus: gradients match finite differences at random points") {
  tg::test::check_gradients_at_random_points(
      {{{2, 3}, {-5.0, 5.0}}}, [](std::span<const tg::Var> p) { return tg::softplus(p[0]); });
}
CPP

changed=$(git status --porcelain | sort)
expected=$(printf '%s\n' ' M ops/op_list.hpp' '?? ops/softplus.hpp' '?? tests/ops/softplus_test.cpp')
if [[ "$changed" != "$expected" ]]; then
  echo "add_op_proof: expected exactly three changed files, found:" >&2
  echo "$changed" >&2
  exit 1
fi
echo "add_op_proof: the change is one list line, one header, one test file:"
git diff --stat
git status --porcelain

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DTAPEGRAD_WERROR=ON -DTAPEGRAD_BUILD_TOOLS=OFF \
  -DTAPEGRAD_BUILD_BENCH=OFF -DTAPEGRAD_INSTALL=OFF >/dev/null
cmake --build build -j"${JOBS:-2}" --target tapegrad_tests >/dev/null
build/tests/tapegrad_tests -tc='softplus*,every op of the op list*,the op table*,property:*'
echo "add_op_proof: softplus built and tested"
