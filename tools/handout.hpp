// `tapegrad explain --format markdown|latex`: the walkthrough as tables and formulas for slides
// and handouts (forward pass, backward pass with local derivatives, chain-rule products and the
// lecture's closed forms, the update and the iterations).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "examples.hpp"
#include "lang.hpp"

namespace tapegrad::tool {

/// The two handout formats.
enum class HandoutFormat { markdown, latex };

/// The walkthrough of `ex` (after its backward pass) as Markdown or as a LaTeX fragment (tabular
/// environments, no preamble), its headings and words in `lang`.
[[nodiscard]] std::string handout(const Example& ex, const std::optional<Update>& update,
                                  const std::vector<Update>& iterations, HandoutFormat format,
                                  Lang lang);

/// A formula as the tool writes it ("-y/a + (1-y)/(1-a)", "x1 dz") in LaTeX
/// ("-\frac{y}{a} + \frac{1-y}{1-a}", "x_1 dz").
[[nodiscard]] std::string latex_formula(const std::string& formula);

}  // namespace tapegrad::tool
