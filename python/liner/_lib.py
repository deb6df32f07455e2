"""Finding and loading ``libliner.so``; the C prototypes, declared once.

Where the library comes from (first match wins; see :func:`candidates`):

1. ``liner.loadLib(path)`` (liner's wrapper API) or :func:`load`, if called;
2. the environment variable ``LINER_LIBRARY`` (a path; no fallback if it is
   set but cannot be loaded);
3. the package's own folder (``libliner.so.0`` / ``libliner.so`` copied in by
   ``pip install`` when the library was built, see ``setup.py``);
4. the build tree, when the package runs from its source tree
   (``<repo>/build/lib``);
5. the system loader: ``libliner.so.0``, ``libliner.so`` (``LD_LIBRARY_PATH``,
   the ``ldconfig`` cache, e.g. after ``cmake --install`` into ``/usr/local``
   and ``ldconfig``), then ``ctypes.util.find_library("liner")``.

A library found by the system loader is reported (``Library.path``,
``liner.library_path()``) as the file the loader chose, not as the bare name.

The library is loaded on first use, not at import, and stays loaded for the
life of the process. ``argtypes``/``restype`` are set once per loaded library,
for the symbols it has: a library without some symbol (e.g. liner's own
``libliner_broker.so`` has no ``lnr_liner_version``) only fails when that
function is used.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading
from ctypes import c_bool, c_char_p, c_int, c_longlong, c_size_t, c_uint, c_void_p
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .errors import LibraryNotFoundError

__all__ = [
    "RECEIVE_CB",
    "STATUS_CB",
    "LOG_CB",
    "ADDR_CB",
    "PENDING_CB",
    "Library",
    "null",
    "candidates",
    "get",
    "load",
    "loaded",
    "ENV_VAR",
]

#: Environment variable naming the library file to load.
ENV_VAR = "LINER_LIBRARY"

_NAMES = ("libliner.so.0", "libliner.so")

# Callback types. Data pointers are c_void_p (payloads are binary and sized);
# strings are c_char_p (the library never passes NULL, "" instead).
RECEIVE_CB = ctypes.CFUNCTYPE(None, c_char_p, c_char_p, c_void_p, c_size_t, c_void_p)
STATUS_CB = ctypes.CFUNCTYPE(None, c_int, c_char_p, c_char_p, c_char_p, c_void_p)
LOG_CB = ctypes.CFUNCTYPE(None, c_char_p, c_void_p)
ADDR_CB = ctypes.CFUNCTYPE(None, c_char_p, c_char_p, c_void_p)
PENDING_CB = ctypes.CFUNCTYPE(None, c_char_p, c_char_p, c_char_p, c_longlong, c_void_p)

# BOOL is declared c_bool as in liner's wrapper: it reads the low byte, which
# is right both for this library (an int that is exactly 0 or 1) and for
# liner's Rust library (a 1-byte bool).
_H = c_void_p
_PROTOTYPES: Dict[str, Tuple[Sequence[object], object]] = {
    "lnr_version": ((), c_char_p),
    "lnr_liner_version": ((), c_char_p),
    "lnr_new_client_redis": ((c_char_p, c_char_p, c_char_p, c_char_p), _H),
    "lnr_new_client": ((c_char_p, c_char_p, c_char_p, c_char_p), _H),
    "lnr_new_client_sqlite": ((c_char_p, c_char_p, c_char_p, c_char_p, c_char_p), _H),
    "lnr_new_client_postgres": ((c_char_p, c_char_p, c_char_p, c_char_p), _H),
    "lnr_postgres_enabled": ((), ctypes.c_ubyte),
    "lnr_run": ((_H, RECEIVE_CB, c_void_p), c_bool),
    "lnr_stop": ((_H,), c_bool),
    "lnr_is_running": ((_H,), c_bool),
    "lnr_delete_client": ((_H,), c_bool),
    "lnr_send_to": ((_H, c_char_p, c_void_p, c_size_t, c_bool), c_bool),
    "lnr_send_all": ((_H, c_char_p, c_void_p, c_size_t, c_bool), c_bool),
    "lnr_subscribe": ((_H, c_char_p), c_bool),
    "lnr_unsubscribe": ((_H, c_char_p), c_bool),
    "lnr_refresh_address_topic": ((_H, c_char_p), c_bool),
    "lnr_clear_stored_messages": ((_H,), c_bool),
    "lnr_clear_addresses_of_topic": ((_H,), c_bool),
    "lnr_set_status_cb": ((_H, STATUS_CB, c_void_p), c_bool),
    "lnr_set_log_cb": ((LOG_CB, c_void_p), c_bool),
    "lnr_last_error_code": ((_H,), c_int),
    "lnr_last_error_message": ((_H,), c_char_p),
    "lnr_list_addresses": ((_H, c_char_p, ADDR_CB, c_void_p), c_bool),
    "lnr_pending_count": ((_H,), c_longlong),
    "lnr_pending_by_peer": ((_H, PENDING_CB, c_void_p), c_bool),
    "lnr_set_max_message_size": ((c_size_t,), c_bool),
    "lnr_get_max_message_size": ((), c_size_t),
    "lnr_set_compress_threshold": ((c_size_t,), c_bool),
    "lnr_get_compress_threshold": ((), c_size_t),
    "lnr_set_max_send_queue": ((c_size_t,), c_bool),
    "lnr_get_max_send_queue": ((), c_size_t),
    "lnr_set_advertise_addr": ((_H, c_char_p), c_bool),
    "lnr_advertise_addr": ((_H,), c_char_p),
    "lnr_bound_listen_addr": ((_H,), c_char_p),
    "lnr_published_addr": ((_H,), c_char_p),
    # liner-caf only (liner 1.4.1's library lacks them: check Library.has)
    "lnr_creation_error_code": ((), c_int),
    "lnr_creation_error_message": ((), c_char_p),
    "lnr_stats_json": ((_H,), c_char_p),
    "lnr_set_auth_secret": ((_H, c_char_p), c_bool),
    "lnr_set_durable": ((_H, c_bool), c_bool),
    "lnr_set_tls": ((_H, c_char_p, c_char_p, c_char_p), c_bool),
    "lnr_set_inbound_budget": ((c_size_t,), c_bool),
    "lnr_get_inbound_budget": ((), c_size_t),
    "lnr_set_max_inbound_connections": ((c_size_t,), c_bool),
    "lnr_get_max_inbound_connections": ((), c_size_t),
    "lnr_set_send_buffer": ((c_size_t,), c_bool),
    "lnr_get_send_buffer": ((), c_size_t),
    "lnr_set_send_timeout_ms": ((c_uint,), c_bool),
    "lnr_get_send_timeout_ms": ((), c_uint),
    "lnr_set_store_timeout_ms": ((c_uint,), c_bool),
    "lnr_get_store_timeout_ms": ((), c_uint),
    "lnr_set_first_frame_timeout_ms": ((c_uint,), c_bool),
    "lnr_get_first_frame_timeout_ms": ((), c_uint),
    "lnr_set_heartbeat_ms": ((c_uint,), c_bool),
    "lnr_get_heartbeat_ms": ((), c_uint),
    "lnr_set_peer_timeout_ms": ((c_uint,), c_bool),
    "lnr_get_peer_timeout_ms": ((), c_uint),
}


def null(cb_type: Any) -> Any:
    """A NULL function pointer of the callback type ``cb_type`` (clears a
    callback)."""
    return cb_type()


class _LinkMap(ctypes.Structure):
    # The start of glibc's struct link_map (<link.h>): l_addr, l_name.
    _fields_ = [("l_addr", c_void_p), ("l_name", c_char_p)]


_RTLD_DI_LINKMAP = 2


def _loaded_file(cdll: ctypes.CDLL) -> Optional[str]:
    """The file the dynamic loader opened for ``cdll`` (``dlinfo``), or None
    where that cannot be told."""
    try:
        dlinfo = ctypes.CDLL(None).dlinfo
    except (OSError, AttributeError):
        return None
    dlinfo.argtypes = [c_void_p, c_int, c_void_p]
    dlinfo.restype = c_int
    link_map = ctypes.POINTER(_LinkMap)()
    try:
        if dlinfo(cdll._handle, _RTLD_DI_LINKMAP, ctypes.byref(link_map)) != 0:
            return None
        name = link_map.contents.l_name if link_map else None
    except (OSError, ValueError):
        return None
    return os.fsdecode(name) if name else None


class Library:
    """One loaded ``libliner``: the ``ctypes.CDLL`` with its prototypes set.

    ``lib.fn`` is the CDLL (``lib.fn.lnr_send_to(...)``); :meth:`has` tells
    whether a symbol exists. ``path`` is the file loaded (for a bare name
    such as ``libliner.so.0``, the file the system loader chose); ``name`` is
    what was asked for.
    """

    def __init__(self, path: str) -> None:
        self.name = path
        self.path = path
        self.fn = ctypes.CDLL(path)
        if "/" not in path:
            self.path = _loaded_file(self.fn) or path
        for name, (argtypes, restype) in _PROTOTYPES.items():
            try:
                f = getattr(self.fn, name)
            except AttributeError:
                continue
            f.argtypes = list(argtypes)
            f.restype = restype

    def has(self, name: str) -> bool:
        """Whether the library exports ``name``."""
        try:
            getattr(self.fn, name)
        except AttributeError:
            return False
        return True

    def __repr__(self) -> str:
        return f"<liner library {self.path!r}>"


_lock = threading.Lock()
_current: Optional[Library] = None


def _source_tree_build_dir() -> Optional[Path]:
    """``<repo>/build/lib`` when this package is the one in the repository's
    ``python/`` folder, else None."""
    package = Path(__file__).resolve().parent
    repo = package.parent.parent
    if package.parent.name != "python" or not (repo / "capi" / "include" / "liner.h").is_file():
        return None
    return repo / "build" / "lib"


def candidates() -> List[str]:
    """Where the library is looked for, in order (files that exist, then
    names for the system loader). With ``LINER_LIBRARY`` set, only that."""
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return [env]
    found: List[str] = []
    folders = [Path(__file__).resolve().parent]
    build = _source_tree_build_dir()
    if build is not None:
        folders.append(build)
    for folder in folders:
        for name in _NAMES:
            if (folder / name).exists():
                found.append(str(folder / name))
    found.extend(_NAMES)
    system = ctypes.util.find_library("liner")
    if system and system not in found:
        found.append(system)
    return found


def load(path: Optional[str] = None) -> Library:
    """Loads the library from ``path`` (or searches for it, see
    :func:`candidates`) and makes it the one new clients and the module
    functions use. Raises :class:`~liner.LibraryNotFoundError`."""
    global _current
    with _lock:
        if path is not None:
            try:
                lib = Library(os.fspath(path))
            except OSError as e:
                raise LibraryNotFoundError(f"lib not load: {path}: {e}") from e
        else:
            lib = _search()
        _current = lib
        return lib


def _search() -> Library:
    tried: List[str] = []
    for candidate in candidates():
        try:
            return Library(candidate)
        except OSError as e:
            tried.append(f"{candidate} ({e})")
    raise LibraryNotFoundError(
        "lib not load: libliner not found; tried "
        + "; ".join(tried)
        + f". Set {ENV_VAR} to the library file, or call liner.loadLib(path)"
    )


def get() -> Library:
    """The current library, loading it on first use."""
    global _current
    lib = _current
    if lib is not None:
        return lib
    with _lock:
        if _current is None:
            _current = _search()
        return _current


def loaded() -> Optional[Library]:
    """The current library if one was loaded, without loading one."""
    return _current
