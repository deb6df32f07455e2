#!/usr/bin/env python3
"""What the Python package adds to the C ABI, per call.

  python3 bench/python_overhead.py [--count N] [--rounds R]

Three figures, each the median over R rounds of N messages of 100 bytes,
best effort, on a fresh SQLite file:

- send: ``Client.send_to`` from Python, ns per call, with the receiver run
  through the C ABI with a C callback (no Python on the receiving side), so
  only the Python layer of the sender is measured. Compare with
  ``liner-bench pair --size 100``'s "send call" figure for ``capi``.
- receive: the receiving client's Python callback, µs per message, fed by a
  C++ ``liner-peer`` process (the build tree's ``build/bin/liner-peer``).
- pair: a Python sender and a Python receive callback in one process, µs
  per message from the first send to the last receive.

The library is found as the package finds it (``LINER_LIBRARY``, else the
build tree).
"""
from __future__ import annotations

import argparse
import ctypes
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "python"))

import liner  # noqa: E402
from liner import _lib  # noqa: E402

PAYLOAD = b"x" * 100


class Counter:
    """Counts messages and wakes a waiter once `expected` arrived."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.got = 0
        self.first = 0.0
        self.last = 0.0
        self.done = threading.Event()

    def __call__(self, _to: str, _frm: str, _data: bytes) -> None:
        now = time.perf_counter()
        if self.got == 0:
            self.first = now
        self.got += 1
        self.last = now
        if self.got >= self.expected:
            self.done.set()


def store(folder: str) -> str:
    return os.path.join(folder, "overhead.db")


def send_round(n: int) -> float:
    """ns per Client.send_to call; the receiver's callback is C (getpid)."""
    with tempfile.TemporaryDirectory() as d:
        rx = liner.Client.new_sqlite("ovh-rx", "ovh-rx", "127.0.0.1:0", store(d))
        tx = liner.Client.new_sqlite("ovh-tx", "ovh-tx", "127.0.0.1:0", store(d))
        libc = ctypes.CDLL(None)
        # A C function as receive callback: extra arguments are harmless in
        # the x86-64 and aarch64 calling conventions.
        c_noop = ctypes.cast(libc.getpid, ctypes.c_void_p)
        run = ctypes.CDLL(_lib.get().path).lnr_run  # same library, own prototype
        run.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
        run.restype = ctypes.c_int
        if not run(rx._handle, c_noop, None) or not tx.run(lambda *a: None):
            raise RuntimeError("run failed")
        for _ in range(1000):  # routes up, pools warm
            while not tx.send_to("ovh-rx", PAYLOAD, False):
                pass
        t0 = time.perf_counter()
        for _ in range(n):
            while not tx.send_to("ovh-rx", PAYLOAD, False):
                pass
        t1 = time.perf_counter()
        tx.close()
        rx.close()
    return (t1 - t0) / n * 1e9


def receive_round(n: int) -> float:
    """µs per message through a Python receive callback, from a C++ sender."""
    peer = REPO / "build" / "bin" / "liner-peer"
    with tempfile.TemporaryDirectory() as d:
        count = Counter(n)
        rx = liner.Client.new_sqlite("ovh-rx", "ovh-rx", "127.0.0.1:0", store(d))
        if not rx.run(count):
            raise RuntimeError("run failed")
        sender = subprocess.Popen(
            [str(peer), "--name", "ovh-tx", "--topic", "ovh-tx", "--sqlite", store(d),
             "--send-to", "ovh-rx", "--count", str(n), "--size", str(len(PAYLOAD)),
             "--best-effort", "--keep-going", "--stay"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
        try:
            if not count.done.wait(120):
                raise RuntimeError(f"only {count.got} of {n} messages arrived")
        finally:
            sender.communicate(b"quit\n", timeout=30)
        rx.close()
    return (count.last - count.first) / (n - 1) * 1e6


def pair_round(n: int) -> float:
    """µs per message, Python sender and Python callback in one process."""
    with tempfile.TemporaryDirectory() as d:
        count = Counter(n)
        rx = liner.Client.new_sqlite("ovh-rx", "ovh-rx", "127.0.0.1:0", store(d))
        tx = liner.Client.new_sqlite("ovh-tx", "ovh-tx", "127.0.0.1:0", store(d))
        if not rx.run(count) or not tx.run(lambda *a: None):
            raise RuntimeError("run failed")
        t0 = time.perf_counter()
        for _ in range(n):
            while not tx.send_to("ovh-rx", PAYLOAD, False):
                pass
        if not count.done.wait(120):
            raise RuntimeError(f"only {count.got} of {n} messages arrived")
        t1 = count.last
        tx.close()
        rx.close()
    return (t1 - t0) / n * 1e6


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=50_000, help="messages per round (default 50000)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds per figure (default 3)")
    args = ap.parse_args()
    if args.count < 2 or args.rounds < 1:
        ap.error("--count must be at least 2 and --rounds at least 1")
    figures = [("send (Python send_to, C receiver)", "ns/call", send_round),
               ("receive (Python callback, C++ sender process)", "µs/msg", receive_round),
               ("pair (Python to Python, one process)", "µs/msg", pair_round)]
    print(f"library: {_lib.get().path}")
    for name, unit, fn in figures:
        values = [fn(args.count) for _ in range(args.rounds)]
        print(f"{name}: median {statistics.median(values):.1f} {unit} "
              f"(min {min(values):.1f}, max {max(values):.1f}, {args.count} messages x {args.rounds})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
