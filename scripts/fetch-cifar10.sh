#!/bin/sh
# usage: scripts/fetch-cifar10.sh [DEST]
# Downloads the official CIFAR-10 binary version (cifar-10-binary.tar.gz,
# 162 MiB, from the University of Toronto), checks its MD5 and unpacks it to
# DEST (default: the checkout's ./data), giving DEST/cifar-10-batches-bin/,
# where `hmlcost train` looks by default. Needs curl or wget, and internet.
# A mirror: HMLCOST_CIFAR10_URL (any URL curl/wget take, file:// too); its
# archive must still have the official MD5 unless HMLCOST_CIFAR10_MD5 says
# otherwise (the tests use both to run this script without internet).
set -eu
here=$(pwd)
cd "$(dirname "$0")/.."
dest=${1:-data}
case $dest in /*) ;; *) [ $# -eq 0 ] || dest=$here/$dest ;; esac
url=${HMLCOST_CIFAR10_URL:-https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz}
md5=${HMLCOST_CIFAR10_MD5:-c32a1d4ab5d03f1284b67883e8d87530}
archive=$dest/cifar-10-binary.tar.gz

if [ -f "$dest/cifar-10-batches-bin/test_batch.bin" ]; then
    echo "fetch-cifar10: $dest/cifar-10-batches-bin already there" >&2
    exit 0
fi
mkdir -p "$dest"
if [ ! -f "$archive" ] || ! echo "$md5  $archive" | md5sum -c --status; then
    echo "fetch-cifar10: downloading $url" >&2
    if command -v curl >/dev/null 2>&1; then
        curl -fsSL --retry 3 -o "$archive.part" "$url"
    elif command -v wget >/dev/null 2>&1; then
        wget -q -O "$archive.part" "$url"
    else
        echo "fetch-cifar10: needs curl or wget (apt-get install -y curl)" >&2
        exit 1
    fi
    mv "$archive.part" "$archive"
fi
if ! echo "$md5  $archive" | md5sum -c --status; then
    echo "fetch-cifar10: $archive: MD5 $(md5sum "$archive" | cut -d' ' -f1), expected $md5" >&2
    rm -f "$archive"
    exit 1
fi
tar -xzf "$archive" -C "$dest"
rm -f "$archive"
echo "fetch-cifar10: CIFAR-10 in $dest/cifar-10-batches-bin" >&2
