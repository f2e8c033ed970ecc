# Issue 15, teaching: the lecture's notation, the update step, iterations. Included from
# tests/tools/CMakeLists.txt (after the tool's own tests, with tapegrad_cli_test defined there).
# The JSON goldens are checked against the lecture's closed forms by teaching_test.cpp.
target_sources(tapegrad_tests PRIVATE "${CMAKE_CURRENT_SOURCE_DIR}/teaching_test.cpp")

tapegrad_cli_test(explain_lecture_steps_json ARGS explain|lecture|--steps|5|--alpha|0.5|--json
                  GOLDEN explain_lecture_steps.json)
tapegrad_cli_test(explain_lecture_steps
                  ARGS explain|lecture|--steps|3|--alpha|1
                  STDOUT "\nGradient descent, 3 steps \\(alpha = 1\\)\n +step +w1 +w2 +b +L +dw1 +dw2 +db\n +0 +0\\.5 +-0\\.25 +0\\.1 +0\\.6443966601 +-0\\.4750208125 +-0\\.950041625 +-0\\.4750208125\n")
tapegrad_cli_test(explain_lecture_update
                  ARGS explain|lecture|--alpha|0.2
                  STDOUT "\n  w1 := w1 - alpha dw1 = 0\\.5 - 0\\.2 \\* -0\\.4750208125 = 0\\.5950041625   lecture 0\\.5950041625 ")
tapegrad_cli_test(explain_chain_no_update ARGS explain|chain|--alpha|0.1 RC 2 ONE_LINE
                  STDERR "^tapegrad: explain: --alpha: the chain example has no parameters to update")
tapegrad_cli_test(explain_bad_alpha ARGS explain|lecture|--alpha|0 RC 2 ONE_LINE
                  STDERR "^tapegrad: --alpha: expected a number greater than 0, found '0'")
tapegrad_cli_test(explain_bad_steps ARGS explain|lecture|--steps|0 RC 2 ONE_LINE
                  STDERR "^tapegrad: --steps: expected a whole number from 1 to 10000, found '0'")

# One z node for w1 x1 + w2 x2 + b, gradients named as in the lecture, kinds in words.
tapegrad_cli_test(explain_lecture_notation ARGS explain|lecture
                  STDOUT "\\[ 3\\] w1  = parameter +=.*\\[ 6\\] z   = w1 x1 \\+ w2 x2 \\+ b +=.*-> z   local da/dz = a\\(1-a\\) = 0\\.2493760402\n +chain dz \\+= da \\* da/dz = ")
tapegrad_cli_test(graph_lecture_one_z ARGS graph|lecture|--ops|merged
                  STDOUT "v6 \\[label=\"z = w1 x1 \\+ w2 x2 \\+ b\\\\nvalue 0\\.1\\\\ndz -0\\.475\"")

# The m-example lessons: goldens (checked against closed forms by teaching_test.cpp), --m, --data.
tapegrad_cli_test(explain_examples_json ARGS explain|examples|--json GOLDEN explain_examples.json)
tapegrad_cli_test(explain_examples_data_json
                  ARGS explain|examples|--data|${CMAKE_CURRENT_SOURCE_DIR}/data/lesson.csv|--json
                  GOLDEN explain_examples_data.json)
tapegrad_cli_test(explain_vectorized_json ARGS explain|vectorized|--json
                  GOLDEN explain_vectorized.json)
tapegrad_cli_test(explain_examples_loop ARGS explain|examples|--m|2
                  STDOUT "on m = 2 examples.*\nThe lecture's loop: .*\n  /m: J = 0\\.5545542074, dw1 = -0\\.4233523121, .*\n  autodiff: J = 0\\.5545542074, dJ/dw1 = -0\\.4233523121, ")
tapegrad_cli_test(explain_vectorized_text ARGS explain|vectorized|--m|3
                  STDOUT "Z   = wTX \\+ b +=.*\\(1x3\\)\n.*lecture dw = \\(1/m\\) X dZT = \\[.*\nok: ")
