# Opens the walkthrough page in headless Chromium at index.html#step=N and checks that step N's
# picture is the one shown (and no other). Invoked as
#   cmake -DTOOL=... -DWORKDIR=... -DEXAMPLE=lecture -P frames_page.cmake
# Chromium (a test-only package: scripts/test.sh installs it) is looked for on PATH now; without
# it the script prints "SKIPPED: chromium ..." and the test counts as skipped.
find_program(CHROMIUM NAMES chromium chromium-browser)
if(NOT CHROMIUM)
  message("SKIPPED: chromium was not found on PATH (./scripts/test.sh installs it)")
  return()
endif()
file(REMOVE_RECURSE "${WORKDIR}")
file(MAKE_DIRECTORY "${WORKDIR}/profile")
execute_process(COMMAND "${TOOL}" explain ${EXAMPLE} --frames "${WORKDIR}/frames"
                RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "tapegrad explain ${EXAMPLE} --frames failed (${rc}): ${err}")
endif()
file(GLOB frames "${WORKDIR}/frames/step-*.dot")
list(LENGTH frames count)
if(count LESS 3)
  message(FATAL_ERROR "expected at least 3 frames, found ${count}")
endif()
math(EXPR middle "(${count} + 1) / 2")
# Step 99 is past the end: the page shows the last step.
foreach(pair "1:1" "${middle}:${middle}" "${count}:${count}" "99:${count}")
  string(REPLACE ":" ";" pair "${pair}")
  list(GET pair 0 asked)
  list(GET pair 1 expected)
  execute_process(
    COMMAND "${CHROMIUM}" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run
            --disable-background-networking --disable-component-update --disable-sync
            --user-data-dir=${WORKDIR}/profile --virtual-time-budget=2000
            --dump-dom "file://${WORKDIR}/frames/index.html#step=${asked}"
    RESULT_VARIABLE rc OUTPUT_VARIABLE dom ERROR_QUIET TIMEOUT 60)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "chromium failed (${rc}) on step ${asked}")
  endif()
  string(REGEX MATCHALL "<figure class=\"frame\" id=\"frame-[0-9]+\" data-step=\"[0-9]+\"( hidden=\"\")?>"
         tags "${dom}")
  list(LENGTH tags tag_count)
  if(NOT tag_count EQUAL count)
    message(FATAL_ERROR "step ${asked}: found ${tag_count} frames in the page, expected ${count}")
  endif()
  set(shown "")
  foreach(tag IN LISTS tags)
    if(NOT tag MATCHES "hidden")
      string(REGEX REPLACE ".*data-step=\"([0-9]+)\".*" "\\1" step "${tag}")
      list(APPEND shown ${step})
    endif()
  endforeach()
  if(NOT shown STREQUAL "${expected}")
    message(FATAL_ERROR "#step=${asked}: the page shows step(s) '${shown}', expected ${expected}")
  endif()
  if(NOT dom MATCHES "id=\"counter\">Step ${expected} of ${count}<")
    message(FATAL_ERROR "#step=${asked}: the counter does not read 'Step ${expected} of ${count}'")
  endif()
  string(REGEX MATCH "id=\"frame-${expected}\"[^>]*>[^<]*<figcaption>Step ${expected} of ${count}:[^<]*</figcaption>[^<]*<svg"
         picture "${dom}")
  if(NOT picture)
    message(FATAL_ERROR "#step=${asked}: frame ${expected} has no SVG picture under its caption")
  endif()
  message(STATUS "#step=${asked}: step ${expected} of ${count} shown")
endforeach()
