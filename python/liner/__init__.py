"""liner: Python binding of liner-caf, a drop-in replacement for liner 1.4.1.

Programs written for liner's Python wrapper (``liner.py``) run unchanged::

    import liner
    liner.loadLib("/path/to/libliner.so")      # optional here: found by itself
    client = liner.Client.new_sqlite("c1", "topic1", "127.0.0.1:0", "/tmp/liner.db")
    client.run(lambda to, from_, data: print(to, from_, data))
    client.send_to("topic2", b"hello")

See docs/python.md for the whole API.
"""
from __future__ import annotations

from typing import Optional

from . import _lib
from . import constants as _constants
from . import errors as _errors
from ._inbox import Message
from .client import Client, ReceiveCallback, StatusCallback
from .constants import (
    ERR_ALREADY_RUNNING,
    ERR_BIND,
    ERR_BUSY,
    ERR_CLEAR_WHILE_RUNNING,
    ERR_INTERNAL_TOPIC,
    ERR_INVALID_ARG,
    ERR_NO_ADDR,
    ERR_NOT_RUNNING,
    ERR_SELF_TOPIC,
    ERR_STARTUP,
    ERR_STORE,
    INTERNAL_CHANNEL,
    LISTENER_STORE_ERROR,
    OK,
    PEER_CONNECTED,
    PEER_DISCONNECTED,
    PEER_SUBSCRIBED,
    PEER_UNSUBSCRIBED,
    SENDER_BUSY,
    SENDER_ROUTE_LOST,
    SENDER_SEND_ERROR,
    SENDER_STORE_ERROR,
    ErrorCode,
    StatusKind,
)
from .errors import (
    AlreadyRunningError,
    BindError,
    BusyError,
    ClearWhileRunningError,
    ClientClosedError,
    ClientInitError,
    InternalTopicError,
    InvalidArgError,
    LibraryNotFoundError,
    LinerError,
    NoAddrError,
    NotRunningError,
    SelfTopicError,
    StartupError,
    StoreError,
    code_name,
    error_for,
)
from .knobs import (
    get_compress_threshold,
    get_inbound_budget,
    get_max_inbound_connections,
    get_max_message_size,
    get_max_send_queue,
    get_send_buffer,
    get_send_timeout_ms,
    get_store_timeout_ms,
    get_first_frame_timeout_ms,
    get_heartbeat_ms,
    get_peer_timeout_ms,
    liner_version,
    postgres_enabled,
    set_compress_threshold,
    set_inbound_budget,
    set_max_inbound_connections,
    set_max_message_size,
    set_max_send_queue,
    set_send_buffer,
    set_send_timeout_ms,
    set_store_timeout_ms,
    set_first_frame_timeout_ms,
    set_heartbeat_ms,
    set_peer_timeout_ms,
    version,
)
from .log import set_log_callback, use_logging

#: Version of this Python package.
__version__ = "0.1.0"


def loadLib(path: str) -> None:
    """liner's wrapper API: loads the library file at ``path`` and uses it
    from now on (clients created before keep theirs). Optional here: the
    library is found by itself (see :func:`library_path`)."""
    _lib.load(path)


def load_library(path: Optional[str] = None) -> str:
    """Loads the library from ``path``, or searches for it again (see
    docs/python.md, "Finding the library"); returns the path loaded."""
    return _lib.load(path).path


def library_path() -> str:
    """The file (or loader name) of the library in use, loading it if
    needed. Raises :class:`LibraryNotFoundError` if there is none."""
    return _lib.get().path


__all__ = [
    "__version__",
    "loadLib",
    "load_library",
    "library_path",
    "version",
    "liner_version",
    "postgres_enabled",
    "set_log_callback",
    "use_logging",
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
    "Client",
    "Message",
    "ReceiveCallback",
    "StatusCallback",
]
# The constants and the error classes, as their modules list them.
__all__ += _constants.__all__
__all__ += _errors.__all__
