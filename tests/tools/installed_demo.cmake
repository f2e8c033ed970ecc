# The installed tool finds its data relative to itself. Invoked as
#   cmake -DBUILD_DIR=... -DWORKDIR=... -P installed_demo.cmake
# Installs BUILD_DIR into WORKDIR/prefix, runs prefix/bin/tapegrad demo from WORKDIR/elsewhere
# (nothing of the source or build tree is needed), then runs a copy of the binary that has no
# share/tapegrad beside it and checks that it names where it looked.
file(REMOVE_RECURSE "${WORKDIR}")
file(MAKE_DIRECTORY "${WORKDIR}/elsewhere" "${WORKDIR}/alone/bin")
execute_process(COMMAND "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${WORKDIR}/prefix"
                RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed (${rc}): ${err}")
endif()
foreach(f bin/tapegrad share/tapegrad/breast_cancer.csv share/tapegrad/README.md)
  if(NOT EXISTS "${WORKDIR}/prefix/${f}")
    message(FATAL_ERROR "${f} was not installed")
  endif()
endforeach()
execute_process(COMMAND "${WORKDIR}/prefix/bin/tapegrad" demo --out demo
                WORKING_DIRECTORY "${WORKDIR}/elsewhere" RESULT_VARIABLE rc OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "2\\. Training on [^\n]*/prefix/share/tapegrad/breast_cancer.csv \\(569 examples, 30 features\\)")
  message(FATAL_ERROR "the installed demo failed (${rc}):\n${out}\n${err}")
endif()
if(NOT EXISTS "${WORKDIR}/elsewhere/demo/mlp.json")
  message(FATAL_ERROR "the installed demo wrote no mlp.json")
endif()
file(COPY "${WORKDIR}/prefix/bin/tapegrad" DESTINATION "${WORKDIR}/alone/bin")
execute_process(COMMAND "${WORKDIR}/alone/bin/tapegrad" demo --out demo
                WORKING_DIRECTORY "${WORKDIR}/elsewhere" RESULT_VARIABLE rc OUTPUT_QUIET
                ERROR_VARIABLE err)
if(NOT rc EQUAL 2 OR NOT err MATCHES "^tapegrad: demo: [^\n]*/alone/share/tapegrad/breast_cancer.csv: not found \\(give the breast-cancer CSV with --data\\)\n$")
  message(FATAL_ERROR "a binary without its data: exit ${rc}, expected 2 and where it looked:\n${err}")
endif()
message(STATUS "the installed demo ran from another folder; a lone binary says where it looked")