tapegrad_cli_test(explain_m_too_large ARGS explain|vectorized|--m|9 RC 2 ONE_LINE
                  STDERR "^tapegrad: explain: --m: 9 examples asked for, the data has 4\n$")
tapegrad_cli_test(explain_m_zero ARGS explain|examples|--m|0 RC 2 ONE_LINE
                  STDERR "^tapegrad: --m: expected a whole number from 1 to 1000, found '0'")
tapegrad_cli_test(explain_data_columns
                  ARGS explain|examples|--data|${CMAKE_CURRENT_SOURCE_DIR}/data/one_feature.csv
                  RC 2 ONE_LINE
                  STDERR "^tapegrad: --data: .*one_feature.csv: expected the columns x1, x2 and y, found x and y\n$")
tapegrad_cli_test(explain_chain_no_data ARGS explain|chain|--m|2 RC 2 ONE_LINE
                  STDERR "^tapegrad: explain: --m: the chain example has no data")
tapegrad_cli_test(explain_vectorized_frames ARGS explain|vectorized|--frames|@WORK@/f RC 2 ONE_LINE
                  STDERR "the vectorized example holds tensors" ABSENT @WORK@/f)
foreach(example examples vectorized)
  tapegrad_cli_test(gradcheck_${example} ARGS gradcheck|${example} STDOUT "\nok: ")
endforeach()
tapegrad_cli_test(explain_examples_frames ARGS explain|examples|--m|1|--frames|@WORK@/frames
                  STDERR "wrote 8 frames" EXISTS @WORK@/frames/step-08.dot)

# The playground: in Chromium against the native tool at random values (when the WebAssembly
# engine was built), and the plain message of a tool built without emscripten: where em++ is
# found, tools/CMakeLists.txt builds the test-only tapegrad-without-engine (playground.cpp
# compiled as without em++), so that message is tested on every machine.
if(TAPEGRAD_EMXX)
  set(without_engine tapegrad-without-engine)
else()
  set(without_engine tapegrad-cli)
endif()
add_test(NAME cli.playground_without_emscripten
         COMMAND ${CMAKE_COMMAND} -DTOOL=$<TARGET_FILE:${without_engine}>
                 -DWORKDIR=${scratch}/playground_without_emscripten -DWITHOUT_EMSCRIPTEN=ON
                 -P ${CMAKE_CURRENT_SOURCE_DIR}/playground_missing.cmake)
if(TAPEGRAD_EMXX)
  add_test(NAME cli.playground_in_chromium
           COMMAND ${CMAKE_COMMAND} -DTOOL=$<TARGET_FILE:tapegrad-cli>
                   -DWORKDIR=${scratch}/playground_page
                   -P ${CMAKE_CURRENT_SOURCE_DIR}/playground_page.cmake)
  set_tests_properties(cli.playground_in_chromium PROPERTIES TIMEOUT 600
                       SKIP_REGULAR_EXPRESSION "SKIPPED: chromium")
  add_test(NAME cli.playground_engine_missing
           COMMAND ${CMAKE_COMMAND} -DTOOL=$<TARGET_FILE:tapegrad-cli>
                   -DWORKDIR=${scratch}/playground_missing
                   -P ${CMAKE_CURRENT_SOURCE_DIR}/playground_missing.cmake)
  tapegrad_cli_test(playground_writes_page ARGS playground|@WORK@/p STDOUT "^wrote .*index.html\n"
                    EXISTS @WORK@/p/index.html)
  tapegrad_cli_test(playground_bad_lang ARGS playground|@WORK@/p|--lang|fr RC 2 ONE_LINE
                    STDERR "^tapegrad: --lang: expected 'en' or 'ko', found 'fr'" ABSENT @WORK@/p)
endif()

