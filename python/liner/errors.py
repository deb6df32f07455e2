"""Exceptions raised by the ``liner`` package.

Every exception of the package derives from :class:`LinerError`, which is a
plain :class:`Exception` (so ``except Exception`` keeps working for programs
written for liner's own wrapper). A failure reported by the library carries
the library's error code (``.code``, one of the ``ERR_*`` constants) and its
one-line message (``.message``); :func:`error_for` maps a code to its class.

Exceptions for failed calls are raised only by clients created with
``strict=True``; without it, methods return ``False``/``None``/``-1`` exactly
as liner's wrapper does.

``str(error)`` starts with liner's text and adds the code and, where the
library says more, the reason: ``you can't send_to because client not is
running (ERR_NOT_RUNNING 1)``, ``error init postgres client, check
postgres_url (ERR_STORE 7: could not create the client: connection to server
at "127.0.0.1", port 1 failed: Connection refused ...)``.
"""
from __future__ import annotations

from typing import Dict, Optional, Type

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
)

__all__ = [
    "LinerError",
    "LibraryNotFoundError",
    "ClientInitError",
    "ClientClosedError",
    "NotRunningError",
    "AlreadyRunningError",
    "SelfTopicError",
    "InternalTopicError",
    "NoAddrError",
    "BindError",
    "StoreError",
    "InvalidArgError",
    "ClearWhileRunningError",
    "StartupError",
    "BusyError",
    "error_for",
    "code_name",
]


class LinerError(Exception):
    """Base class of every exception of the package.

    Attributes:
        code: the library's error code (``liner.ERR_*``), or ``None`` when the
            error does not come from a client's last error (library not found,
            client creation failed, client closed).
        message: the message, as the library (or liner's wrapper) words it;
            ``str(error)`` starts with it and adds the code and the reason.
        reason: what the library says went wrong, when it says more than
            ``message`` (e.g. why a constructor failed); "" otherwise.
    """

    def __init__(self, message: str, code: Optional[int] = None, reason: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.reason = reason

    def __str__(self) -> str:
        if self.code is None:
            return self.message
        name = code_name(self.code)
        detail = name if name == f"code {self.code}" else f"{name} {self.code}"
        if self.reason and self.reason != self.message:
            detail += f": {self.reason}"
        return f"{self.message} ({detail})"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class LibraryNotFoundError(LinerError, OSError):
    """``libliner.so`` could not be found or loaded (see ``liner.library_path``)."""


class ClientInitError(LinerError):
    """A constructor got ``NULL`` from the library. ``message`` is liner's
    text (e.g. ``error init sqlite client, check sqlite_path /
    receivers_json``); ``code`` and ``reason`` say why, when the library
    tells (``lnr_creation_error_code`` / ``lnr_creation_error_message``)."""


class ClientClosedError(LinerError):
    """A strict client was used after :meth:`liner.Client.close`."""


class NotRunningError(LinerError):
    """``ERR_NOT_RUNNING`` (1): the call needs a running client."""


class AlreadyRunningError(LinerError):
    """``ERR_ALREADY_RUNNING`` (2): the call needs a stopped client."""


class SelfTopicError(LinerError):
    """``ERR_SELF_TOPIC`` (3): the client's own topic is not allowed here."""


class InternalTopicError(LinerError):
    """``ERR_INTERNAL_TOPIC`` (4): ``__#internal_channel`` is reserved."""


class NoAddrError(LinerError):
    """``ERR_NO_ADDR`` (5): no address is registered for the topic."""


class BindError(LinerError):
    """``ERR_BIND`` (6): the listen address could not be resolved or bound."""


class StoreError(LinerError):
    """``ERR_STORE`` (7): the store (SQLite / PostgreSQL) failed."""


class InvalidArgError(LinerError, ValueError):
    """``ERR_INVALID_ARG`` (8): an argument was refused (empty payload, too
    large, bad advertise address, empty topic...)."""


class ClearWhileRunningError(LinerError):
    """``ERR_CLEAR_WHILE_RUNNING`` (9): ``clear_*`` needs a stopped client."""


class StartupError(LinerError):
    """``ERR_STARTUP`` (10): the client's threads could not start."""


class BusyError(LinerError):
    """``ERR_BUSY`` (11): the peer's send queue is full (``max_send_queue``)."""


_BY_CODE: Dict[int, Type[LinerError]] = {
    ERR_NOT_RUNNING: NotRunningError,
    ERR_ALREADY_RUNNING: AlreadyRunningError,
    ERR_SELF_TOPIC: SelfTopicError,
    ERR_INTERNAL_TOPIC: InternalTopicError,
    ERR_NO_ADDR: NoAddrError,
    ERR_BIND: BindError,
    ERR_STORE: StoreError,
    ERR_INVALID_ARG: InvalidArgError,
    ERR_CLEAR_WHILE_RUNNING: ClearWhileRunningError,
    ERR_STARTUP: StartupError,
    ERR_BUSY: BusyError,
}


def code_name(code: int) -> str:
    """``ERR_STORE`` for 7, ``OK`` for 0, ``code 42`` for one the package does
    not know."""
    from .constants import ErrorCode

    try:
        name = ErrorCode(code).name
    except ValueError:
        return f"code {code}"
    return name if name == "OK" else "ERR_" + name


def error_for(code: int, message: str) -> LinerError:
    """The exception for a library error code (``LinerError`` itself for a
    code the package does not know, or for ``OK`` when a call failed without
    saying why)."""
    cls = _BY_CODE.get(code, LinerError)
    if not message:
        message = "liner call failed"  # str() adds the code
    return cls(message, code)
