#!/usr/bin/env bash
# Installs the build into a temporary prefix, checks the installed files, then
# builds and runs a small C consumer against them twice: with pkg-config
# (liner.pc) and with CMake's find_package(liner). Cleans up after itself.
#
#   check_install.sh BUILD_DIR CONSUMER_SOURCE_DIR [SANITIZERS]
#
# Then a C++ consumer (CONSUMER_SOURCE_DIR/../consumer_cpp) of liner::Client
# through find_package(liner) and liner::cpp, using only installed headers.
#
# SANITIZERS (e.g. address,undefined) is set for sanitizer builds: the
# consumer must then be built with them too.
set -euo pipefail
build=$1
consumer=$2
sanitize=${3:-}

tmp=$(mktemp -d /tmp/liner-install-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
flags=()
if [ -n "$sanitize" ]; then flags=("-fsanitize=$sanitize"); fi

step() { printf '== %s\n' "$*"; }
die() { printf 'check_install: %s\n' "$*" >&2; exit 1; }

step "cmake --install $build --prefix $prefix"
cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" || { cat "$tmp/install.log"; die "install failed"; }

for f in lib/libliner.so lib/libliner.so.0 include/liner.h lib/pkgconfig/liner.pc \
         lib/libliner-cpp.so include/liner/client.hpp include/liner/client_actor.hpp \
         include/liner/error_code.hpp \
         lib/cmake/liner/liner-config.cmake lib/cmake/liner/liner-config-version.cmake \
         lib/cmake/liner/liner-targets.cmake; do
  [ -e "$prefix/$f" ] || die "missing $f"
done
real=$(readlink -f "$prefix/lib/libliner.so")
case "$real" in "$prefix"/lib/libliner.so.*.*.*) ;; *) die "libliner.so resolves to $real" ;; esac
if readelf -d "$real" | grep -E 'R(UN)?PATH' | grep -q "$build"; then
  die "the installed library still points into the build tree"
fi
# No static library and no CAF header is installed.
extra=$(cd "$prefix" && find . -name '*.a' -o -path './include/caf*' || true)
[ -z "$extra" ] || die "unexpected installed files: $extra"

step "pkg-config"
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
[ "$(pkg-config --modversion liner)" = "$(sed -n 's/^Version: //p' "$prefix/lib/pkgconfig/liner.pc")" ] || die "pkg-config --modversion"
libdir=$(pkg-config --variable=libdir liner)
[ "$(readlink -f "$libdir")" = "$(readlink -f "$prefix/lib")" ] || die "pkg-config libdir is $libdir"
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror "${flags[@]}" "$consumer/consumer.c" -o "$tmp/consumer-pc" \
  $(pkg-config --cflags --libs liner) -lpthread -Wl,-rpath,"$libdir"
"$tmp/consumer-pc" "$tmp/pc.db"

# Configures, builds and runs a consumer project through find_package(liner).
#   with_find_package NAME SOURCE_DIR FLAGS_VARIABLE PROGRAM
with_find_package() {
  local name=$1 src=$2 flags_var=$3 program=$4
  cmake -S "$src" -B "$tmp/$name-build" -DCMAKE_PREFIX_PATH="$prefix" \
    -D"$flags_var=-Wall -Wextra -Werror ${flags[*]}" >"$tmp/$name-cmake.log" \
    || { cat "$tmp/$name-cmake.log"; die "configuring $name failed"; }
  cmake --build "$tmp/$name-build" >"$tmp/$name-build.log" \
    || { cat "$tmp/$name-build.log"; die "building $name failed"; }
  "$tmp/$name-build/$program" "$tmp/$name.db"
}

step "find_package(liner): liner::liner"
with_find_package c "$consumer" CMAKE_C_FLAGS consumer

step "find_package(liner): liner::cpp"
with_find_package cpp "$consumer/../consumer_cpp" CMAKE_CXX_FLAGS consumer_cpp

step "ok"
