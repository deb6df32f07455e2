"""strict=True: failures raise liner.LinerError subclasses."""
from __future__ import annotations

import socket

import pytest

from support import Collector, Store, liner


def test_strict_errors(store: Store) -> None:
    r = store.client("r", "R")
    s = store.client("s", "S", strict=True)
    assert s.strict
    with pytest.raises(liner.NotRunningError) as e:
        s.send_to("R", b"x")
    assert e.value.code == liner.ERR_NOT_RUNNING
    assert e.value.message == "you can't send_to because client not is running"
    assert str(e.value) == "you can't send_to because client not is running (ERR_NOT_RUNNING 1)"
    assert isinstance(e.value, liner.LinerError)

    assert s.run(Collector()) is True and r.run(Collector()) is True
    assert s.send_to("R", b"fine") is True
    assert s.subscribe("news") is True and s.unsubscribe("news") is True

    cases = [
        (lambda: s.send_to("S", b"x"), liner.SelfTopicError, "you can't send on your own topic"),
        (lambda: s.send_to("R", b""), liner.InvalidArgError, "payload empty"),
        (lambda: s.send_to("", b"x"), liner.InvalidArgError, "topic name empty"),
        (lambda: s.send_to("nowhere", b"x"), liner.NoAddrError,
         "not found addr for topic nowhere"),
        (lambda: s.send_all("nowhere", b"x"), liner.NoAddrError,
         "not found addr for topic nowhere"),
        (lambda: s.refresh_address_topic("nowhere"), liner.NoAddrError,
         "not found addr for topic nowhere"),
        (lambda: s.subscribe("S"), liner.SelfTopicError, "you can't subscribe on your own topic"),
        (lambda: s.subscribe(liner.INTERNAL_CHANNEL), liner.InternalTopicError,
         "you can't subscribe on internal channel topic"),
        (lambda: s.unsubscribe(liner.INTERNAL_CHANNEL), liner.InternalTopicError,
         "you can't unsubscribe on internal channel topic"),
        (lambda: s.set_advertise_addr("127.0.0.1:0"), liner.AlreadyRunningError,
         "you can't set_advertise_addr because client already is running"),
        (lambda: s.clear_stored_messages(), liner.ClearWhileRunningError,
         "you can't clear_stored_messages because client already is running"),
        (lambda: s.clear_addresses_of_topic(), liner.ClearWhileRunningError,
         "you can't clear_addresses_of_topic because client already is running"),
    ]
    for call, cls, text in cases:
        with pytest.raises(cls) as e:
            call()
        assert (type(e.value), e.value.message) == (cls, text)
        assert e.value.code == s.last_error_code() != liner.OK

    assert s.stop() is True
    with pytest.raises(liner.InvalidArgError) as e:
        s.set_advertise_addr("bad")
    assert e.value.message == "invalid advertise address: bad"
    assert isinstance(e.value, ValueError)
    assert s.clear_stored_messages() is True and s.clear_addresses_of_topic() is True
    assert s.pending_count() == 0 and s.pending_by_peer() is not None
    assert s.list_addresses("R") is not None

    s.close()
    with pytest.raises(liner.ClientClosedError):
        s.send_to("R", b"x")
    with pytest.raises(liner.ClientClosedError):
        s.pending_count()
    assert s.is_running() is False  # a question, not a failure
    s.close()


def test_strict_bind_error(store: Store) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        c = store.client("a", "A", f"127.0.0.1:{taken.getsockname()[1]}", strict=True)
        with pytest.raises(liner.BindError) as e:
            c.run(Collector())
        assert e.value.code == liner.ERR_BIND and e.value.message


def test_strict_constructor_errors(tmp_path) -> None:
    with pytest.raises(liner.ClientInitError) as e:
        liner.Client.new_sqlite("n", "t", "127.0.0.1:0", str(tmp_path / "no" / "x.db"),
                                strict=True)
    assert str(e.value).startswith("error init sqlite client, check sqlite_path / receivers_json"
                                   " (ERR_STORE 7: could not create the client: ")
    assert "unable to open database file" in e.value.reason
    with pytest.raises(liner.ClientInitError):
        liner.Client("n", "t", "127.0.0.1:0", "redis://127.0.0.1:1", strict=True)


def test_strict_busy_error_and_sender_busy_status(store: Store, knobs_restored) -> None:
    # The receiver's callback holds the first message, so it is not
    # acknowledged: with max_send_queue 1 the sender's queue is full.
    release = __import__("threading").Event()
    held = Collector()

    def slow(to: str, from_: str, data: bytes) -> None:
        held(data)
        release.wait(120)

    r = store.client("r", "R")
    s = store.client("s", "S", strict=True)
    events = Collector()
    s.set_status_callback(events)
    assert r.run(slow) and s.run(Collector())
    try:
        assert liner.set_max_send_queue(1)
        busy = None
        for _ in range(100000):
            try:
                s.send_to("R", b"x")
            except liner.BusyError as e:
                busy = e
                break
        assert busy is not None, "max_send_queue 1 never refused a send"
        assert (busy.code, busy.message) == (liner.ERR_BUSY, "send queue full")
        assert events.wait_for(lambda items: any(
            k == liner.SENDER_BUSY and m == "send queue full" for k, _, _, m in items))
    finally:
        liner.set_max_send_queue(0)
        release.set()
