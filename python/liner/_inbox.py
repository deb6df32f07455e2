"""The queue behind ``Client.run()`` without a callback (pull-style receive).

Messages are appended on the library's delivery thread and taken by
``Client.receive()`` / ``Client.messages()`` on any thread. The inbox is
unbounded: the library's thread never waits for the consumer. The condition's
lock is only held for the list operations, never across a call into the
library.
"""
from __future__ import annotations

import collections
import threading
import time
from typing import Deque, NamedTuple, Optional

__all__ = ["Message", "Inbox"]


class Message(NamedTuple):
    """One received message; unpacks as ``to, from_, data``."""

    to: str
    """The topic it was sent to (the client's topic or a subscription)."""
    from_: str
    """The sender's topic ("" when the store does not know it yet)."""
    data: bytes
    """The payload."""


class Inbox:
    """A thread-safe FIFO of :class:`Message` with an "ended" state."""

    def __init__(self) -> None:
        self._items: Deque[Message] = collections.deque()
        self._cond = threading.Condition(threading.Lock())
        self._ended = True

    def put(self, to: str, from_: str, data: bytes) -> None:
        """Appends a message (called on the library's delivery thread)."""
        with self._cond:
            self._items.append(Message(to, from_, data))
            self._cond.notify_all()

    def start(self) -> None:
        """The client runs: readers wait for messages again."""
        with self._cond:
            self._ended = False

    def end(self) -> None:
        """The client stopped or closed: readers get what is left, then None."""
        with self._cond:
            self._ended = True
            self._cond.notify_all()

    def get(self, timeout: Optional[float] = None) -> Optional[Message]:
        """The oldest message; None if there is none within ``timeout``
        seconds (``None`` waits without limit) or the inbox has ended and is
        empty."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while not self._items:
                if self._ended:
                    return None
                if deadline is None:
                    self._cond.wait()
                else:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return None
                    self._cond.wait(left)
            return self._items.popleft()

    def __len__(self) -> int:
        with self._cond:
            return len(self._items)
