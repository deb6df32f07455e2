#!/usr/bin/env bash
# libliner.so exports exactly the functions declared in liner.h (57 names:
# liner 1.4.1's 34 plus liner-caf's lnr_liner_version, lnr_creation_error_code,
# lnr_creation_error_message,
# lnr_set_auth_secret, lnr_set_tls, lnr_set_durable and the inbound limits' four setters and
# getters, the send buffer's four, the store and first-frame timeouts' four, the
# heartbeat and peer timeout's four, and
# lnr_stats_json), and
# its SONAME is libliner.so.0.
#
#   check_exports.sh LIBRARY HEADER
set -euo pipefail
lib=$1
header=$2

want=$(grep -E '^LINER_API' "$header" | grep -oE '\blnr_[a-z_]+\(' | tr -d '(' | sort -u)
got=$(nm -D --defined-only "$lib" | awk '{print $NF}' | sort -u)

status=0
if [ "$(printf '%s\n' "$want" | wc -l)" -ne 57 ]; then
  echo "expected 57 functions in $header, found:" >&2
  printf '%s\n' "$want" >&2
  status=1
fi
if [ "$want" != "$got" ]; then
  echo "exported symbols differ from the header (< header only, > library only):" >&2
  diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") >&2 || true
  status=1
fi
soname=$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
if [ "$soname" != "libliner.so.0" ]; then
  echo "SONAME is '$soname', expected libliner.so.0" >&2
  status=1
fi
[ "$status" = 0 ] && echo "libliner.so exports the 57 lnr_* functions of liner.h, SONAME $soname"
exit "$status"
