# Every hmlcost command is one start of the same binary, and the dynamic
# loader maps and binds each shared library it links at every start: an
# empty program linked against SQLite, GSL, inih and tree-sitter used 0.8 ms
# more CPU per start than one without them (a 2-CPU KVM guest, Debian 12).
# Those libraries serve single commands (the store, statistics, plan files,
# lint), so they are linked from the static archives their Debian -dev
# packages install; where an archive is missing the shared library stays.
option(HMLCOST_STATIC_ARCHIVES
  "Link SQLite, GSL, inih and tree-sitter from their static archives when installed" ON)

# Replaces, in an IMPORTED_TARGET of pkg_check_modules, each shared library
# named in NAMES by its static archive beside it, and adds the libraries the
# archive may need in turn (pkg-config's Libs.private: PREFIX_STATIC_LIBRARIES)
# that are installed: Debian's sqlite3.pc names zlib, which its archive does
# not use and a fresh machine may lack.
function(hmlcost_link_static_archives target prefix)
  if(NOT HMLCOST_STATIC_ARCHIVES OR NOT TARGET ${target})
    return()
  endif()
  get_target_property(_libs ${target} INTERFACE_LINK_LIBRARIES)
  set(_new "")
  set(_archived "")
  foreach(_lib IN LISTS _libs)
    get_filename_component(_name "${_lib}" NAME)
    if(_name MATCHES "^lib(.+)\\.so$" AND CMAKE_MATCH_1 IN_LIST ARGN)
      set(_stem ${CMAKE_MATCH_1})
      get_filename_component(_dir "${_lib}" DIRECTORY)
      if(EXISTS "${_dir}/lib${_stem}.a")
        list(APPEND _new "${_dir}/lib${_stem}.a")
        list(APPEND _archived ${_stem})
        continue()
      endif()
    endif()
    list(APPEND _new "${_lib}")
  endforeach()
  if(NOT _archived)
    return()
  endif()
  foreach(_private IN LISTS ${prefix}_STATIC_LIBRARIES)
    if(NOT _private IN_LIST _archived AND NOT _private IN_LIST ARGN)
      find_library(HMLCOST_PRIVATE_LIB_${_private} NAMES ${_private})
      if(HMLCOST_PRIVATE_LIB_${_private})
        list(APPEND _new ${_private})
      endif()
    endif()
  endforeach()
  set_target_properties(${target} PROPERTIES INTERFACE_LINK_LIBRARIES "${_new}")
  message(STATUS "hmlcost: ${_archived} linked from static archives")
endfunction()
