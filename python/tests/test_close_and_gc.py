"""close(): twice, with ``with``, on garbage collection, from inside a
callback; calls on a closed client."""
from __future__ import annotations

import gc
import sys
import threading
import weakref

import support
from support import Collector, Store, liner, wait_until


def test_close_twice_and_calls_after_close(store: Store, log_lines) -> None:
    c = store.client("a", "A")
    assert c.run(Collector())
    handle = c.hClient_
    assert handle  # liner's wrapper attribute: a truthy c_void_p
    c.close()
    c.close()  # no error, no second delete
    assert not c.hClient_ and c.closed
    assert not any("already deleted" in l for l in log_lines.snapshot())
    assert c.is_running() is False
    assert c.send_to("B", b"x") is False
    assert c.send_all("B", b"x") is False
    assert c.subscribe("t") is False and c.unsubscribe("t") is False
    assert c.refresh_address_topic("t") is False
    assert c.run(Collector()) is False and c.stop() is False
    assert c.clear_stored_messages() is False and c.clear_addresses_of_topic() is False
    assert c.set_status_callback(None) is False
    assert c.list_addresses("A") is None and c.pending_by_peer() is None
    assert c.pending_count() == -1
    assert c.last_error_code() == 0 and c.last_error_message() == ""
    assert c.advertise_addr() is None and c.bound_listen_addr() is None
    assert c.published_addr() is None and c.set_advertise_addr(None) is False
    # The deleted client left the catalog.
    other = store.client("o", "O")
    assert other.list_addresses("A") == []


def test_context_manager_closes(store: Store) -> None:
    with store.client("a", "A") as c:
        assert c.run(Collector())
        assert c.is_running()
    assert c.closed and not c.is_running()
    c.close()


def test_garbage_collection_closes(store: Store) -> None:
    observer = store.client("o", "O")
    c = store.new_unmanaged("g", "G")
    assert c.run(Collector())
    assert [n for _, n in observer.list_addresses("G")] == ["g"]
    ref = weakref.ref(c)
    del c
    gc.collect()
    assert ref() is None
    assert observer.list_addresses("G") == []  # stopped and unregistered


def test_garbage_collection_of_a_client_in_a_reference_cycle(store: Store) -> None:
    # The echo callback refers to its own client: only the cycle collector
    # frees it, on whatever thread it happens to run.
    observer = store.client("o", "O")

    def make() -> "weakref.ref[liner.Client]":
        c = store.new_unmanaged("g", "G")

        def echo(to: str, from_: str, data: bytes) -> None:
            c.send_to(from_, data)

        assert c.run(echo)
        return weakref.ref(c)

    ref = make()
    got = Collector()
    assert observer.run(got)
    assert observer.send_to("G", b"ping")
    assert got.wait_count(1)  # the echo works while the client is alive
    gc.collect()
    assert ref() is None
    assert wait_until(lambda: observer.list_addresses("G") == [])


def test_close_from_inside_the_receive_callback(store: Store) -> None:
    observer = store.client("o", "O")
    c = store.new_unmanaged("c", "C")
    closed = threading.Event()

    def cb(to: str, from_: str, data: bytes) -> None:
        c.close()  # deleted on a helper thread once this returns
        closed.set()

    assert c.run(cb) and observer.run(Collector())
    assert observer.send_to("C", b"bye")
    assert closed.wait(60)
    assert c.closed and c.send_to("O", b"x") is False
    assert wait_until(lambda: observer.list_addresses("C") == [])


def test_stop_from_inside_the_receive_callback(store: Store) -> None:
    c, s = store.client("c", "C"), store.client("s", "S")
    results = Collector()

    def cb(to: str, from_: str, data: bytes) -> None:
        results(c.stop())

    assert c.run(cb) and s.run(Collector())
    assert s.send_to("C", b"stop please")
    assert results.wait_count(1) and results.snapshot() == [True]
    assert wait_until(lambda: not c.is_running())
    assert c.run(Collector())  # and it runs again


def test_a_client_left_open_is_closed_at_exit(store: Store, processes) -> None:
    # A child creates a client, sends at-least-once messages to a peer that
    # is stopped and exits without close(): the atexit handler stops the
    # client, which stores the messages; the same identity sends them later.
    r = store.client("r", "R")
    got = Collector()
    assert r.run(got)
    ctor = "new_" + store.kind
    program = f"""
import sys
import liner
s = liner.Client.{ctor}("s", "S", "127.0.0.1:0", {store.location!r}, strict=True)
s.run()
s.send_to("R", b"hello")
print("sent", flush=True)
sys.stdin.readline()
for i in range(3):
    s.send_to("R", b"later-%d" % i)
print("sent more", flush=True)
"""
    p = support.Process([sys.executable, "-c", program])
    processes.append(p)
    assert p.has_line("sent"), p.dump()
    assert got.wait_count(1)
    assert r.stop()
    assert p.proc.stdin is not None
    p.proc.stdin.write("go\n")
    p.proc.stdin.flush()
    assert p.wait_exit() == 0, p.dump()
    assert p.lines.snapshot() == ["sent", "sent more"]

    s = store.client("s", "S")
    assert s.pending_count() == 3
    assert r.run(got) and s.run(Collector())
    assert got.wait_count(4)
    assert [d for _, _, d in got.snapshot()] == [b"hello", b"later-0", b"later-1", b"later-2"]
