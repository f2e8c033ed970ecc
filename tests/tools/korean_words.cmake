# `explain --lang ko` (issue 15): every word a student reads is Korean, and every number is the
# English output's. For each lesson, in text, Markdown, LaTeX, JSON and as frames (DOT labels and
# the page's visible text):
#   - no English word is left: the ASCII words of the Korean output are only the lecture's
#     notation (variable and gradient names such as x, dz, dw; function names such as sigmoid,
#     log, sum; op bubbles such as Σwx+b; LaTeX commands), and none of the kind words parameter, input, definition, forward,
#     backward, value, lecture, step appears in any case;
#   - the English output of the same command has those words (so the check can fail), and the
#     Korean output has the Korean ones in their place;
#   - the numbers, in order, equal those of the English output.
# Invoked as cmake -DTOOL=... -DWORKDIR=... -P korean_words.cmake
cmake_minimum_required(VERSION 3.25)
file(REMOVE_RECURSE "${WORKDIR}")
file(MAKE_DIRECTORY "${WORKDIR}")

# The lecture's notation: words the Korean output keeps (besides one- and two-letter names
# such as x, dz, dA, x_ and the exponent marker e-).
set(notation alpha sigmoid sigma log log_loss sum dsum mean matmul transpose wT wTX dwT dwTX XT ZT
             dZT frac cdot text mathrel hline tabular begin end subsection subsubsection l ll lll
             llll lllll llllll tapegrad ok Graphviz DOT wx inf nan)
set(english_words "[Pp]arameter|[Ii]nput|[Dd]efinition|[Ff]orward|[Bb]ackward|[Vv]alue|[Ll]ecture|[Ss]tep |[Gg]radient")

set(failures "")

# Words of `text` that are not notation.
function(foreign_words text out)
  string(REGEX MATCHALL "[A-Za-z][A-Za-z_-]*" words "${text}")
  list(REMOVE_DUPLICATES words)
  set(foreign "")
  foreach(word IN LISTS words)
    if(word MATCHES "^d?[A-Za-z]_?-?$")
      continue()
    endif()
    list(FIND notation "${word}" at)
    if(at EQUAL -1)
      list(APPEND foreign "${word}")
    endif()
  endforeach()
  set(${out} "${foreign}" PARENT_SCOPE)
endfunction()

function(numbers_of text out)
  string(REGEX MATCHALL "[-+]?[0-9]+(\\.[0-9]+)?(e[-+][0-9]+)?" numbers "${text}")
  set(${out} "${numbers}" PARENT_SCOPE)
endfunction()

# The text a student sees: DOT labels (line breaks as spaces); a page without its markup, script,
# style and <title> (which names the example as typed on the command line: lecture, examples).
function(visible file out)
  file(READ "${file}" text)
  if(file MATCHES "\\.dot$")
    string(REGEX MATCHALL "label=\"[^\"]*\"" labels "${text}")
    string(REPLACE "\\n" " " text "${labels}")
    string(REPLACE "label=" "" text "${text}")
  else()
    # Each <element ...>...</element> out (the pictures are checked as DOT; <code> holds the
    # address index.html#step=N; <pre> the DOT text when Graphviz is missing).
    foreach(element script style title svg code pre)
      while(TRUE)
        string(FIND "${text}" "<${element}" start)
        if(start EQUAL -1)
          break()
        endif()
        string(SUBSTRING "${text}" ${start} -1 rest)
        string(FIND "${rest}" "</${element}>" stop)
        if(stop EQUAL -1)
          message(FATAL_ERROR "${file}: <${element}> is not closed")
        endif()
        string(LENGTH "</${element}>" close)
        math(EXPR stop "${stop} + ${close}")
        string(SUBSTRING "${text}" 0 ${start} head)
        string(SUBSTRING "${rest}" ${stop} -1 tail)
        set(text "${head} ${tail}")
      endwhile()
    endforeach()
    string(REGEX REPLACE "<[^>]*>" " " text "${text}")
    string(REGEX REPLACE "&[a-z]+;" " " text "${text}")
  endif()
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

function(run args out)
  string(REPLACE "|" ";" argv "${args}")
  execute_process(COMMAND "${TOOL}" ${argv} RESULT_VARIABLE rc OUTPUT_VARIABLE text
                  ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "tapegrad ${args}: exit status ${rc}: ${err}")
  endif()
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

