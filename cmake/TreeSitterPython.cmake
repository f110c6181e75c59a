# `hmlcost lint` parses Python with tree-sitter (Debian libtree-sitter-dev,
# the runtime) and the tree-sitter-python grammar, which Debian does not
# package. The grammar's generated parser (src/parser.c, src/scanner.c) is
# fetched from the npm registry at one exact version and checked against a
# recorded SHA-256 before it is compiled in; it is a dependency, never part
# of this repository. 0.23.6 is the newest release whose parser has ABI 14:
# 0.25 and later are ABI 15, which Debian 12's tree-sitter 0.20.7 refuses.
#
# HMLCOST_LINT: AUTO (default) builds lint when the tree-sitter runtime is
# installed; ON requires it; OFF leaves lint out (everything else builds).
set(HMLCOST_LINT "AUTO" CACHE STRING "Build `hmlcost lint` (tree-sitter): AUTO, ON or OFF")
set_property(CACHE HMLCOST_LINT PROPERTY STRINGS AUTO ON OFF)

set(HMLCOST_TS_PYTHON_VERSION "0.23.6")
set(HMLCOST_TS_PYTHON_SHA256 "aab5b860d93dbf84b37fed532f7dacc0468ede5387d0c74911d68f964287662a")
# Downloaded once per machine and verified on every configure; a build
# directory removed and configured again does not fetch it again.
if(DEFINED ENV{XDG_CACHE_HOME} AND NOT "$ENV{XDG_CACHE_HOME}" STREQUAL "")
  set(_ts_cache_default "$ENV{XDG_CACHE_HOME}/hmlcost")
elseif(DEFINED ENV{HOME} AND NOT "$ENV{HOME}" STREQUAL "")
  set(_ts_cache_default "$ENV{HOME}/.cache/hmlcost")
else()
  set(_ts_cache_default "${CMAKE_BINARY_DIR}/_deps")
endif()
set(HMLCOST_DEPS_CACHE "${_ts_cache_default}" CACHE PATH
  "Where fetched build dependencies (the tree-sitter-python tarball) are kept")

set(HMLCOST_HAVE_LINT OFF)
if(NOT HMLCOST_LINT STREQUAL "OFF")
  pkg_check_modules(TREE_SITTER IMPORTED_TARGET tree-sitter)
  if(NOT TREE_SITTER_FOUND)
    if(HMLCOST_LINT STREQUAL "ON")
      message(FATAL_ERROR "hmlcost: HMLCOST_LINT=ON: the tree-sitter runtime was not found (apt-get install libtree-sitter-dev)")
    endif()
  else()
    set(_ts_name "tree-sitter-python-${HMLCOST_TS_PYTHON_VERSION}.tgz")
    set(_ts_tarball "${HMLCOST_DEPS_CACHE}/${_ts_name}")
    set(_ts_ok FALSE)
    if(EXISTS "${_ts_tarball}")
      file(SHA256 "${_ts_tarball}" _ts_sum)
      if(_ts_sum STREQUAL HMLCOST_TS_PYTHON_SHA256)
        set(_ts_ok TRUE)
      else()
        file(REMOVE "${_ts_tarball}")
      endif()
    endif()
    if(NOT _ts_ok)
      find_program(NPM_EXECUTABLE npm)
      if(NOT NPM_EXECUTABLE)
        message(FATAL_ERROR "hmlcost: lint needs tree-sitter-python@${HMLCOST_TS_PYTHON_VERSION} from the npm registry, but npm is not installed (apt-get install npm, or configure with -DHMLCOST_LINT=OFF)")
      endif()
      file(MAKE_DIRECTORY "${HMLCOST_DEPS_CACHE}")
      message(STATUS "hmlcost: fetching tree-sitter-python@${HMLCOST_TS_PYTHON_VERSION} from the npm registry")
      execute_process(
        COMMAND ${NPM_EXECUTABLE} pack "tree-sitter-python@${HMLCOST_TS_PYTHON_VERSION}"
                --pack-destination "${HMLCOST_DEPS_CACHE}" --loglevel=error --no-audit --no-fund
                --fetch-retries=1 --fetch-retry-mintimeout=2000 --fetch-retry-maxtimeout=5000
        RESULT_VARIABLE _ts_rc OUTPUT_QUIET ERROR_VARIABLE _ts_err TIMEOUT 180)
      if(NOT _ts_rc EQUAL 0 OR NOT EXISTS "${_ts_tarball}")
        string(REGEX MATCH "(ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNREFUSED|ECONNRESET|E404|EACCES)" _ts_why "${_ts_err}")
        if(NOT _ts_why)
          set(_ts_why "npm pack exited with ${_ts_rc}")
        endif()
        # NOTICE prints the line as it is (FATAL_ERROR would wrap it)
        message(NOTICE "hmlcost: cannot fetch tree-sitter-python@${HMLCOST_TS_PYTHON_VERSION} from the npm registry (${_ts_why}); connect to the network, or configure with -DHMLCOST_LINT=OFF")
        message(FATAL_ERROR "the grammar of `hmlcost lint` could not be fetched")
      endif()
      file(SHA256 "${_ts_tarball}" _ts_sum)
      if(NOT _ts_sum STREQUAL HMLCOST_TS_PYTHON_SHA256)
        file(REMOVE "${_ts_tarball}")
        message(FATAL_ERROR "hmlcost: tree-sitter-python@${HMLCOST_TS_PYTHON_VERSION}: SHA-256 ${_ts_sum} is not the recorded ${HMLCOST_TS_PYTHON_SHA256}; refusing it")
      endif()
    endif()
    set(HMLCOST_TS_PYTHON_DIR "${CMAKE_BINARY_DIR}/_deps/tree-sitter-python-${HMLCOST_TS_PYTHON_VERSION}")
    if(NOT EXISTS "${HMLCOST_TS_PYTHON_DIR}/package/src/parser.c")
      file(ARCHIVE_EXTRACT INPUT "${_ts_tarball}" DESTINATION "${HMLCOST_TS_PYTHON_DIR}"
           PATTERNS package/src/parser.c package/src/scanner.c package/src/tree_sitter package/LICENSE)
    endif()
    set(HMLCOST_HAVE_LINT ON)
  endif()
endif()
message(STATUS "hmlcost: lint ${HMLCOST_HAVE_LINT}")
