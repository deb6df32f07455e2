"""Knowing whether the current thread is inside a library callback.

Every Python callback the package hands to the library runs inside
:func:`entered`. :func:`inside` then tells the client code that it runs on a
library thread in the middle of a callback, where deleting a client must not
happen synchronously (the library joins the very thread that is asking).
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator

__all__ = ["entered", "inside"]

_state = threading.local()


@contextmanager
def entered() -> Iterator[None]:
    """Marks the current thread as running a library callback."""
    _state.depth = getattr(_state, "depth", 0) + 1
    try:
        yield
    finally:
        _state.depth -= 1


def inside() -> bool:
    """True while the current thread runs a library callback."""
    return getattr(_state, "depth", 0) > 0
