"""The process-wide log of the library.

Each line the library writes (at or above ``LINER_LOG``: trace, debug, info,
warn (the default), error, off) goes to stderr, as
``[2026-12-05 11:40:01.123] [warning] alice: <text>``, unless a callback is
set; the callback gets ``<Level> <client>: <text>`` (``Error alice: not
found addr for topic x``; the level is ``Error``, ``Warn``, ``Info``,
``Debug`` or ``Trace``). :func:`use_logging` sends the lines to Python's
:mod:`logging` instead, at the matching level.
"""
from __future__ import annotations

import threading
from typing import Any, Callable, List, Optional

from . import _callback_guard, _lib, _registry

import logging

__all__ = ["set_log_callback", "use_logging"]

_LEVELS = {"Error": logging.ERROR, "Warn": logging.WARNING, "Info": logging.INFO,
           "Debug": logging.DEBUG, "Trace": 5}

# Every callback object ever given to the library stays alive: a replaced one
# may still be running on another thread.
_kept: List[Any] = []
_kept_lock = threading.Lock()
_installed = False


def _decode(b: Optional[bytes]) -> str:
    return b.decode("utf-8", "replace") if b else ""


def set_log_callback(fn: Optional[Callable[[str], Any]]) -> bool:
    """Sends the library's error lines to ``fn(message: str)`` instead of
    stderr; ``None`` restores stderr.

    The callback runs on whichever thread logs (library threads included),
    possibly on several at once; it must not block for long. Always True.
    """
    global _installed
    lib = _lib.get()
    if fn is None:
        ok = bool(lib.fn.lnr_set_log_cb(_lib.null(_lib.LOG_CB), None))
        _installed = False
        return ok

    callback = fn

    def on_log(message: Optional[bytes], _udata: Any) -> None:
        with _callback_guard.entered():
            callback(_decode(message))

    cb = _lib.LOG_CB(on_log)
    with _kept_lock:
        _kept.append(cb)
    ok = bool(lib.fn.lnr_set_log_cb(cb, None))
    _installed = True
    return ok


def use_logging(logger: Optional[logging.Logger] = None) -> bool:
    """Sends the library's lines to ``logger`` (default
    ``logging.getLogger("liner")``) at the level each line has, without its
    level word: ``Warn alice: route to 'bob' lost`` becomes a WARNING record
    ``alice: route to 'bob' lost``. Which lines the library writes at all is
    ``LINER_LOG``'s choice (default warn); the logger filters further.
    Replaces any callback; ``set_log_callback(None)`` restores stderr.
    Always True."""
    target = logger if logger is not None else logging.getLogger("liner")

    def forward(line: str) -> None:
        word, _, text = line.partition(" ")
        level = _LEVELS.get(word)
        if level is None:  # not a level word: keep the whole line
            level, text = logging.ERROR, line
        target.log(level, "%s", text)

    return set_log_callback(forward)


def _reset_at_exit() -> None:
    # After exit the interpreter cannot run callbacks: back to stderr.
    lib = _lib.loaded()
    if _installed and lib is not None:
        lib.fn.lnr_set_log_cb(_lib.null(_lib.LOG_CB), None)


_registry.on_exit(_reset_at_exit)
