# All dependencies are Debian packages; scripts/deps.sh installs them.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(OpenMP REQUIRED COMPONENTS C)

pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
pkg_check_modules(GSL REQUIRED IMPORTED_TARGET gsl)
pkg_check_modules(CJSON REQUIRED IMPORTED_TARGET libcjson)
pkg_check_modules(INIH REQUIRED IMPORTED_TARGET inih)
pkg_check_modules(HWLOC REQUIRED IMPORTED_TARGET hwloc)

# oneDNN's CMake package drags in OpenCL (Debian builds it with an OCL GPU
# runtime); we only use its CPU engine, so find the library and header directly.
# Nothing links it: src/nn/onednn_load.c opens it when training starts (its
# dynamic linking costs every other command ~2.4 ms), so it is found here only
# to fail early when it is missing.
find_path(DNNL_INCLUDE_DIR oneapi/dnnl/dnnl.h REQUIRED)
find_library(DNNL_LIBRARY NAMES dnnl REQUIRED)
add_library(hmlcost_dnnl INTERFACE)
target_include_directories(hmlcost_dnnl INTERFACE ${DNNL_INCLUDE_DIR})

include(${CMAKE_CURRENT_LIST_DIR}/TreeSitterPython.cmake)

include(${CMAKE_CURRENT_LIST_DIR}/StaticArchives.cmake)
hmlcost_link_static_archives(PkgConfig::SQLITE3 SQLITE3 sqlite3)
hmlcost_link_static_archives(PkgConfig::GSL GSL gsl gslcblas)
hmlcost_link_static_archives(PkgConfig::INIH INIH inih)
hmlcost_link_static_archives(PkgConfig::TREE_SITTER TREE_SITTER tree-sitter)

if(HMLCOST_TESTS)
  pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)
endif()

# CUDA backend: compiled only when nvcc and the cuDNN/cuBLAS headers are found.
set(HMLCOST_HAVE_CUDA OFF)
if(NOT HMLCOST_CUDA STREQUAL "OFF")
  include(CheckLanguage)
  if(NOT CMAKE_CUDA_COMPILER AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
  endif()
  check_language(CUDA)
  find_path(CUDNN_INCLUDE_DIR cudnn.h HINTS /usr/local/cuda/include /usr/include)
  find_path(CUBLAS_INCLUDE_DIR cublas_v2.h HINTS /usr/local/cuda/include /usr/include)
  if(CMAKE_CUDA_COMPILER AND CUDNN_INCLUDE_DIR AND CUBLAS_INCLUDE_DIR)
    set(HMLCOST_HAVE_CUDA ON)
    # Here, at the top level: every target that links the cuda backend
    # (the binary, the tests) must see the language (src/nn/cuda).
    enable_language(CUDA)
    find_package(CUDAToolkit REQUIRED)
  elseif(HMLCOST_CUDA STREQUAL "ON")
    message(FATAL_ERROR "HMLCOST_CUDA=ON but nvcc, cudnn.h or cublas_v2.h was not found")
  endif()
endif()
message(STATUS "hmlcost: CUDA backend ${HMLCOST_HAVE_CUDA}")
