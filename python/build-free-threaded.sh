#!/usr/bin/env bash
# Builds a free-threaded CPython (PEP 703: no GIL) into target/python-ft/ and prints its path.
#
#     bash python/build-free-threaded.sh            # the free-threaded build, target/python-ft/
#     bash python/build-free-threaded.sh --gil      # the same source with the GIL, target/python-gil/
#
# No package registry ships a free-threaded interpreter, so this builds one from Debian's source
# package of CPython: the newest of python3.14 and python3.13 whose files the apt sources serve
# (a `deb-src` line for sid, forky and trixie is added when none offers either; that needs
# root). On the machine it was written on, python3.14 was listed but its files were gone (404),
# and it built 3.13.15. Only the
# upstream tarball inside the source package is used, without Debian's patches, so the result is
# plain CPython. The `--gil` twin is built from the same tarball with the same flags, so the two
# differ only in the GIL: that is the pair to compare for single-thread overhead.
#
# Then:  greetbench compare --lang python --python python3,target/python-ft/bin/python3
#
# Takes 10 to 16 minutes on 2 shared cores at `nice -n 10` (configure 1, make 8 to 10, install
# 2 to 5). Not part of CI, nor of the README's two commands.
# Set JOBS to change the make parallelism (default: the number of cores); prefix with
# `nice -n 10` to leave the machine usable. Needs a C compiler and the usual -dev libraries
# (libssl, zlib, libffi, libbz2, liblzma, libsqlite3); a stage that fails names itself.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

mode=ft
case "${1:-}" in
    "") ;;
    --gil) mode=gil ;;
    *) echo "usage: bash python/build-free-threaded.sh [--gil]" >&2; exit 2 ;;
esac
prefix="$root/target/python-$mode"
work="$root/target/python-src"
jobs="${JOBS:-$(nproc)}"
start=$SECONDS

stage() { printf '[%4ss] %s\n' "$((SECONDS - start))" "$1"; }
fail() { printf 'build-free-threaded: %s failed: %s\n' "$1" "$2" >&2; exit 1; }

stage "1/6 source: looking for CPython's Debian source package (python3.14, then python3.13)"
mkdir -p "$work"
cd "$work"
have_src() { apt-cache showsrc "$1" 2>/dev/null | grep -q '^Version:'; }
if ! have_src python3.14 && ! have_src python3.13; then
    [ "$(id -u)" = 0 ] || fail "source" "no deb-src line offers python3.14 or python3.13; as root, rerun (it adds one), or add a trixie deb-src line yourself"
    printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: sid forky trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
        >/etc/apt/sources.list.d/greetbench-src.sources
    apt-get update -qq || fail "source" "apt-get update failed (is a package mirror reachable?)"
fi
# The newest version whose files the mirror actually serves: an index can list a version whose
# files are gone (404), so each candidate is tried in turn, newest first.
got=""
for pkg in python3.14 python3.13; do
    for ver in $(apt-cache showsrc "$pkg" 2>/dev/null | awk '/^Version:/ {print $2}' | sort -rV); do
        if ls "${pkg}_${ver%-*}".orig.tar.* >/dev/null 2>&1 ||
            apt-get source --download-only -qq "$pkg=$ver" >"$work/source.log" 2>&1; then
            got="$pkg $ver"
            break 2
        fi
        stage "   $pkg $ver: not downloadable ($(grep -m1 -o '[0-9]* *Not Found' "$work/source.log" || tail -n 1 "$work/source.log")), trying the next"
    done
done
[ -n "$got" ] || fail "source" "no version of python3.14 or python3.13 could be downloaded; see $work/source.log"
stage "   $got"
tarball=$(ls "${pkg}_${ver%-*}".orig.tar.* | grep -v "\.asc$" | head -n 1)
stage "   using $work/$tarball"

stage "2/6 extract: the upstream tarball alone (no Debian patches)"
tree="$work/$mode"
rm -rf "$tree"
mkdir -p "$tree"
tar -xf "$tarball" -C "$tree" --strip-components=1 || fail "extract" "tar -xf $tarball"

stage "3/6 configure --prefix=$prefix $([ "$mode" = ft ] && echo --disable-gil)"
cd "$tree"
flags=(--prefix="$prefix" --with-ensurepip=install)
[ "$mode" = ft ] && flags+=(--disable-gil)
./configure "${flags[@]}" >"$work/configure-$mode.log" 2>&1 ||
    fail "configure" "see the end of $work/configure-$mode.log: $(tail -n 1 "$work/configure-$mode.log")"

stage "4/6 make -j$jobs (the long one)"
make -j"$jobs" >"$work/make-$mode.log" 2>&1 ||
    fail "make" "see $work/make-$mode.log: $(grep -m1 -E 'error|Error' "$work/make-$mode.log" || tail -n 1 "$work/make-$mode.log")"

stage "5/6 make install into $prefix"
rm -rf "$prefix"
make install >"$work/install-$mode.log" 2>&1 ||
    fail "make install" "see $work/install-$mode.log: $(tail -n 1 "$work/install-$mode.log")"

stage "6/6 check: what the interpreter says about itself"
python="$prefix/bin/python3"
"$python" -c 'import sys, sysconfig
gil = getattr(sys, "_is_gil_enabled", lambda: True)()
print("   sys.version:", sys.version.replace("\n", " "))
print("   Py_GIL_DISABLED:", sysconfig.get_config_var("Py_GIL_DISABLED"), " sys._is_gil_enabled():", gil)' ||
    fail "check" "$python does not run"
if [ "$mode" = ft ]; then
    "$python" -c 'import sys; sys.exit(sys._is_gil_enabled())' ||
        fail "check" "$python runs with the GIL enabled; it is not a free-threaded build"
fi
stage "done in $((SECONDS - start)) s"
echo "$python"