# Checks one Korean text against its English twin.
function(check what en ko korean_expected)
  foreign_words("${ko}" foreign)
  if(foreign)
    list(APPEND failures "${what}: English words left under --lang ko: ${foreign}")
  endif()
  if(ko MATCHES "(${english_words})")
    list(APPEND failures "${what}: '${CMAKE_MATCH_1}' under --lang ko")
  endif()
  if(NOT en MATCHES "(${english_words})")
    list(APPEND failures "${what}: the English output has none of the kind words")
  endif()
  if(NOT ko MATCHES "${korean_expected}")
    list(APPEND failures "${what}: no '${korean_expected}' under --lang ko")
  endif()
  numbers_of("${en}" en_numbers)
  numbers_of("${ko}" ko_numbers)
  list(LENGTH en_numbers count)
  if(count LESS 10)
    list(APPEND failures "${what}: only ${count} numbers in the English output")
  elseif(NOT en_numbers STREQUAL ko_numbers)
    list(APPEND failures "${what}: the numbers differ:\n  en ${en_numbers}\n  ko ${ko_numbers}")
  endif()
  set(failures "${failures}" PARENT_SCOPE)
endfunction()

# explain in text, Markdown and LaTeX: Korean kind words where the English ones were.
foreach(lesson "lecture|--steps|2" "lecture|--w1|50" "chain" "examples|--m|2|--steps|2"
               "vectorized|--m|3")
  foreach(format text markdown latex)
    run("explain|${lesson}|--format|${format}" en)
    run("explain|${lesson}|--format|${format}|--lang|ko" ko)
    if(format STREQUAL "text")
      set(expected "순전파 \\(테이프 순서\\).*역전파")
    else()
      set(expected "순전파.*노드.*정의.*역전파.*기울기")
    endif()
    check("explain ${lesson} --format ${format}" "${en}" "${ko}" "${expected}")
  endforeach()
endforeach()
# The leaves' kinds in the forward pass and the handout's definition column.
run("explain|lecture|--lang|ko" ko)
if(NOT ko MATCHES "\n  \\[ 0\\] x1  = 입력 [^\n]*= 1\n.*\n  \\[ 3\\] w1  = 매개변수 [^\n]*= 0\\.5\n")
  list(APPEND failures "explain lecture --lang ko: no '[ 0] x1 = 입력', '[ 3] w1 = 매개변수'")
endif()
run("explain|lecture|--lang|ko|--format|markdown" ko)
if(NOT ko MATCHES "\\| 노드 \\| 정의 \\| 값 \\|\n\\|---\\|---\\|---\\|\n\\| `x1` \\| 입력 \\| `1` \\|")
  list(APPEND failures "explain lecture --lang ko --format markdown: no '| `x1` | 입력 |' row")
endif()

# JSON, for programs: the same as in English but for the title, which is Korean.
foreach(lesson "lecture|--steps|2" "chain" "examples|--m|2" "vectorized|--m|3")
  run("explain|${lesson}|--json" en)
  run("explain|${lesson}|--json|--lang|ko" ko)
  if(NOT ko MATCHES "\n  \"title\": \"[^\"\n]*(예제|연쇄 규칙)")
    list(APPEND failures "explain ${lesson} --json --lang ko: the title is not Korean")
  endif()
  string(REGEX REPLACE "\n  \"title\": [^\n]*" "" en "${en}")
  string(REGEX REPLACE "\n  \"title\": [^\n]*" "" ko "${ko}")
  string(LENGTH "${en}" length)
  if(length LESS 1000 OR NOT en STREQUAL ko)
    list(APPEND failures "explain ${lesson} --json: more than the title differs under --lang ko")
  endif()
endforeach()

# Frames: the DOT labels and the page.
foreach(lesson "lecture" "examples|--m|2")
  string(REGEX REPLACE "\\|.*" "" name "${lesson}")
  foreach(lang en ko)
    run("explain|${lesson}|--lang|${lang}|--frames|${WORKDIR}/${name}-${lang}" ignored)
  endforeach()
  file(GLOB frames RELATIVE "${WORKDIR}/${name}-en" "${WORKDIR}/${name}-en/*.dot")
  list(LENGTH frames count)
  if(count LESS 5)
    list(APPEND failures "frames of ${lesson}: only ${count} DOT files")
  endif()
  foreach(frame IN LISTS frames ITEMS index.html)
    visible("${WORKDIR}/${name}-en/${frame}" en)
    visible("${WORKDIR}/${name}-ko/${frame}" ko)
    check("frames of ${lesson}: ${frame}" "${en}" "${ko}" "(매개변수|입력|값|단계)")
  endforeach()
endforeach()

if(failures)
  string(REPLACE ";" "\n" failures "${failures}")
  message(FATAL_ERROR "${failures}")
endif()
