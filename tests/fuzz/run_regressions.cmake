# Runs each regression input (regressions/<target>-<what>) and each seed
# (corpus/<target>/*) once through its fuzz target; fails on the first crash.
# Called by the fuzz_regressions target with TARGETS (comma-separated), BIN_DIR
# and SOURCE_DIR.
string(REPLACE "," ";" TARGETS "${TARGETS}")
set(failed)
foreach(target IN LISTS TARGETS)
  file(GLOB inputs LIST_DIRECTORIES false "${SOURCE_DIR}/regressions/${target}-*" "${SOURCE_DIR}/corpus/${target}/*")
  list(LENGTH inputs count)
  if(count EQUAL 0)
    continue()
  endif()
  execute_process(COMMAND ${BIN_DIR}/fuzz_${target} -runs=1 ${inputs}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(rc EQUAL 0)
    message(STATUS "fuzz_${target}: ${count} inputs ok")
  else()
    message("${out}")
    message(SEND_ERROR "fuzz_${target}: an input crashed (exit ${rc})")
    list(APPEND failed ${target})
  endif()
endforeach()
if(failed)
  message(FATAL_ERROR "regressions failed: ${failed}")
endif()
