# Opens the playground page in headless Chromium at random values, drawn here on every run (no
# file fixes them), and checks that each number the page shows (value-z ... next-b, computed by
# tapegrad compiled to WebAssembly) is the native tool's: `tapegrad explain lecture` at the same
# values, printed with the same 10 significant digits. Then checks stepping (#...&step=5 shows dz
# but not yet dw1) and the Korean page. Invoked as
#   cmake -DTOOL=... -DWORKDIR=... -P playground_page.cmake
# Without Chromium the test is skipped (chromium.cmake).
include(${CMAKE_CURRENT_LIST_DIR}/chromium.cmake)
require_chromium()
file(REMOVE_RECURSE "${WORKDIR}")
file(MAKE_DIRECTORY "${WORKDIR}")
foreach(lang en ko)
  execute_process(COMMAND "${TOOL}" playground "${WORKDIR}/${lang}" --lang ${lang}
                  RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "tapegrad playground --lang ${lang} failed (${rc}): ${err}")
  endif()
endforeach()

# A random number: sign, one digit, three decimals (|v| < 3, so z stays far from saturation).
function(random_value out)
  string(RANDOM LENGTH 1 ALPHABET "-+" sign)
  string(RANDOM LENGTH 1 ALPHABET "012" whole)
  string(RANDOM LENGTH 3 ALPHABET "0123456789" decimals)
  if(sign STREQUAL "+")
    set(sign "")
  endif()
  set(${out} "${sign}${whole}.${decimals}" PARENT_SCOPE)
endfunction()

# The page once the WebAssembly engine has run (body data-ready): compiling the module is real
# work outside Chromium's virtual time, which runs ahead while the page waits for it, so on a busy
# machine (other tests' processes) an attempt can end before the engine ran, however long its
# budget: attempts are repeated, a second of real time apart.
function(dump_dom url out)
  foreach(budget 5000 20000 60000 60000 60000 60000 60000 60000)
    chromium_dom("${url}" ${budget} dom)
    if(dom MATCHES "<body[^>]* data-ready=\"true\"")
      set(${out} "${dom}" PARENT_SCOPE)
      return()
    endif()
    message(STATUS "the engine had not run within a virtual-time budget of ${budget} ms; again")
    execute_process(COMMAND "${CMAKE_COMMAND}" -E sleep 1)
  endforeach()
  message(FATAL_ERROR "the page's engine did not run (no data-ready) on ${url}")
endfunction()

# The text of the element with this id in the dumped page ("" when empty).
function(element dom id out)
  if(NOT dom MATCHES "id=\"${id}\">([^<]*)<")
    message(FATAL_ERROR "the page has no element id=\"${id}\"")
  endif()
  set(${out} "${CMAKE_MATCH_1}" PARENT_SCOPE)
endfunction()

# The native tool's number: the first group of `regex` in its output.
function(native text regex out)
  if(NOT text MATCHES "${regex}")
    message(FATAL_ERROR "tapegrad explain's output does not match '${regex}':\n${text}")
  endif()
  set(${out} "${CMAKE_MATCH_1}" PARENT_SCOPE)
endfunction()

