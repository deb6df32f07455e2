"""The process-wide error log of the library.

Every failure the library notices is logged as one line,
``Error <file>:<line>: <message>``, to stderr unless a callback is set.
"""
from __future__ import annotations

import threading
from typing import Any, Callable, List, Optional

from . import _callback_guard, _lib, _registry

__all__ = ["set_log_callback"]

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


def _reset_at_exit() -> None:
    # After exit the interpreter cannot run callbacks: back to stderr.
    lib = _lib.loaded()
    if _installed and lib is not None:
        lib.fn.lnr_set_log_cb(_lib.null(_lib.LOG_CB), None)


_registry.on_exit(_reset_at_exit)
