"""Pull-style receiving: run() without a callback, receive(), messages()."""
from __future__ import annotations

import threading

import pytest

from support import TIMEOUT, Collector, Store, liner, wait_until


def test_messages_iterator(store: Store) -> None:
    r, s = store.client("r", "R"), store.client("s", "S")
    assert r.run() is True  # no callback: queue mode
    assert s.run(Collector())
    for i in range(5):
        assert s.send_to("R", f"m{i}".encode())
    got = []
    for to, frm, data in r.messages(timeout=TIMEOUT):
        got.append((to, frm, data))
        if len(got) == 5:
            break
    assert got == [("R", "S", f"m{i}".encode()) for i in range(5)]

    # Message is a named tuple.
    assert s.send_to("R", b"named")
    m = r.receive(timeout=TIMEOUT)
    assert isinstance(m, liner.Message) and m == ("R", "S", b"named")
    assert (m.to, m.from_, m.data) == ("R", "S", b"named")
    assert r.receive(timeout=0) is None  # nothing waiting


def test_stop_ends_the_iteration_after_what_was_received(store: Store) -> None:
    r, s = store.client("r", "R"), store.client("s", "S")
    assert r.run_queue() and s.run(Collector())
    consumed = Collector()
    ended = threading.Event()

    def consume() -> None:
        for m in r.messages():  # no timeout: until the client stops
            consumed(m.data)
        ended.set()

    t = threading.Thread(target=consume)
    t.start()
    for i in range(3):
        assert s.send_to("R", f"c{i}".encode())
    assert consumed.wait_count(3)
    assert r.stop()
    assert ended.wait(TIMEOUT)
    t.join()
    assert consumed.snapshot() == [b"c0", b"c1", b"c2"]

    # Runs again in queue mode; the earlier end does not end the new run.
    assert r.run()
    assert s.refresh_address_topic("R")
    assert s.send_to("R", b"again")
    assert r.receive(timeout=TIMEOUT) == ("R", "S", b"again")
    assert s.send_to("R", b"left over")
    assert wait_until(lambda: r.pending_received() == 1)
    r.close()
    assert list(r.messages()) == [("R", "S", b"left over")]  # drained, then ends


def test_messages_needs_queue_mode(store: Store) -> None:
    c = store.client("c", "C")
    with pytest.raises(RuntimeError):
        c.receive(timeout=0)
    assert c.run(Collector())
    with pytest.raises(RuntimeError):
        next(c.messages(timeout=0))


def test_echo_in_queue_mode_from_another_thread(store: Store) -> None:
    r, s = store.client("r", "R"), store.client("s", "S")
    got = Collector()
    assert r.run() and s.run(got)

    def echo() -> None:
        for to, frm, data in r.messages():
            r.send_to(frm, data.upper())

    t = threading.Thread(target=echo, daemon=True)
    t.start()
    for w in ["one", "two", "three"]:
        assert s.send_to("R", w.encode())
    assert got.wait_count(3)
    assert [d for _, _, d in got.snapshot()] == [b"ONE", b"TWO", b"THREE"]
    r.close()
    t.join(TIMEOUT)
    assert not t.is_alive()
