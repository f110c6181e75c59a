#!/bin/sh
# The Debian package: built by `cpack -G DEB` from BUILD_DIR, unpacked into a
# temporary root and checked (files, Depends against what the binary links and
# opens), then, as root, installed with apt-get, run, and removed again (the
# machine's package set is left as it was found), and installed into a fresh
# minimal Debian root made by mmdebstrap from this machine's apt sources,
# where nothing but the package's own dependencies is present.
#   .ci/deb_package.sh BUILD_DIR
set -eu
build=$(cd "$1" && pwd)
fail() { echo "hmlcost: .ci/deb_package.sh: $*" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

(cd "$build" && rm -f hmlcost_*.deb && cpack -G DEB >"$tmp/cpack.log" 2>&1) ||
    fail "cpack failed: $(tail -5 "$tmp/cpack.log")"
set -- "$build"/hmlcost_*.deb
[ -f "$1" ] || fail "cpack made no hmlcost_*.deb"
deb=$1
echo "== $deb" >&2

# Unpacked, not installed: the files and the dependencies.
dpkg-deb -x "$deb" "$tmp/root"
bin=$tmp/root/usr/bin/hmlcost
[ -x "$bin" ] || fail "no /usr/bin/hmlcost in the package"
"$bin" version >/dev/null || fail "the packaged hmlcost does not run"
for cmd in $("$bin" --help | awk '/^commands:/ { on = 1; next } on && NF == 0 { exit } on { print $1 }'); do
    [ -f "$tmp/root/usr/share/man/man1/hmlcost-$cmd.1.gz" ] || [ -f "$tmp/root/usr/share/man/man1/hmlcost-$cmd.1" ] ||
        fail "no man page for $cmd"
done
[ -f "$tmp/root/usr/share/bash-completion/completions/hmlcost" ] || fail "no bash completion"
depends=$(dpkg-deb -f "$deb" Depends)
package_of() { dpkg -S "$1" 2>/dev/null | head -1 | cut -d: -f1; }
needed=$(objdump -p "$bin" | awk '$1 == "NEEDED" { print $2 }')
# Libraries opened at run time that training needs (the CUDA libraries and
# NVML are optional and must not be required).
sed -n 's/^#define ONEDNN_SONAME "\(.*\)"$/\1/p' src/nn/onednn_load.h >"$tmp/dlopened"
[ -s "$tmp/dlopened" ] || fail "cannot read ONEDNN_SONAME from src/nn/onednn_load.h"
for so in $needed $(cat "$tmp/dlopened"); do
    path=$(ldconfig -p | awk -v so="$so" '$1 == so { print $NF; exit }')
    [ -n "$path" ] || continue # ld-linux and the like: part of libc6
    pkg=$(package_of "$(readlink -f "$path")")
    [ -n "$pkg" ] || pkg=$(package_of "$path")
    [ -n "$pkg" ] || fail "no Debian package holds $so ($path)"
    case ", $depends," in
    *", $pkg "* | *", $pkg,"*) ;;
    *) fail "Depends lacks $pkg (for $so): $depends" ;;
    esac
done
case $depends in
*cuda* | *cudnn* | *cublas* | *nvidia*) fail "Depends requires a CUDA library: $depends" ;;
esac
echo "   Depends: $depends" >&2

# Installed with apt-get, as a user would; only as root (CI), and only when
# hmlcost is not installed already (that machine is not ours to change).
if [ "$(id -u)" != 0 ]; then
    echo "   not root: the package was checked unpacked, not installed" >&2
    exit 0
fi
if dpkg-query -W -f '${Status}' hmlcost 2>/dev/null | grep -q 'install ok installed'; then
    echo "   hmlcost is installed on this machine already: not installing over it" >&2
    exit 0
fi
dpkg-query -W -f '${Package}\n' | sort >"$tmp/before"
apt_get() { apt-get -y -q -o DPkg::Lock::Timeout=300 "$@"; }
cleanup() {
    apt_get purge hmlcost >/dev/null 2>&1 || true
    dpkg-query -W -f '${Package}\n' | sort >"$tmp/after"
    # Only what apt pulled in for hmlcost (marked automatic): a package
    # someone else installed meanwhile is theirs.
    apt-mark showauto | sort >"$tmp/auto"
    added=$(comm -13 "$tmp/before" "$tmp/after" | comm -12 - "$tmp/auto")
    # shellcheck disable=SC2086
    [ -z "$added" ] || apt_get purge $added >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT
cp "$deb" "$tmp/"
(cd "$tmp" && apt_get install ./"$(basename "$deb")" >"$tmp/apt.log" 2>&1) ||
    fail "apt-get install failed: $(tail -5 "$tmp/apt.log")"
/usr/bin/hmlcost version || fail "installed: hmlcost version failed"
man -w hmlcost >/dev/null || fail "installed: man -w hmlcost finds no page"
man -w hmlcost-run >/dev/null || fail "installed: man -w hmlcost-run finds no page"
(cd "$tmp" && /usr/bin/hmlcost measure --json -- true >measure.json 2>measure.err) ||
    fail "installed: hmlcost measure -- true failed: $(cat "$tmp/measure.err")"
grep -q '"wall_s"' "$tmp/measure.json" || fail "installed: measure printed no wall_s"
bash -c '. /usr/share/bash-completion/completions/hmlcost && complete -p hmlcost' >/dev/null ||
    fail "installed: the bash completion does not load"
echo "   installed with apt-get, ran version, man -w, measure; removing" >&2

# A fresh machine: a minimal Debian root (apt and its essentials only) from
# this machine's apt sources; the package and man-db are installed there with
# apt-get, and the installed hmlcost runs inside it.
sources=/etc/apt/sources.list.d/debian.sources
[ -f "$sources" ] || sources=/etc/apt/sources.list
command -v mmdebstrap >/dev/null || apt_get install mmdebstrap >"$tmp/apt.log" 2>&1 ||
    fail "cannot install mmdebstrap: $(tail -3 "$tmp/apt.log")"
name=$(basename "$deb")
mmdebstrap --variant=apt --mode=root \
    --customize-hook="copy-in $tmp/$name /tmp" \
    --customize-hook="chroot \"\$1\" apt-get install -y -q /tmp/$name man-db" \
    --customize-hook='chroot "$1" hmlcost version' \
    --customize-hook='chroot "$1" man -w hmlcost-run' \
    --customize-hook='chroot "$1" sh -c "cd /tmp && hmlcost measure --json -- true | grep -q wall_s"' \
    --customize-hook='chroot "$1" bash -c ". /usr/share/bash-completion/completions/hmlcost && complete -p hmlcost"' \
    bookworm /dev/null "$sources" >"$tmp/fresh.log" 2>&1 ||
    fail "a fresh Debian root: $(grep -E '^E:|hmlcost' "$tmp/fresh.log" | tail -5)"
echo "   a fresh Debian root (mmdebstrap): installed, ran version, man -w, measure, completion" >&2
