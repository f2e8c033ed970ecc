// linear: z = w_1 x_1 + w_2 x_2 + ... + w_k x_k + b in one node, element by element over values of
// one shape: the lecture's single z box of logistic regression (z = w1 x1 + w2 x2 + b), drawn and
// explained as one step rather than as a chain of products and sums. Inputs are listed
// w_1, x_1, ..., w_k, x_k, b; dz/dw_i = x_i, dz/dx_i = w_i, dz/db = 1.
#pragma once

#include <initializer_list>
#include <span>
#include <string>

#include <fmt/format.h>

#include "tapegrad/ops/detail/kernels.hpp"
#include "tapegrad/ops/detail/record.hpp"

namespace tapegrad {
namespace detail {
struct LinearRule {
  static constexpr std::string_view name = "linear";
  static constexpr std::string_view symbol = "Σwx+b";
  static constexpr std::size_t arity = kVariadic;  // listed: w_1, x_1, ..., w_k, x_k, b
  // z = sum_i w_i x_i + b
  static void forward(const Ctx& t, const Node& n);
  // dz/dw_i = x_i, dz/dx_i = w_i, dz/db = 1
  static void backward(const Ctx& t, const Node& n);
  // "w1 x1 + w2 x2 + b", as the lecture writes it
  static std::string expression(const NodeInfo& n, std::span<const std::string> in) {
    std::string out;
    for (std::size_t i = 0; i + 1 < in.size(); i += 2) {
      out += fmt::format("{}{} {}", out.empty() ? "" : " + ", in[i], in[i + 1]);
    }
    (void)n;
    return out + (out.empty() ? "" : " + ") + in.back();
  }
};
}  // namespace detail

/// z = Σ_i weights[i] * xs[i] + b element by element, recorded as one node (the lecture's z box).
/// All Vars belong to one tape and have one shape; weights and xs have equal, non-zero lengths.
/// Throws Error otherwise.
Var linear(std::span<const Var> weights, std::span<const Var> xs, const Var& b);
inline Var linear(std::initializer_list<Var> weights, std::initializer_list<Var> xs, const Var& b) {
  return linear(std::span<const Var>(weights.begin(), weights.size()),
                std::span<const Var>(xs.begin(), xs.size()), b);
}

}  // namespace tapegrad