foreach(round 1 2 3)
  set(hash "")
  set(args "")
  foreach(name x1 x2 w1 w2 b)
    random_value(v)
    string(APPEND hash "${name}=${v}&")
    list(APPEND args --${name} ${v})
  endforeach()
  string(RANDOM LENGTH 1 ALPHABET "01" y)
  string(RANDOM LENGTH 1 ALPHABET "123456789" first)
  string(RANDOM LENGTH 1 ALPHABET "0123456789" second)
  set(alpha "0.${first}${second}")
  string(APPEND hash "y=${y}&alpha=${alpha}")
  list(APPEND args --y ${y} --alpha ${alpha})
  message(STATUS "round ${round}: #${hash}")
  execute_process(COMMAND "${TOOL}" explain lecture ${args} RESULT_VARIABLE rc OUTPUT_VARIABLE text
                  ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "tapegrad explain lecture ${args} failed (${rc}): ${err}")
  endif()
  native("${text}" "\\] z   = w1 x1 \\+ w2 x2 \\+ b += ([^\n]+)\n" value-z)
  native("${text}" "\\] a   = sigmoid\\(z\\) += ([^\n]+)\n" value-a)
  native("${text}" "\\] L   = log_loss\\(a, y\\) += ([^\n]+)\n" value-L)
  foreach(name a z w1 w2 b)
    native("${text}" "autodiff d${name} = ([^ \n]+)" grad-${name})
  endforeach()
  foreach(name w1 w2 b)
    native("${text}" "\n  ${name} := ${name} - alpha d${name} = [^\n]* = ([^ ]+)   lecture" next-${name})
  endforeach()
  native("${text}" "\n  new L = ([^ ]+) \\(was" next-L)

  dump_dom("file://${WORKDIR}/en/index.html#${hash}" dom)
  foreach(id value-z value-a value-L grad-a grad-z grad-w1 grad-w2 grad-b next-w1 next-w2 next-b
             next-L)
    element("${dom}" ${id} shown)
    if(NOT shown STREQUAL "${${id}}")
      message(FATAL_ERROR "#${hash}: the page shows ${id} = '${shown}', the native tool ${${id}}")
    endif()
  endforeach()
  message(STATUS "round ${round}: 12 numbers agree (z = ${value-z}, dw1 = ${grad-w1}, new w1 = ${next-w1})")
endforeach()

# Step 5 of 9 (dz): the forward values and da, dz are shown, dw1 and the update not yet.
dump_dom("file://${WORKDIR}/en/index.html#x1=1&x2=2&w1=0.5&w2=-0.25&b=0.1&y=1&alpha=0.1&step=5" dom)
element("${dom}" grad-z dz)
element("${dom}" grad-w1 dw1)
element("${dom}" next-w1 nw1)
if(NOT dz STREQUAL "-0.4750208125" OR NOT dw1 STREQUAL "" OR NOT nw1 STREQUAL "")
  message(FATAL_ERROR "#step=5: grad-z '${dz}', grad-w1 '${dw1}', next-w1 '${nw1}' (expected -0.4750208125, '', '')")
endif()
if(NOT dom MATCHES "id=\"counter\">Step 5 of 9<" OR NOT dom MATCHES "<svg[^>]*id=\"graph\"[^>]*>.*<rect")
  message(FATAL_ERROR "#step=5: no 'Step 5 of 9' counter or no SVG graph")
endif()
# Korean: the same numbers, Korean text.
dump_dom("file://${WORKDIR}/ko/index.html#x1=1&x2=2&w1=0.5&w2=-0.25&b=0.1&y=1&alpha=0.1&step=5" dom)
element("${dom}" grad-z dz)
if(NOT dz STREQUAL "-0.4750208125" OR NOT dom MATCHES "<html lang=\"ko\">" OR NOT dom MATCHES "역전파: dz = ")
  message(FATAL_ERROR "the Korean page: grad-z '${dz}', or no lang=\"ko\" or no '역전파: dz = '")
endif()
# After the update: the numbers table names the new loss in Korean, the graph the nodes' kinds.
dump_dom("file://${WORKDIR}/ko/index.html#x1=1&x2=2&w1=0.5&w2=-0.25&b=0.1&y=1&alpha=0.1&step=9" dom)
if(NOT dom MATCHES ">L\\(새 w, b\\)<" OR NOT dom MATCHES ">w1 \\(매개변수\\)<"
   OR NOT dom MATCHES ">x1 \\(입력\\)<")
  message(FATAL_ERROR "the Korean page at step 9: no 'L(새 w, b)' row or no 'w1 (매개변수)', "
                      "'x1 (입력)' nodes")
endif()
message(STATUS "stepping and the Korean page are right")
