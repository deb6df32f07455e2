"""What every Python callback the package hands to the library runs inside.

The library calls back on its own threads (delivery, status, log). Each
callback runs between :func:`enter` and :func:`leave` (or inside
:func:`entered`), which do two things:

- :func:`inside` then tells the client code that it runs on a library thread
  in the middle of a callback, where deleting a client must not happen
  synchronously (the library joins the very thread that is asking);
- the library thread keeps its Python thread state from one callback to the
  next. ctypes makes one for a thread Python did not start at every call and
  throws it away afterwards: that made a received message cost 27 µs instead
  of 2.4 (``bench/python_overhead.py`` in the repository) and gave
  ``threading.local`` a fresh, empty view in every callback.
"""
from __future__ import annotations

import ctypes
import threading
from contextlib import contextmanager
from typing import Iterator

__all__ = ["enter", "leave", "entered", "inside"]

_state = threading.local()


def enter() -> None:
    """Marks the current thread as running a library callback."""
    depth = getattr(_state, "depth", None)
    if depth is None:
        # First callback on this thread: one more PyGILState_Ensure than
        # release, so the thread state (and the GIL's bookkeeping for it)
        # outlives this call. The GIL itself is still released when the
        # callback returns (ctypes' own release sees it was unlocked before).
        ctypes.pythonapi.PyGILState_Ensure()
        depth = 0
    _state.depth = depth + 1


def leave() -> None:
    """Ends what :func:`enter` began."""
    _state.depth -= 1


@contextmanager
def entered() -> Iterator[None]:
    """:func:`enter` and :func:`leave` around a block."""
    enter()
    try:
        yield
    finally:
        leave()


def inside() -> bool:
    """True while the current thread runs a library callback."""
    return getattr(_state, "depth", 0) > 0
