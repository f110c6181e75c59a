#!/bin/sh
# usage: bench/device_bundle.sh BUILD_DIR BUNDLE
# Copies hmlcost, the test child and every shared object they load (with the
# loader) into BUNDLE, for bench/device_check.sh on a machine without the
# Debian packages.
set -eu
build=$1 bundle=$2
mkdir -p "$bundle/lib"
cp "$build/src/cli/hmlcost" "$build/tests/meter/hmlcost_test_child" "$bundle/"
ldd "$build/src/cli/hmlcost" | awk '/=> \//{print $3} /^\t\/lib/{print $1}' | while read -r so; do
    cp -L "$so" "$bundle/lib/"
done
cp -L /lib64/ld-linux-x86-64.so.2 "$bundle/lib/"
