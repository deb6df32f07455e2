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
    "set_inbound_budget",
    "get_inbound_budget",
    "set_max_inbound_connections",
    "get_max_inbound_connections",
    "set_send_buffer",
    "get_send_buffer",
    "set_send_timeout_ms",
    "get_send_timeout_ms",
    "set_store_timeout_ms",
    "get_store_timeout_ms",
    "set_first_frame_timeout_ms",
    "get_first_frame_timeout_ms",
    "set_heartbeat_ms",
    "get_heartbeat_ms",
    "set_peer_timeout_ms",
    "get_peer_timeout_ms",
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


def _extension(name: str) -> object:
    """The liner-caf function ``name``, or None with liner's own library."""
    lib = _lib.get()
    return getattr(lib.fn, name) if lib.has(name) else None


def set_inbound_budget(n: int) -> bool:
    """Bytes of partial frames and decompressed payloads the process holds
    at once (default 256 MiB, ``LINER_INBOUND_BUDGET``); over it the
    connection with the largest partial frame is closed. False (unchanged)
    for 0, a negative value, or a library without it."""
    fn = _extension("lnr_set_inbound_budget")
    if _size(n) <= 0 or fn is None:
        return False
    return bool(fn(n))


def get_inbound_budget() -> int:
    """See :func:`set_inbound_budget`; 0 with a library without it."""
    fn = _extension("lnr_get_inbound_budget")
    return int(fn()) if fn is not None else 0


def set_max_inbound_connections(n: int) -> bool:
    """Inbound connections one client keeps open (default 512,
    ``LINER_MAX_INBOUND_CONNECTIONS``); more are closed at once. False
    (unchanged) for 0, a negative value, or a library without it."""
    fn = _extension("lnr_set_max_inbound_connections")
    if _size(n) <= 0 or fn is None:
        return False
    return bool(fn(n))


def get_max_inbound_connections() -> int:
    """See :func:`set_max_inbound_connections`; 0 with a library without it."""
    fn = _extension("lnr_get_max_inbound_connections")
    return int(fn()) if fn is not None else 0


def set_send_buffer(n: int) -> bool:
    """Bytes one route (one peer address) holds unwritten before a send
    waits for room, at most the send timeout; then the send fails with
    :class:`BusyError` (default 256 KiB, ``LINER_SEND_BUFFER``; 0 = unlimited,
    liner's behaviour). A send from inside a callback never waits. False
    (unchanged) for a negative value or a library without it."""
    fn = _extension("lnr_set_send_buffer")
    if _size(n) < 0 or fn is None:
        return False
    return bool(fn(n))


def get_send_buffer() -> int:
    """See :func:`set_send_buffer`; 0 with a library without it."""
    fn = _extension("lnr_get_send_buffer")
    return int(fn()) if fn is not None else 0


def set_send_timeout_ms(ms: int) -> bool:
    """Longest a send waits for room in the send buffer (default 1000 ms,
    ``LINER_SEND_TIMEOUT_MS``; 0 = fail at once). False (unchanged) for a
    negative value, one above a day (86400000), or a library without it."""
    return _set_timeout("lnr_set_send_timeout_ms", ms)


def get_send_timeout_ms() -> int:
    """See :func:`set_send_timeout_ms`; 0 with a library without it."""
    fn = _extension("lnr_get_send_timeout_ms")
    return int(fn()) if fn is not None else 0


def _set_timeout(name: str, ms: int) -> bool:
    fn = _extension(name)
    if _size(ms) < 0 or ms > 0xFFFFFFFF or fn is None:
        return False
    return bool(fn(ms))


def set_store_timeout_ms(ms: int) -> bool:
    """Longest a call waits for the store before failing with
    :class:`StoreError` (default 5000 ms, ``LINER_STORE_TIMEOUT_MS``).
    Process-wide. False (unchanged) for 0, a negative value, one above a day
    (86400000), or a library without it."""
    return _set_timeout("lnr_set_store_timeout_ms", ms)


def get_store_timeout_ms() -> int:
    """See :func:`set_store_timeout_ms`; 0 with a library without it."""
    fn = _extension("lnr_get_store_timeout_ms")
    return int(fn()) if fn is not None else 0


def set_first_frame_timeout_ms(ms: int) -> bool:
    """An inbound connection that has not sent one complete valid frame (or
    finished its handshake) after this long is closed (default 5000 ms,
    ``LINER_FIRST_FRAME_TIMEOUT_MS``). Process-wide. False (unchanged) for 0,
    a negative value, one above a day, or a library without it."""
    return _set_timeout("lnr_set_first_frame_timeout_ms", ms)


def get_first_frame_timeout_ms() -> int:
    """See :func:`set_first_frame_timeout_ms`; 0 with a library without it."""
    fn = _extension("lnr_get_first_frame_timeout_ms")
    return int(fn()) if fn is not None else 0


def set_heartbeat_ms(ms: int) -> bool:
    """A connection between two liner-caf peers that wrote nothing for this
    long writes a heartbeat (default 2000 ms, ``LINER_HEARTBEAT_MS``; 0 turns
    them off). Never sent to Rust liner peers. Process-wide. False
    (unchanged) for 1 to 9, a negative value, one above a day, or a library
    without it."""
    return _set_timeout("lnr_set_heartbeat_ms", ms)


def get_heartbeat_ms() -> int:
    """See :func:`set_heartbeat_ms`; 0 with a library without it."""
    fn = _extension("lnr_get_heartbeat_ms")
    return int(fn()) if fn is not None else 0


def set_peer_timeout_ms(ms: int) -> bool:
    """A peer heard from not at all for this long is lost (default 10000
    ms, ``LINER_PEER_TIMEOUT_MS``): the sender reports
    ``SENDER_ROUTE_LOST``, keeps its at-least-once messages and reconnects.
    Also every connection's TCP_USER_TIMEOUT and keepalive. Process-wide.
    False (unchanged) below 100, above a day, or with a library without it."""
    return _set_timeout("lnr_set_peer_timeout_ms", ms)


def get_peer_timeout_ms() -> int:
    """See :func:`set_peer_timeout_ms`; 0 with a library without it."""
    fn = _extension("lnr_get_peer_timeout_ms")
    return int(fn()) if fn is not None else 0
