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

step "find_package(liner)"
cmake -S "$consumer" -B "$tmp/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_C_FLAGS="-Wall -Wextra -Werror ${flags[*]}" >"$tmp/cmake.log" \
  || { cat "$tmp/cmake.log"; die "configuring the consumer failed"; }
cmake --build "$tmp/cmake-build" >"$tmp/build.log" || { cat "$tmp/build.log"; die "building the consumer failed"; }
"$tmp/cmake-build/consumer" "$tmp/cmake.db"

step "find_package(liner): liner::cpp"
cmake -S "$consumer/../consumer_cpp" -B "$tmp/cpp-build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_CXX_FLAGS="-Wall -Wextra -Werror ${flags[*]}" >"$tmp/cmake-cpp.log" \
  || { cat "$tmp/cmake-cpp.log"; die "configuring the C++ consumer failed"; }
cmake --build "$tmp/cpp-build" >"$tmp/build-cpp.log" || { cat "$tmp/build-cpp.log"; die "building the C++ consumer failed"; }
"$tmp/cpp-build/consumer_cpp" "$tmp/cpp.db"

step "ok"
