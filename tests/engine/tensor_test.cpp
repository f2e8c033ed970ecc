// Tensor construction, equality and formatting.
#include <cmath>
#include <limits>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <tapegrad/tapegrad.hpp>

#include "support/op_check.hpp"

namespace tg = tapegrad;

TEST_CASE("tensor: from_rows, column and row lay elements out row-major with their shapes") {
  const tg::Tensor m = tg::Tensor::from_rows({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}});
  CHECK(m.shape() == tg::Shape{2, 3});
  CHECK(m.size() == 6);
  CHECK(std::vector<double>(m.begin(), m.end()) == std::vector<double>{1, 2, 3, 4, 5, 6});
  CHECK(m(1, 0) == 4.0);
  CHECK(m.view().at(0, 2) == 3.0);
  const tg::Tensor c = tg::Tensor::column({7.0, 8.0});
  CHECK(c.shape() == tg::Shape{2, 1});
  CHECK(c(1, 0) == 8.0);
  const tg::Tensor r = tg::Tensor::row({7.0, 8.0});
  CHECK(r.shape() == tg::Shape{1, 2});
  CHECK(r(0, 1) == 8.0);
  CHECK(tg::Tensor(0.5).shape().is_scalar());
  CHECK(tg::Tensor(0.5).item() == 0.5);
  CHECK(tg::Tensor(2, 2, 1.5) == tg::Tensor::from_rows({{1.5, 1.5}, {1.5, 1.5}}));
  CHECK(tg::Tensor().shape() == tg::Shape{0, 0});
  CHECK(tg::Shape{4, 5}.size() == 20);
}

TEST_CASE("tensor: ragged rows, wrong data length and out-of-range at() throw Error") {
  CHECK_THROWS_WITH_AS(tg::Tensor::from_rows({{1.0, 2.0}, {3.0, 4.0, 5.0}}),
                       "Tensor::from_rows: rows: row 1 has 3 elements, row 0 has 2", tg::Error);
  CHECK_THROWS_WITH_AS(tg::Tensor(tg::Shape{2, 3}, std::vector<double>(5)),
                       "Tensor: data: 5 values given for shape 2x3 (6 elements)", tg::Error);
  const tg::Tensor m(2, 3);
  CHECK_THROWS_WITH_AS((void)m.view().at(2, 0), "at: index: (2, 0) is outside shape 2x3",
                       tg::Error);
}

TEST_CASE("tensor: operator== compares shape and every element exactly, NaN never equal") {
  const tg::Tensor a = tg::Tensor::row({1.0, 2.0});
  CHECK(a == tg::Tensor::row({1.0, 2.0}));
  CHECK_FALSE(a == tg::Tensor::column({1.0, 2.0}));  // same elements, other shape
  CHECK_FALSE(a == tg::Tensor::row({1.0, std::nextafter(2.0, 3.0)}));
  CHECK(tg::Tensor::row({0.0}) == tg::Tensor::row({-0.0}));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK_FALSE(tg::Tensor::row({nan}) == tg::Tensor::row({nan}));
}

TEST_CASE("tensor: fmt formats a Shape as RxC and a Tensor as a scalar or nested rows") {
  CHECK(fmt::format("{}", tg::Shape{2, 3}) == "2x3");
  CHECK(fmt::format("{}", tg::Tensor(0.5)) == "0.5");
  CHECK(fmt::format("{}", tg::Tensor::from_rows({{1, 2}, {3, 4}})) == "[[1, 2], [3, 4]]");
  CHECK(fmt::format("{}", tg::Tensor::column({1, 2})) == "[[1], [2]]");
  CHECK(fmt::format("{}", tg::Tensor::row({1, 2.5})) == "[[1, 2.5]]");
  CHECK(fmt::format("{:.3f}", tg::Tensor::row({1, 2.5})) == "[[1.000, 2.500]]");
  CHECK(fmt::format("{:.2f}", tg::Tensor(1.0 / 3.0)) == "0.33");
  tg::Tape tape;
  const tg::Var x = tape.param(tg::Tensor::row({-1, 2}));
  CHECK(fmt::format("{}", x.value()) == "[[-1, 2]]");
}

TEST_CASE("tensor: mutable views write through to the tensor and to a tape's leaf") {
  tg::Tensor t(2, 2);
  const tg::MutableTensorView v = t.mutable_view();
  v(1, 0) = 3.0;
  v[3] = 4.0;
  CHECK(t == tg::Tensor::from_rows({{0, 0}, {3, 4}}));
  tg::Tape tape;
  const tg::Var w = tape.param(t, "w");
  const tg::Var y = 2.0 * w;
  tape.mutable_value(w)[0] = 1.0;
  tape.forward();
  CHECK(y.value() == tg::Tensor::from_rows({{2, 0}, {6, 8}}));
}
