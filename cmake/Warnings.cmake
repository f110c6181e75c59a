# Flags shared by every target of the project (not by third-party code).
add_library(hmlcost_flags INTERFACE)
target_compile_options(hmlcost_flags INTERFACE
  $<$<COMPILE_LANGUAGE:C>:-Wall -Wextra -Wshadow -Wstrict-prototypes -Wformat=2>)
if(HMLCOST_WERROR)
  target_compile_options(hmlcost_flags INTERFACE $<$<COMPILE_LANGUAGE:C>:-Werror>)
endif()
target_compile_definitions(hmlcost_flags INTERFACE _GNU_SOURCE
  HMLCOST_VERSION="${PROJECT_VERSION}")
if(HMLCOST_SANITIZE)
  set(_san -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_compile_options(hmlcost_flags INTERFACE $<$<COMPILE_LANGUAGE:C>:${_san}>)
  target_link_options(hmlcost_flags INTERFACE ${_san})
endif()
if(HMLCOST_FUZZ)
  # Coverage feedback for libFuzzer in every room; the harnesses add the
  # fuzzer's main at link time (tests/fuzz).
  target_compile_options(hmlcost_flags INTERFACE $<$<COMPILE_LANGUAGE:C>:-fsanitize=fuzzer-no-link>)
endif()