# Handouts: Markdown and LaTeX tables with the formulas; Korean text.
tapegrad_cli_test(explain_markdown ARGS explain|lecture|--format|markdown
                  STDOUT "\n\\| `dz` \\| `-0\\.4750208125` \\| `da/dz = a\\(1-a\\) = 0\\.2493760402` \\| `da \\* da/dz = -1\\.904837418 \\* 0\\.2493760402 = -0\\.4750208125` \\| `dz = a - y = -0\\.4750208125` \\| [0-9.e+-]+ \\|\n.*\n\\| `w1` \\| `0\\.5` \\| `-0\\.4750208125` \\| `0\\.5 - 0\\.1 \\* -0\\.4750208125 = 0\\.5475020813` \\| `0\\.5475020813` \\|\n")
tapegrad_cli_test(explain_latex ARGS explain|lecture|--format|latex
                  STDOUT "\\\\begin\\{tabular\\}\\{llllll\\}.*\n\\$da\\$ & \\$-1\\.904837418\\$ & \\$\\\\frac\\{dL\\}\\{da\\} = -\\\\frac\\{y\\}\\{a\\} \\+ \\\\frac\\{1-y\\}\\{1-a\\} = -1\\.904837418\\$ & ")
tapegrad_cli_test(explain_latex_vectorized ARGS explain|vectorized|--format|latex
                  STDOUT "\\\\frac\\{dw\\^\\{T\\}\\}\\{dw\\} = \\\\text\\{transposed\\} \\\\text\\{back\\}[^\n]*\\$dw = \\\\frac\\{1\\}\\{m\\} X dZ\\^\\{T\\} = \\[-0\\.2528925513, 0\\.04557403522\\]\\$")
tapegrad_cli_test(explain_korean ARGS explain|lecture|--lang|ko
                  STDOUT "\n순전파 \\(테이프 순서\\)\n.*\n역전파 .*국소 미분 da/dz = a\\(1-a\\) = 0\\.2493760402\n +연쇄 규칙 dz \\+= .*\nok: 모든 자동 미분 기울기가 강의의 공식과 일치합니다 ")
tapegrad_cli_test(explain_korean_frames ARGS explain|chain|--lang|ko|--frames|@WORK@/frames
                  NO_GRAPHVIZ EXISTS @WORK@/frames/index.html|@WORK@/frames/step-06.dot)
tapegrad_cli_test(explain_bad_format ARGS explain|lecture|--format|pdf RC 2 ONE_LINE
                  STDERR "^tapegrad: --format: expected 'text', 'markdown' or 'latex', found 'pdf'")
tapegrad_cli_test(explain_json_and_format ARGS explain|lecture|--json|--format|latex RC 2 ONE_LINE
                  STDERR "^tapegrad: --json excludes --format")
tapegrad_cli_test(explain_korean_title ARGS explain|examples|--m|2|--lang|ko
                  STDOUT "^m = 2개 예제의 로지스틱 회귀: z\\(i\\) = w1 x1\\(i\\)")
# --lang ko: no English word left in explain's text, Markdown, LaTeX, frames and their diagrams;
# JSON keys and every number as in English.
add_test(NAME cli.explain_korean_words
         COMMAND ${CMAKE_COMMAND} -DTOOL=$<TARGET_FILE:tapegrad-cli>
                 -DWORKDIR=${scratch}/explain_korean_words
                 -P ${CMAKE_CURRENT_SOURCE_DIR}/korean_words.cmake)
# graph --lang ko: the diagram's words (kinds, "값") and title in Korean, the numbers unchanged.
tapegrad_cli_test(graph_korean ARGS graph|lecture|--lang|ko
                  STDOUT "label=\"훈련 예제 하나의 로지스틱 회귀: z = w1 x1 \\+ w2 x2 \\+ b, .*\n  v0 \\[label=\"x1\\\\n입력\\\\n값 1\".*\n  v3 \\[label=\"w1\\\\n매개변수\\\\n값 0\\.5\\\\ndw1 -0\\.475\"")
