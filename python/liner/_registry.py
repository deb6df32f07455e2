"""Clients alive in this process, and their orderly end.

* Every open client is tracked (weakly). At interpreter exit (``atexit``,
  while Python can still run callbacks) each one is closed, so at-least-once
  messages still in memory are stored, as a ``stop()`` would; then the log
  callback, if one was set from Python, is removed so that the library never
  calls into a finished interpreter.
* A client closed from inside a library callback (or garbage-collected
  there) cannot be deleted on that thread: the library would wait for the
  callback that is asking. :func:`delete_later` deletes it on a helper
  thread instead, keeping its callback objects alive until then.
"""
from __future__ import annotations

import atexit
import threading
import weakref
from typing import Any, Callable, List, Set

from . import _lib

__all__ = ["track", "forget", "delete_later", "on_exit"]

_live: "weakref.WeakSet[Any]" = weakref.WeakSet()
_pending: Set[threading.Thread] = set()
_pending_lock = threading.Lock()
_exit_hooks: List[Callable[[], None]] = []

# How long the exit handler waits for deletions started from callbacks.
_EXIT_JOIN_TIMEOUT = 60.0


def track(client: Any) -> None:
    """Registers an open client (closed at exit if still open)."""
    _live.add(client)


def forget(client: Any) -> None:
    """Unregisters a client that is being closed."""
    _live.discard(client)


def _delete(lib: "_lib.Library", handle: int, keep: List[Any]) -> None:
    try:
        lib.fn.lnr_delete_client(handle)
    finally:
        keep.clear()
        with _pending_lock:
            _pending.discard(threading.current_thread())


def delete_later(lib: "_lib.Library", handle: int, keep: List[Any]) -> None:
    """Deletes ``handle`` on a helper thread; ``keep`` (the client's callback
    objects) stays referenced until the library has let go of them."""
    t = threading.Thread(
        target=_delete, args=(lib, handle, list(keep)), name="liner-close", daemon=True
    )
    with _pending_lock:
        _pending.add(t)
    t.start()


def on_exit(hook: Callable[[], None]) -> None:
    """Runs ``hook`` at exit after every client was closed."""
    _exit_hooks.append(hook)


def _close_all() -> None:
    for client in list(_live):
        try:
            client.close()
        except Exception:  # pragma: no cover - best effort at exit
            pass
    with _pending_lock:
        pending = list(_pending)
    for t in pending:
        t.join(_EXIT_JOIN_TIMEOUT)
    for hook in _exit_hooks:
        try:
            hook()
        except Exception:  # pragma: no cover - best effort at exit
            pass


atexit.register(_close_all)
