# liner-bench's smoke test (registered in tests/CMakeLists.txt):
#   cmake -DBENCH=/path/to/liner-bench -P smoke_test.cmake
# 1. Every workload but the PostgreSQL ones, --quick, one round, subjects
#    capi, cpp and zmq: exit code 0 means no run lost messages, crashed or
#    hung. Speed is never checked.
# 2. Bad command lines: exit code 2 and exactly one line on stderr.
if(NOT BENCH)
  message(FATAL_ERROR "usage: cmake -DBENCH=/path/to/liner-bench -P smoke_test.cmake")
endif()

execute_process(
  COMMAND "${BENCH}" --quick --rounds 1 --subject capi,cpp,zmq --store sqlite --timeout 60
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "liner-bench --quick exited with ${rc} (0 expected)\n${out}\n${err}")
endif()
foreach(workload pair burst pingpong fanout manytoone alo mesh drain reconnect first)
  if(NOT out MATCHES "== ${workload} ")
    message(FATAL_ERROR "liner-bench --quick printed no table for ${workload}\n${out}")
  endif()
endforeach()

foreach(bad "--rounds;0" "nosuchworkload" "pair;--size;0" "--subject;nosuch" "--bogus")
  execute_process(COMMAND "${BENCH}" ${bad} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  string(REPLACE ";" " " shown "${bad}")
  if(NOT rc EQUAL 2)
    message(FATAL_ERROR "liner-bench ${shown}: exit code ${rc}, 2 expected\n${out}\n${err}")
  endif()
  string(REGEX MATCHALL "\n" newlines "${err}")
  list(LENGTH newlines lines)
  if(NOT lines EQUAL 1 OR NOT err MATCHES "^liner-bench: [^\n]+\n$")
    message(FATAL_ERROR "liner-bench ${shown}: one line on stderr expected, got:\n${err}")
  endif()
endforeach()
message(STATUS "liner-bench smoke test passed")
