# A copy of the tool without the playground's engine beside it (no share/tapegrad/playground.js)
# says where it looked, in one line, and writes no page. Invoked as
#   cmake -DTOOL=... -DWORKDIR=... -P playground_missing.cmake
file(REMOVE_RECURSE "${WORKDIR}")
file(MAKE_DIRECTORY "${WORKDIR}/bin")
file(COPY "${TOOL}" DESTINATION "${WORKDIR}/bin")
get_filename_component(name "${TOOL}" NAME)
execute_process(COMMAND "${WORKDIR}/bin/${name}" playground "${WORKDIR}/page"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 2)
  message(FATAL_ERROR "exit status ${rc}, expected 2; stderr: ${err}")
endif()
if(NOT err MATCHES "^tapegrad: playground: engine: .*/share/tapegrad/playground.js is missing: install tapegrad again\n$")
  message(FATAL_ERROR "unexpected message: ${err}")
endif()
if(EXISTS "${WORKDIR}/page")
  message(FATAL_ERROR "a page folder was written without the engine")
endif()
message(STATUS "${err}")
