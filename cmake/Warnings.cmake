# The warnings our own code is held to. The presets (and so CI) make them
# errors with RESHIP_WERROR; a build of a release tarball with a newer
# compiler should not fail for a warning that compiler added. Third-party
# sources (llhttp) opt out with reship_third_party().
option(RESHIP_WERROR "Treat warnings as errors" OFF)
add_compile_options(
  $<$<COMPILE_LANGUAGE:CXX>:-Wall>
  $<$<COMPILE_LANGUAGE:CXX>:-Wextra>
  $<$<AND:$<COMPILE_LANGUAGE:CXX>,$<BOOL:${RESHIP_WERROR}>>:-Werror>
  $<$<AND:$<COMPILE_LANGUAGE:CXX>,$<CXX_COMPILER_ID:GNU>>:-Wshadow=local>
  $<$<COMPILE_LANGUAGE:CXX>:-Wnon-virtual-dtor>)

function(reship_third_party target)
  target_compile_options(${target} PRIVATE -w)
endfunction()
