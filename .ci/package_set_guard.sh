#!/bin/sh
# usage: .ci/package_set_guard.sh [--without PKG]... SET -- COMMAND [ARGS...]
# Runs COMMAND (a CMake configure and/or build of hmlcost) as if the machine
# held only the Debian packages of scripts/deps.sh's SET and what they depend
# on: a tree of symbolic links to those packages' files (dpkg -L) becomes the
# sysroot of the compiler and the linker, the only root of CMake's find_*
# searches (a toolchain file named by $CMAKE_TOOLCHAIN_FILE) and the only
# place pkg-config looks. A file of any other installed package is not seen,
# so COMMAND fails here exactly when it would fail on a fresh machine where
# `scripts/deps.sh SET` was the only install. --without PKG drops PKG from
# the set (to show that the guard catches a missing package).
# COMMAND must configure a fresh build directory: a CMake cache from an
# ordinary configure would keep the paths it found there.
set -eu
cd "$(dirname "$0")/.."

without=""
while [ "${1:-}" = --without ]; do
    without="$without ${2:?--without needs a package name}"
    shift 2
done
set_name=${1:?usage: .ci/package_set_guard.sh [--without PKG]... SET -- COMMAND...}
shift
[ "${1:-}" = -- ] && shift
[ $# -gt 0 ] || { echo "package_set_guard: no command given" >&2; exit 2; }

scripts/deps.sh "$set_name"
packages=""
for pkg in $(scripts/deps.sh --list "$set_name"); do
    case " $without " in *" $pkg "*) continue ;; esac
    packages="$packages $pkg"
done

root=$(pwd)/build/guard-root-$set_name
rm -rf "$root"
mkdir -p "$root"

# The set and everything it depends on, as apt-get would install it
# (recommendations are not installed: deps.sh uses --no-install-recommends).
# shellcheck disable=SC2086
closure=$(apt-cache depends --recurse --installed --no-recommends --no-suggests \
    --no-conflicts --no-breaks --no-replaces --no-enhances $packages |
    grep -v '^ ' | grep -v '^<' | sort -u)
# Only the installed ones (the list also names alternatives not installed).
# shellcheck disable=SC2086
closure=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' $closure 2>/dev/null |
    sed -n 's/^ii  *//p')

# dpkg lists some files under /lib, /bin... that merged /usr turns into
# links to usr/lib, usr/bin...: each file is linked at its /usr place, and
# the root gets the same top-level links as the host.
usr_merge=""
top_links=""
for top in /*; do
    if [ -L "$top" ]; then
        usr_merge="$usr_merge -e s|^$top/|/$(readlink "$top")/|"
        top_links="$top_links $top"
    fi
done
# shellcheck disable=SC2086
dpkg -L $closure | sed -e 's|//*|/|g' $usr_merge | sort -u | while IFS= read -r path; do
    # Directories (and links to them, such as /lib) are made by cp --parents
    # or below; only files and links to files are linked.
    if [ -e "$path" ] && [ ! -d "$path" ]; then
        printf '%s\n' "$path"
    fi
done | xargs -r -d '\n' cp -P -s --parents -t "$root" --
for top in $top_links; do
    [ -e "$root$top" ] || ln -s "$(readlink "$top")" "$root$top"
done
echo "package_set_guard: set '$set_name'${without:+ without$without}:" \
    "$(printf '%s\n' "$closure" | wc -l) packages visible in $root" >&2

multiarch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
cat >"$root.toolchain.cmake" <<EOF
set(CMAKE_SYSROOT "$root")
set(CMAKE_FIND_ROOT_PATH "$root")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
EOF
CMAKE_TOOLCHAIN_FILE=$root.toolchain.cmake \
PKG_CONFIG_PATH='' PKG_CONFIG_SYSROOT_DIR=$root \
PKG_CONFIG_LIBDIR=$root/usr/lib/$multiarch/pkgconfig:$root/usr/lib/pkgconfig:$root/usr/share/pkgconfig \
    "$@"
