# Fails when a doctest case name holds a semicolon. CTest registers every case by name
# (doctest_discover_tests), and a ';' splits that name: the registered test then selects no case
# at all and passes without running anything. Invoked as
#   cmake -DTESTS=<binary>[|<binary>...] -P test_names.cmake
string(REPLACE "|" ";" binaries "${TESTS}")
set(bad "")
foreach(binary IN LISTS binaries)
  execute_process(COMMAND "${binary}" --list-test-cases RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${binary} --list-test-cases failed (${rc}): ${err}")
  endif()
  # Lines without list splitting: a ';' in the text would split it.
  string(REPLACE ";" "<SEMICOLON>" out "${out}")
  string(REPLACE "\n" ";" lines "${out}")
  foreach(line IN LISTS lines)
    if(line MATCHES "<SEMICOLON>")
      string(REPLACE "<SEMICOLON>" ";" line "${line}")
      string(APPEND bad "  ${line}\n")
    endif()
  endforeach()
endforeach()
if(bad)
  message(FATAL_ERROR "test case names with ';' (CTest would run nothing for them):\n${bad}")
endif()
