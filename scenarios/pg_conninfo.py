"""PostgreSQL connection strings changed through libpq's own parser
(PQconninfoParse, through ctypes), never by editing their text: URLs and
key=value strings alike. The Python side of stores/pg_conninfo.cpp, for the
test tools (the scenarios and python/tests)."""

import ctypes
import ctypes.util
from typing import Dict


class _Option(ctypes.Structure):  # PQconninfoOption
    _fields_ = [("keyword", ctypes.c_char_p), ("envvar", ctypes.c_char_p),
                ("compiled", ctypes.c_char_p), ("val", ctypes.c_char_p),
                ("label", ctypes.c_char_p), ("dispchar", ctypes.c_char_p),
                ("dispsize", ctypes.c_int)]


def _libpq() -> ctypes.CDLL:
    lib = ctypes.CDLL(ctypes.util.find_library("pq") or "libpq.so.5")
    lib.PQconninfoParse.restype = ctypes.POINTER(_Option)
    lib.PQconninfoParse.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
    lib.PQconninfoFree.argtypes = [ctypes.POINTER(_Option)]
    lib.PQfreemem.argtypes = [ctypes.c_void_p]
    return lib


def parse(conninfo: str) -> Dict[str, str]:
    """The settings `conninfo` gives, as libpq reads them. ValueError with
    libpq's message when it cannot."""
    lib = _libpq()
    err = ctypes.c_void_p()
    opts = lib.PQconninfoParse(conninfo.encode(), ctypes.byref(err))
    if not opts:
        why = ctypes.string_at(err.value).decode(errors="replace").strip() if err.value else ""
        if err.value:
            lib.PQfreemem(err)
        raise ValueError("not a PostgreSQL connection string: " + (why or conninfo))
    try:
        out = {}
        i = 0
        while opts[i].keyword:
            if opts[i].val is not None:
                out[opts[i].keyword.decode()] = opts[i].val.decode()
            i += 1
        return out
    finally:
        lib.PQconninfoFree(opts)


def _quoted(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def with_server_option(conninfo: str, option: str) -> str:
    """`conninfo` (a URL or key=value string) with `option`, one server
    option such as ``-csearch_path=s``, appended to its ``options``; written
    back as a key=value string."""
    settings = parse(conninfo)
    settings["options"] = (settings.get("options", "") + " " + option).strip()
    return " ".join(f"{k}={_quoted(v)}" for k, v in settings.items())


def is_postgres_location(location: str) -> bool:
    """As `liner --store`: a postgres:// or postgresql:// URL, or a key=value
    string libpq parses; anything else is a SQLite path."""
    if location.startswith(("postgresql://", "postgres://")):
        return True
    if "=" not in location:
        return False
    try:
        parse(location)
        return True
    except ValueError:
        return False
