#include "lang.hpp"

#include <array>

#include <fmt/format.h>

#include "output.hpp"

namespace tapegrad::tool {
namespace {

struct MessagePair {
  Msg id;
  std::string_view en, ko;
};

// Every message of the teaching output, English and Korean, in the order of Msg.
constexpr std::array<MessagePair, static_cast<std::size_t>(Msg::count_)> kMessages{{
    {Msg::values, "values", "값"},
    {Msg::forward, "Forward pass (tape order)", "순전파 (테이프 순서)"},
    {Msg::lecture, "lecture", "강의 공식"},
    {Msg::backward_note,
     "Backward pass (reverse tape order; dv stands for d{0}/dv, seeded with d{0} = 1)",
     "역전파 (테이프 역순; dv는 d{0}/dv, 시작값 d{0} = 1)"},
    {Msg::backward_rows_note,
     "Backward pass (reverse tape order, seeded with d{0}/d{0} = 1; the lecture's loop keeps "
     "dz(i) = a(i) - y(i) = dL(i)/dz(i), so d{0}/dz(i) = dz(i)/m)",
     "역전파 (테이프 역순, 시작값 d{0}/d{0} = 1; 강의의 반복문은 dz(i) = a(i) - y(i) = "
     "dL(i)/dz(i)이므로 d{0}/dz(i) = dz(i)/m)"},
    {Msg::backward_tensor_note,
     "Backward pass (reverse tape order, seeded with d{0}/d{0} = 1; the lecture's dZ = A - Y is "
     "dL/dZ column by column, so d{0}/dZ = dZ/m)",
     "역전파 (테이프 역순, 시작값 d{0}/d{0} = 1; 강의의 dZ = A - Y는 열마다 dL/dZ이므로 "
     "d{0}/dZ = dZ/m)"},
    {Msg::autodiff, "autodiff", "자동 미분"},
    {Msg::local, "local", "국소 미분"},
    {Msg::chain, "chain", "연쇄 규칙"},
    {Msg::not_applicable, "n/a", "해당 없음"},
    {Msg::no_gradient_input, "({} is an input: it takes no gradient)",
     "({}: 입력이므로 기울기를 받지 않음)"},
    {Msg::no_gradient_constant, "({} is a constant: it takes no gradient)",
     "({}: 상수이므로 기울기를 받지 않음)"},
    {Msg::no_gradient_short, " (an input: no gradient)", " (입력: 기울기 없음)"},
    {Msg::abs_diff, "|diff|", "|차이|"},
    {Msg::max_abs_diff, "max |diff|", "최대 |차이|"},
    {Msg::loop_intro,
     "The lecture's loop: J = dw1 = dw2 = db = 0; for i = 1..m: J += L(i), dz(i) = a(i) - y(i), "
     "dw1 += x1(i) dz(i), dw2 += x2(i) dz(i), db += dz(i); then J, dw1, dw2, db /= m",
     "강의의 반복문: J = dw1 = dw2 = db = 0; i = 1..m마다: J += L(i), dz(i) = a(i) - y(i), "
     "dw1 += x1(i) dz(i), dw2 += x2(i) dz(i), db += dz(i); 끝나면 J, dw1, dw2, db /= m"},
    {Msg::descent_step, "Gradient descent step (alpha = {})", "기울기 하강 한 단계 (alpha = {})"},
    {Msg::descent_steps, "Gradient descent, {} (alpha = {})", "기울기 하강, {} (alpha = {})"},
    {Msg::one_step, "{} step", "{}단계"},
    {Msg::many_steps, "{} steps", "{}단계"},
    {Msg::step, "step", "단계"},
    {Msg::new_, "new", "새"},
    {Msg::was, "was", "이전"},
    {Msg::ok, "ok: every autodiff gradient matches the lecture's closed form ({})",
     "ok: 모든 자동 미분 기울기가 강의의 공식과 일치합니다 ({})"},
    {Msg::ok_defined,
     "ok: every autodiff gradient matches the lecture's closed form where it is defined ({}); "
     "undefined here: {}",
     "ok: 정의된 곳에서 모든 자동 미분 기울기가 강의의 공식과 일치합니다 ({}); 여기서 정의되지 "
     "않음: {}"},
    {Msg::undefined_here, "is undefined here", "여기서 정의되지 않음"},
    {Msg::failed, "FAILED: autodiff does not match the lecture's {}{} ({})",
     "실패: 강의의 {}{}에서 자동 미분이 공식과 다릅니다 ({})"},
    {Msg::nor_more, " (nor {} more below it)", " (그 아래 {}개도)"},
    {Msg::measured, "max relative difference {:.1e}, tolerance {:.0e}",
     "최대 상대 차이 {:.1e}, 허용 오차 {:.0e}"},
    {Msg::flows_back, "flows back", "역으로 전달"},
    {Msg::leaf, "a leaf: its gradient is complete", "리프 노드: 기울기가 완성됨"},
    {Msg::no_input, "no input takes a gradient", "기울기를 받는 입력이 없음"},
    {Msg::walk_title, "Backward pass, step by step", "역전파, 한 단계씩"},
    {Msg::walk_intro,
     "Red: the node being processed and the gradient flowing into its inputs. Nodes not yet "
     "reached show <code>dz ?</code>. Use the buttons or the left and right arrow keys; "
     "<code>index.html#step=N</code> opens step N.",
     "빨간색: 지금 처리하는 노드와 그 입력으로 흘러가는 기울기. 아직 도달하지 않은 노드는 "
     "<code>dz ?</code>로 표시됩니다. 버튼이나 왼쪽/오른쪽 화살표 키를 쓰세요; "
     "<code>index.html#step=N</code>은 N단계를 엽니다."},
    {Msg::no_graphviz,
     "Graphviz was not found, so the frames are shown as DOT text. Install Graphviz "
     "(<code>apt-get install graphviz</code>) and run the command again to get pictures.",
     "Graphviz를 찾지 못해 프레임을 DOT 텍스트로 보여 줍니다. 그림을 보려면 Graphviz를 "
     "설치하고(<code>apt-get install graphviz</code>) 명령을 다시 실행하세요."},
    {Msg::previous, "Previous", "이전"},
    {Msg::next, "Next", "다음"},
    {Msg::update, "update", "업데이트"},
    {Msg::html_lang, "en", "ko"},
    {Msg::step_prefix, "Step ", "단계 "},
    {Msg::step_middle, " of ", " / "},
    {Msg::parameter, "parameter", "매개변수"},
    {Msg::input, "input", "입력"},
    {Msg::value, "value", "값"},
    {Msg::non_finite, "non-finite (anomaly)", "유한하지 않음 (이상)"},
    {Msg::handout_values, "Values", "값"},
    {Msg::handout_forward, "Forward pass", "순전파"},
    {Msg::node, "node", "노드"},
    {Msg::definition, "definition", "정의"},
    {Msg::handout_backward, "Backward pass", "역전파"},
    {Msg::gradient, "gradient", "기울기"},
    {Msg::local_derivative, "local derivative", "국소 미분"},
    {Msg::chain_rule, "chain rule", "연쇄 규칙"},
    {Msg::handout_update, "Update", "업데이트"},
    {Msg::before, "before", "이전"},
    {Msg::after, "after", "이후"},
    {Msg::new_loss, "new loss", "새 손실"},
    {Msg::iterations, "Gradient-descent iterations", "기울기 하강 반복"},
    {Msg::title_lecture, "Logistic regression on one example", "훈련 예제 하나의 로지스틱 회귀"},
    {Msg::title_chain, "The chain rule on J = 3(a + b c)", "J = 3(a + b c)의 연쇄 규칙"},
    {Msg::title_examples, "Logistic regression on m = {} examples",
     "m = {}개 예제의 로지스틱 회귀"},
    {Msg::title_vectorized, "Vectorized logistic regression on m = {} examples",
     "m = {}개 예제의 벡터화된 로지스틱 회귀"},
    {Msg::undefined_as, "{} = {}, as {}", "{} = {}: {}"},
    {Msg::model_graph_title, "{0} ({1}) on the first {2} of {3}", "{0} ({1}): {3}의 처음 {2}"},
    {Msg::one_example, "{} example", "{}개 예제"},
    {Msg::many_examples, "{} examples", "{}개 예제"},
    {Msg::phrase_each_example, " for each example (db sums dZ)", " (예제마다; db는 dZ의 합)"},
    {Msg::phrase_each, "1/m each", "각각 1/m"},
    {Msg::phrase_element_wise, " element-wise", " (원소별)"},
    {Msg::phrase_transposed_back, "transposed back", "전치를 되돌림"},
    {Msg::phrase_rounds_to_1, "= 0/0 at a = 1 (sigmoid(z) rounds to 1 at z = ",
     "= 0/0, a = 1일 때 (sigmoid(z)가 1로 반올림되는 z = "},
    {Msg::phrase_rounds_to_0, "= 0/0 at a = 0 (sigmoid(z) rounds to 0 at z = ",
     "= 0/0, a = 0일 때 (sigmoid(z)가 0으로 반올림되는 z = "},
}};

constexpr bool in_order() {
  for (std::size_t i = 0; i < kMessages.size(); ++i) {
    if (static_cast<std::size_t>(kMessages[i].id) != i) return false;
  }
  return true;
}
static_assert(in_order(), "kMessages must list every Msg once, in the order of the enum");

}  // namespace

std::string_view say(Msg message, Lang lang) {
  const MessagePair& pair = kMessages[static_cast<std::size_t>(message)];
  return lang == Lang::ko ? pair.ko : pair.en;
}

std::string steps_text(std::size_t count, Lang lang) {
  return fmt::format(fmt::runtime(say(count == 1 ? Msg::one_step : Msg::many_steps, lang)), count);
}

std::string examples_text(std::size_t count, Lang lang) {
  return fmt::format(fmt::runtime(say(count == 1 ? Msg::one_example : Msg::many_examples, lang)),
                     count);
}

std::string kind_text(const Tape& tape, std::size_t index, Lang lang) {
  const NodeInfo n = tape.node(index);
  if (n.is_param()) return std::string(say(Msg::parameter, lang));
  return n.is_leaf() ? std::string(say(Msg::input, lang)) : std::string();
}

std::string expression_text(const Tape& tape, std::size_t index, Lang lang) {
  return tape.node(index).is_leaf() ? kind_text(tape, index, lang) : node_expression(tape, index);
}

std::string title_text(const Example& ex, Lang lang) {
  const std::size_t colon = ex.title.find(": ");
  const std::string formulas = colon == std::string::npos ? "" : ex.title.substr(colon);
  if (ex.name == "lecture") return std::string(say(Msg::title_lecture, lang)) + formulas;
  if (ex.name == "chain") return std::string(say(Msg::title_chain, lang)) + formulas;
  // "... on m = 3 examples: ..." -> 3
  const std::size_t m = ex.title.find("m = ");
  const std::string count =
      m == std::string::npos ? "?" : ex.title.substr(m + 4, ex.title.find(' ', m + 4) - m - 4);
  const Msg what = ex.name == "examples" ? Msg::title_examples : Msg::title_vectorized;
  return fmt::format(fmt::runtime(say(what, lang)), count) + formulas;
}

void localize(Example& ex, Lang lang) {
  ex.title = title_text(ex, lang);
  const auto words_in = [lang](std::string text) {
    for (const Msg phrase :
         {Msg::phrase_each_example, Msg::phrase_each, Msg::phrase_element_wise,
          Msg::phrase_transposed_back, Msg::phrase_rounds_to_1, Msg::phrase_rounds_to_0}) {
      text = replace_all(text, say(phrase, Lang::en), say(phrase, lang));
    }
    return text;
  };
  for (auto& [where, formula] : ex.local_forms) formula = words_in(formula);
  for (auto& [node, note] : ex.undefined) note = words_in(note);
}

DotWords dot_words(Lang lang) {
  DotWords w;
  w.parameter = say(Msg::parameter, lang);
  w.input = say(Msg::input, lang);
  w.value = say(Msg::value, lang);
  w.non_finite = say(Msg::non_finite, lang);
  return w;
}

}  // namespace tapegrad::tool
