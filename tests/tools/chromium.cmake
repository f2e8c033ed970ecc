# Headless Chromium for the page tests (frames_page.cmake, playground_page.cmake), included by
# them. Chromium is a test-only package (scripts/test.sh installs it), looked for on PATH when the
# test runs; without it the including script prints "SKIPPED: chromium ..." and stops, and the
# test counts as skipped (SKIP_REGULAR_EXPRESSION).
find_program(CHROMIUM NAMES chromium chromium-browser)

# Stops the including script with the SKIPPED line when Chromium is missing (a macro, so that
# return() leaves the including script).
macro(require_chromium)
  if(NOT CHROMIUM)
    message("SKIPPED: chromium was not found on PATH (./scripts/test.sh installs it)")
    return()
  endif()
endmacro()

# Sets `out` to the DOM of `url` after `budget` ms of virtual time. Every run gets a profile of
# its own under WORKDIR: a Chromium still shutting down holds the last one's lock and would take
# the URL over, returning at once with no page.
function(chromium_dom url budget out)
  string(RANDOM LENGTH 12 profile)
  execute_process(
    COMMAND "${CHROMIUM}" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run
            --disable-background-networking --disable-component-update --disable-sync
            --user-data-dir=${WORKDIR}/profile-${profile} --virtual-time-budget=${budget}
            --dump-dom "${url}"
    RESULT_VARIABLE rc OUTPUT_VARIABLE dom ERROR_QUIET TIMEOUT 120)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "chromium failed (${rc}) on ${url}")
  endif()
  set(${out} "${dom}" PARENT_SCOPE)
endfunction()
