# `cpack -G DEB`: one package, hmlcost_<version>_<arch>.deb. Depends comes from
# dpkg-shlibdeps over the shared libraries linked (cJSON, hwloc, OpenMP, ...;
# SQLite, GSL, inih and tree-sitter come from static archives where installed,
# cmake/StaticArchives.cmake); the CUDA libraries and NVML are loaded at run time when present,
# not required (no Debian 12 package provides cuDNN 9 or cuBLAS 13).
set(CPACK_PACKAGE_NAME hmlcost)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "hmlcost developers <hmlcost@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "measure the hidden cost (time, memory, energy, CO2) of ML training smells")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
  "hmlcost measures what configuration and design smells in deep-learning training\ncost in runtime, memory, energy and CO2 while accuracy stays the same, and finds\nthose smells in an environment or in training scripts before any energy is spent.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_STRIP_FILES TRUE)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# oneDNN is opened with dlopen (src/nn/onednn_load.h: libdnnl.so.2) where
# training starts, so dpkg-shlibdeps cannot see it: named here, and
# .ci/deb_package.sh checks that the package holding that soname is listed.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libdnnl2 (>= 2.6)")

set(CPACK_GENERATOR DEB)
include(CPack)
