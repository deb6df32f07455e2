#!/usr/bin/env bash
# Compiles and runs every ```c block of a Markdown file (each is a complete
# program) against libliner.so, so the documentation's examples keep working.
# Each runs in a fresh temporary folder, with its SQLite file there.
#
#   check_doc_examples.sh DOC INCLUDE_DIR LIB_DIR [SANITIZERS]
set -euo pipefail
doc=$1
include=$2
libdir=$(cd "$3" && pwd)
sanitize=${4:-}

tmp=$(mktemp -d /tmp/liner-doc-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
flags=()
if [ -n "$sanitize" ]; then flags=("-fsanitize=$sanitize"); fi

awk -v dir="$tmp" '
  /^```c[[:space:]]*$/ { n++; file = sprintf("%s/example%d.c", dir, n); inside = 1; next }
  /^```/ && inside { inside = 0; close(file); next }
  inside { print > file }
' "$doc"

count=$(find "$tmp" -name 'example*.c' | wc -l)
if [ "$count" -eq 0 ]; then
  echo "no \`\`\`c blocks in $doc" >&2
  exit 1
fi
status=0
for src in "$tmp"/example*.c; do
  name=$(basename "$src" .c)
  echo "== $name"
  if ! cc -std=c11 -Wall -Wextra -Werror "${flags[@]}" -I"$include" "$src" -o "$tmp/$name" \
        -L"$libdir" -lliner -lpthread -Wl,-rpath,"$libdir"; then
    echo "$name: does not compile" >&2
    status=1
    continue
  fi
  mkdir "$tmp/$name.run"
  if ! (cd "$tmp/$name.run" && timeout 120 "$tmp/$name"); then
    echo "$name: failed" >&2
    status=1
  fi
done
[ "$status" = 0 ] && echo "all $count C examples of $(basename "$doc") compile and run"
exit "$status"
