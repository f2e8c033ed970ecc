// The words of the teaching output (explain's text, Markdown and LaTeX, the frames and their
// diagrams) in English or Korean (--lang): one table of English/Korean pairs, so every sentence
// and label the student reads is written in one place. Math notation, variable names, op
// symbols and JSON keys are not words and stay as they are.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "tapegrad/ops/dot.hpp"

#include "examples.hpp"

namespace tapegrad::tool {

/// The language of the teaching output.
enum class Lang { en, ko };

/// Every message of the teaching output. Some are fmt patterns ("{}" for names and numbers).
enum class Msg : std::size_t {
  values,
  forward,
  lecture,
  backward_note,
  backward_rows_note,
  backward_tensor_note,
  autodiff,
  local,
  chain,
  not_applicable,
  no_gradient_input,
  no_gradient_constant,
  no_gradient_short,
  abs_diff,
  max_abs_diff,
  loop_intro,
  descent_step,
  descent_steps,
  one_step,
  many_steps,
  step,
  new_,
  was,
  ok,
  ok_defined,
  undefined_here,
  failed,
  nor_more,
  measured,
  flows_back,
  leaf,
  no_input,
  walk_title,
  walk_intro,
  no_graphviz,
  previous,
  next,
  update,
  html_lang,
  step_prefix,
  step_middle,
  parameter,
  input,
  value,
  non_finite,
  handout_values,
  handout_forward,
  node,
  definition,
  handout_backward,
  gradient,
  local_derivative,
  chain_rule,
  handout_update,
  before,
  after,
  new_loss,
  iterations,
  title_lecture,
  title_chain,
  title_examples,
  title_vectorized,
  undefined_as,
  model_graph_title,
  one_example,
  many_examples,
  // Words inside the examples' formulas (tools/examples.cpp), replaced where they occur:
  phrase_each_example,
  phrase_each,
  phrase_element_wise,
  phrase_transposed_back,
  phrase_rounds_to_1,
  phrase_rounds_to_0,
  count_  // not a message: the number of messages
};

/// The message in `lang`.
[[nodiscard]] std::string_view say(Msg message, Lang lang);

/// "3 steps" / "3단계".
[[nodiscard]] std::string steps_text(std::size_t count, Lang lang);
/// "3 examples" / "3개 예제".
[[nodiscard]] std::string examples_text(std::size_t count, Lang lang);

/// The node's kind in words in `lang` ("parameter"/"매개변수", "input"/"입력"), "" for a
/// computed node.
[[nodiscard]] std::string kind_text(const Tape& tape, std::size_t index, Lang lang);

/// The right-hand side of the node's definition (node_expression), a leaf's kind in `lang`.
[[nodiscard]] std::string expression_text(const Tape& tape, std::size_t index, Lang lang);

/// The example's title in `lang`: what it is, then its formulas as in English.
[[nodiscard]] std::string title_text(const Example& ex, Lang lang);

/// The example in `lang`: its title, and the words inside its local derivatives' formulas and
/// its notes on undefined closed forms ("1/m each", "element-wise", "0/0 at a = 1 ...").
void localize(Example& ex, Lang lang);

/// The words to_dot writes into diagrams, in `lang`.
[[nodiscard]] DotWords dot_words(Lang lang);

}  // namespace tapegrad::tool
