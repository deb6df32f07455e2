"""The two chores every Python example shares.

- Counter: the receive callbacks run on the clients' own threads; they count
  each message here, and the main thread waits (on a threading.Condition,
  with a deadline) until all the messages it expects have arrived.
- fresh_db: delete the SQLite file (and its -wal/-shm companions) so that
  every run starts from an empty store.
"""

import os
import threading


class Counter:
    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._count = 0

    def add(self) -> None:
        """One more message arrived (called from a receive callback, any thread)."""
        with self._changed:
            self._count += 1
            self._changed.notify_all()

    def wait_for(self, expected: int, timeout: float) -> int:
        """Waits until `expected` messages were counted, or `timeout` seconds
        have passed. Returns how many were counted."""
        with self._changed:
            self._changed.wait_for(lambda: self._count >= expected, timeout)
            return self._count


def fresh_db(path: str) -> None:
    """Deletes the SQLite file `path` and the files SQLite keeps next to it."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            os.remove(path + suffix)
        except FileNotFoundError:
            pass
