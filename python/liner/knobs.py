"""Process-wide settings of the library, and its versions.

They apply to every client of the process and may be changed at any time;
a change applies to messages sent (and frames read) afterwards.
"""
from __future__ import annotations

from typing import Optional

from . import _lib

__all__ = [
    "version",
    "liner_version",
    "set_max_message_size",
    "get_max_message_size",
    "set_compress_threshold",
    "get_compress_threshold",
    "set_max_send_queue",
    "get_max_send_queue",
    "postgres_enabled",
]


def version() -> str:
    """The library's version (``lnr_version``); "" if it returns NULL."""
    v: Optional[bytes] = _lib.get().fn.lnr_version()
    return v.decode("utf-8", "replace") if v else ""


def liner_version() -> str:
    """The liner version the library is a drop-in for (``lnr_liner_version``,
    "1.4.1"). With liner's own library, which lacks that symbol, its
    ``lnr_version``."""
    lib = _lib.get()
    if not lib.has("lnr_liner_version"):
        return version()
    v: Optional[bytes] = lib.fn.lnr_liner_version()
    return v.decode("utf-8", "replace") if v else ""


def postgres_enabled() -> bool:
    """Whether the library can create PostgreSQL clients."""
    lib = _lib.get()
    return lib.has("lnr_new_client_postgres")


def _size(n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"expected an int, got {type(n).__name__}")
    return n


def set_max_message_size(n: int) -> bool:
    """Largest frame body (21 + payload bytes) sent or accepted; default
    1 GiB. False (unchanged) for 0 or a negative value."""
    if _size(n) <= 0:
        return False
    return bool(_lib.get().fn.lnr_set_max_message_size(n))


def get_max_message_size() -> int:
    """See :func:`set_max_message_size`."""
    return int(_lib.get().fn.lnr_get_max_message_size())


def set_compress_threshold(n: int) -> bool:
    """Payloads strictly larger are zstd-compressed; default 1 MiB. False
    (unchanged) for 0 or a negative value."""
    if _size(n) <= 0:
        return False
    return bool(_lib.get().fn.lnr_set_compress_threshold(n))


def get_compress_threshold() -> int:
    """See :func:`set_compress_threshold`."""
    return int(_lib.get().fn.lnr_get_compress_threshold())


def set_max_send_queue(n: int) -> bool:
    """Per destination: messages waiting to be written plus at-least-once
    messages not yet acknowledged; a send beyond it fails with ``ERR_BUSY``.
    0 means unlimited (the default). False for a negative value."""
    if _size(n) < 0:
        return False
    return bool(_lib.get().fn.lnr_set_max_send_queue(n))


def get_max_send_queue() -> int:
    """See :func:`set_max_send_queue`."""
    return int(_lib.get().fn.lnr_get_max_send_queue())
