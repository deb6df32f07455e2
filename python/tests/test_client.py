"""liner.Client against the real library, on SQLite and on PostgreSQL: every
method, its return values and last errors."""
from __future__ import annotations

import os
import socket
import threading

import pytest

from support import Collector, Store, drop_schema, liner, postgres_base_url, wait_until

# -- construction ---------------------------------------------------------------------------


def creation_reasons() -> None:
    """Skips the rest of a test when the library cannot tell why a
    constructor failed (the assertions before it, on liner's text, ran)."""
    if not liner._lib.get().has("lnr_creation_error_message"):
        pytest.skip("this libliner has no lnr_creation_error_message: constructor errors "
                    "carry liner's text alone (the reason is only logged)")


def test_an_unreachable_redis_raises_liners_exception() -> None:
    with pytest.raises(Exception) as e:
        liner.Client("name", "topic", "127.0.0.1:0", "redis://127.0.0.1:1/")
    assert type(e.value) is liner.ClientInitError
    assert e.value.message == "error init client, check redisPath"
    assert str(e.value).startswith("error init client, check redisPath")
    creation_reasons()
    # liner's text, then the code and the reason
    assert e.value.code == liner.ERR_STORE
    assert str(e.value) == ("error init client, check redisPath (ERR_STORE 7: could not create "
                            "the client: cannot connect to Redis at 127.0.0.1:1 db 0: "
                            "Connection refused)")
    with pytest.raises(liner.ClientInitError) as e:
        liner.Client("name", "topic", "127.0.0.1:0", "127.0.0.1:6379")
    assert e.value.code == liner.ERR_INVALID_ARG
    assert "invalid Redis URL '127.0.0.1:6379'" in e.value.reason


def test_constructor_failures_raise_liners_texts(tmp_path, monkeypatch) -> None:
    sqlite_text = "error init sqlite client, check sqlite_path / receivers_json"
    postgres_text = "error init postgres client, check postgres_url"
    failures = []
    for args in [("", "t", "127.0.0.1:0", str(tmp_path / "a.db")),
                 ("n", "", "127.0.0.1:0", str(tmp_path / "a.db")),
                 ("n", "t", "", str(tmp_path / "a.db")),
                 ("n", "t", "127.0.0.1:0", ""),
                 ("n", "t", "127.0.0.1:0", str(tmp_path / "no" / "such" / "dir.db")),
                 ("n", "t", "127.0.0.1:0", str(tmp_path / "a.db"), "not json")]:
        with pytest.raises(liner.ClientInitError) as e:
            liner.Client.new_sqlite(*args)
        assert str(e.value).startswith(sqlite_text) and e.value.message == sqlite_text, args
        failures.append((args, e.value))
    for url in ["postgresql://127.0.0.1:1/x", "postgresql://nobody@127.0.0.1:1/x"]:
        with pytest.raises(liner.ClientInitError) as e:
            liner.Client.new_postgres("n", "t", "127.0.0.1:0", url)
        assert str(e.value).startswith(postgres_text) and e.value.message == postgres_text
        failures.append((url, e.value))
    # An empty URL means libpq's PG* variables: here they lead to port 1.
    monkeypatch.setenv("PGHOST", "127.0.0.1")
    monkeypatch.setenv("PGPORT", "1")
    with pytest.raises(liner.ClientInitError) as e:
        liner.Client.new_postgres("n", "t", "127.0.0.1:0", "")
    assert str(e.value).startswith(postgres_text)
    failures.append(("", e.value))
    with pytest.raises(TypeError):
        liner.Client.new_sqlite(None, "t", "127.0.0.1:0", str(tmp_path / "a.db"))  # type: ignore

    creation_reasons()
    for what, error in failures:
        assert error.code is not None and error.reason, (what, str(error))
        assert str(error) == f"{error.message} ({liner.code_name(error.code)} {error.code}: " \
                             f"{error.reason})", (what, str(error))
    by_what = {str(what): error for what, error in failures}
    assert str(by_what[str(failures[0][0])]).startswith(sqlite_text + " (ERR_INVALID_ARG 8: ")
    missing_dir = by_what[str(failures[4][0])]
    assert missing_dir.code == liner.ERR_STORE and "unable to open database file" in str(missing_dir)
    assert str(by_what[str(failures[5][0])]).startswith(
        sqlite_text + " (ERR_INVALID_ARG 8: receivers_json parse error")
    for url in ["postgresql://127.0.0.1:1/x", "postgresql://nobody@127.0.0.1:1/x"]:
        text = str(by_what[url])
        assert text.startswith(postgres_text + " (ERR_STORE 7: "), text
        assert "Connection refused" in text and "port 1" in text, text
    assert "port 1" in str(by_what[""]) and "Connection refused" in str(by_what[""])


def test_constructor_errors_without_the_creation_functions(tmp_path, monkeypatch) -> None:
    # A library without lnr_creation_error_* (liner 1.4.1's): liner's text
    # alone, exactly; with the code but not the message: the code.
    lib = liner._lib.get()
    real_has = type(lib).has
    hidden = {"lnr_creation_error_code", "lnr_creation_error_message"}
    monkeypatch.setattr(type(lib), "has", lambda self, name: name not in hidden
                        and real_has(self, name))
    bad = str(tmp_path / "no" / "x.db")
    with pytest.raises(liner.ClientInitError) as e:
        liner.Client.new_sqlite("n", "t", "127.0.0.1:0", bad)
    assert str(e.value) == "error init sqlite client, check sqlite_path / receivers_json"
    assert e.value.code is None and e.value.reason == ""
    hidden.discard("lnr_creation_error_code")
    with pytest.raises(liner.ClientInitError) as e:
        liner.Client.new_sqlite("n", "t", "127.0.0.1:0", bad)
    assert str(e.value) == ("error init sqlite client, check sqlite_path / receivers_json "
                            "(ERR_STORE 7)")


def test_the_creation_error_belongs_to_the_thread_that_failed(tmp_path) -> None:
    creation_reasons()
    errors = {}

    def fail(name: str, path: str) -> None:
        try:
            liner.Client.new_sqlite(name, "t", "127.0.0.1:0", path)
        except liner.ClientInitError as e:
            errors[name] = e

    threads = [threading.Thread(target=fail, args=("", str(tmp_path / "a.db"))),
               threading.Thread(target=fail, args=("n", str(tmp_path / "no" / "x.db")))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors[""].code == liner.ERR_INVALID_ARG, str(errors[""])
    assert errors["n"].code == liner.ERR_STORE, str(errors["n"])
    # A success clears it: a later failure on this thread is not mixed up.
    ok = liner.Client.new_sqlite("ok", "t", "127.0.0.1:0", str(tmp_path / "b.db"))
    ok.close()
    assert liner._lib.get().fn.lnr_creation_error_code() == 0
    assert liner._lib.get().fn.lnr_creation_error_message() == b""


def test_an_empty_postgres_url_means_the_pg_variables(monkeypatch) -> None:
    from urllib.parse import unquote, urlsplit
    url = urlsplit(postgres_base_url())
    schema = f"liner_py_env_{os.getpid()}"
    for var, value in [("PGHOST", url.hostname), ("PGPORT", str(url.port or 5432)),
                       ("PGUSER", unquote(url.username or "")),
                       ("PGPASSWORD", unquote(url.password or "")),
                       ("PGDATABASE", url.path.lstrip("/")),
                       ("PGOPTIONS", f"-cliner.namespace={schema}")]:
        monkeypatch.setenv(var, value)
    got = Collector()
    b = liner.Client.new_postgres("b", "B", "127.0.0.1:0", "")
    a = liner.Client.new_postgres("a", "A", "127.0.0.1:0", "")
    try:
        assert b.run(got) and a.run(Collector())
        assert a.send_to("B", b"through PG*")
        assert got.wait_count(1)
        assert got.snapshot() == [("B", "A", b"through PG*")]
    finally:
        a.close()
        b.close()
        drop_schema(schema)


def test_receivers_json_seeds_the_catalog(sqlite_store: Store) -> None:
    seeds = '[{"topic": "X", "addr": "127.0.0.1:1", "client_name": "x"}]'
    c = sqlite_store.client("c", "C", receivers_json=seeds)
    assert c.list_addresses("X") == [("127.0.0.1:1", "x")]
    assert sqlite_store.client("d", "D", receivers_json="[]").list_addresses("X") == [
        ("127.0.0.1:1", "x")]


def test_identity_and_repr(store: Store) -> None:
    c = store.client("me", "MINE")
    assert c.unique_name() == "me" and c.topic() == "MINE"
    assert not c.strict and not c.closed
    assert "stopped" in repr(c)
    assert c.run(Collector())
    assert "running" in repr(c) and "'me'" in repr(c)
    c.close()
    assert c.closed and "closed" in repr(c)


# -- lifecycle ------------------------------------------------------------------------------


def test_run_stop_is_running_are_idempotent(store: Store) -> None:
    c = store.client("a", "A")
    assert c.is_running() is False
    assert c.stop() is True
    assert c.run(Collector()) is True
    assert c.is_running() is True
    assert c.run(Collector()) is True  # already running: keeps the first callback
    assert c.last_error_code() == liner.OK
    assert c.stop() is True and c.stop() is True
    assert c.is_running() is False
    assert c.run(Collector()) is True  # runs again after stop
    assert c.is_running() is True


def test_bind_errors(store: Store) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        c = store.client("a", "A", f"127.0.0.1:{port}")
        assert c.run(Collector()) is False
        assert c.last_error_code() == liner.ERR_BIND
        assert c.last_error_message()
        assert c.is_running() is False
    bad = store.client("b", "B", "127.0.0.1:99999")
    assert bad.run(Collector()) is False
    assert bad.last_error_code() == liner.ERR_BIND
    assert bad.last_error_message() == "invalid bind address: 127.0.0.1:99999"


def test_addresses_and_advertise(store: Store) -> None:
    c = store.client("a", "A")
    assert c.advertise_addr() is None
    assert c.bound_listen_addr() is None
    assert c.published_addr() is None
    assert c.set_advertise_addr("not-an-address") is False
    assert c.last_error_code() == liner.ERR_INVALID_ARG
    assert c.last_error_message() == "invalid advertise address: not-an-address"
    assert c.set_advertise_addr("127.0.0.1:0") is True
    assert c.last_error_code() == liner.OK
    assert c.advertise_addr() == "127.0.0.1:0"

    assert c.run(Collector())
    bound = c.bound_listen_addr()
    assert bound is not None and bound.startswith("127.0.0.1:")
    assert c.published_addr() == bound  # advertise port 0 = the bound port
    assert c.list_addresses("A") == [(bound, "a")]
    assert c.set_advertise_addr("127.0.0.1:1") is False
    assert c.last_error_code() == liner.ERR_ALREADY_RUNNING
    assert c.last_error_message() == \
        "you can't set_advertise_addr because client already is running"

    assert c.stop()
    assert c.published_addr() is None
    assert c.bound_listen_addr() == bound  # kept after stop
    assert c.list_addresses("A") == []
    assert c.set_advertise_addr(None) is True and c.advertise_addr() is None
    assert c.set_advertise_addr("127.0.0.1:0") and c.set_advertise_addr("") is True
    assert c.advertise_addr() is None


# -- messaging ------------------------------------------------------------------------------


def test_durable_sends_are_in_the_store_when_they_return(store: Store) -> None:
    got = Collector()
    r = store.client("r", "R")
    assert r.run(got)
    s = store.client("s", "S")
    assert s.set_durable(True) is True
    assert s.run(Collector())
    assert s.set_durable(False) is False
    assert s.last_error_code() == liner.ERR_ALREADY_RUNNING
    assert s.send_to("R", b"first")
    assert got.wait_count(1)
    assert r.stop()
    for i in range(20):
        assert s.send_to("R", b"m%d" % i) is True
    assert s.pending_count() == 20  # in the store already, not on their way there
    assert r.run(got)
    assert got.wait_count(21)
    assert [data for _, _, data in got.snapshot()] == [b"first"] + [b"m%d" % i for i in range(20)]


def test_a_shared_secret_admits_its_holders_only(store: Store) -> None:
    got = Collector()
    r = store.client("r", "R")
    assert r.set_auth_secret("s3cret") is True
    assert r.run(got)
    assert r.set_auth_secret("other") is False
    assert r.last_error_code() == liner.ERR_ALREADY_RUNNING
    stranger = store.client("x", "X")
    events = Collector()
    assert stranger.set_status_callback(events)
    assert stranger.run(Collector())
    assert stranger.send_to("R", b"kept") is True
    assert events.wait_for(lambda items: any(kind == liner.SENDER_ROUTE_LOST
                                             for kind, _, _, _ in items))
    friend = store.client("s", "S")
    assert friend.set_auth_secret("s3cret") is True
    assert friend.run(Collector())
    assert friend.send_to("R", b"hello") is True
    assert got.wait_count(1)
    assert got.snapshot() == [("R", "S", b"hello")]
    # The stranger learns the secret: its at-least-once message was kept.
    assert stranger.stop() and stranger.set_auth_secret("s3cret") and stranger.run(Collector())
    assert got.wait_count(2)
    assert got.snapshot()[1] == ("R", "X", b"kept")
    with pytest.raises(TypeError):
        r.set_auth_secret(5)  # type: ignore[arg-type]


def test_send_to_and_receive_with_a_callback(store: Store) -> None:
    got = Collector()
    r = store.client("r", "R")
    s = store.client("s", "S")
    assert r.run(got) and s.run(Collector())
    payloads = [b"hello", bytearray(b"\x00binary\x00\xff"), memoryview(b"view"), "text \u00e9"]
    for p in payloads:
        assert s.send_to("R", p) is True
    assert s.send_to("R", b"best effort", False) is True
    assert got.wait_count(5)
    assert got.snapshot() == [("R", "S", b"hello"), ("R", "S", b"\x00binary\x00\xff"),
                              ("R", "S", b"view"), ("R", "S", "text \u00e9".encode()),
                              ("R", "S", b"best effort")]
    assert all(type(data) is bytes for _, _, data in got.snapshot())
    with pytest.raises(TypeError):
        s.send_to("R", 12)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        s.send_to(None, b"x")  # type: ignore[arg-type]


def test_echo_from_inside_the_receive_callback(store: Store) -> None:
    r = store.client("r", "R")
    s = store.client("s", "S")
    echo_results = []

    def echo(to: str, from_: str, data: bytes) -> None:
        echo_results.append(r.send_to(from_, b"re:" + data))

    got = Collector()
    assert r.run(echo) and s.run(got)
    for i in range(30):
        assert s.send_to("R", f"m{i}".encode())
    assert got.wait_count(30)
    assert [d for _, _, d in got.snapshot()] == [f"re:m{i}".encode() for i in range(30)]
    assert all(got.snapshot()[i][:2] == ("S", "R") for i in range(30))
    assert echo_results == [True] * 30


def test_a_callback_thread_keeps_its_python_state_between_messages(store: Store) -> None:
    # The delivery thread is not a Python thread: unless the package keeps
    # its Python thread state, ctypes makes a new one per callback (slow,
    # and threading.local forgets everything between two messages).
    local = threading.local()
    seen = []

    def count(to: str, from_: str, data: bytes) -> None:
        local.n = getattr(local, "n", 0) + 1
        seen.append(local.n)

    r = store.client("r", "R")
    s = store.client("s", "S")
    assert r.run(count) and s.run(Collector())
    for i in range(20):
        assert s.send_to("R", f"m{i}".encode())
    assert wait_until(lambda: len(seen) == 20)
    assert seen == list(range(1, 21))


def test_send_all_round_robin_subscribe_unsubscribe(store: Store) -> None:
    ga, gb = Collector(), Collector()
    a, b, s = store.client("a", "A"), store.client("b", "B"), store.client("s", "S")
    assert a.run(ga) and b.run(gb) and s.run(Collector())
    assert a.subscribe("news") is True and b.subscribe("news") is True
    assert a.subscribe("news") is True  # again: harmless
    assert sorted(n for _, n in s.list_addresses("news")) == ["a", "b"]

    assert s.send_all("news", b"to all") is True
    assert ga.wait_for(lambda i: ("news", "S", b"to all") in i)
    assert gb.wait_for(lambda i: ("news", "S", b"to all") in i)

    for i in range(4):
        assert s.send_to("news", f"rr{i}".encode()) is True

    def rr(items):
        return [d for t, _, d in items if d.startswith(b"rr")]

    assert wait_until(lambda: len(rr(ga.snapshot())) + len(rr(gb.snapshot())) == 4)
    assert len(rr(ga.snapshot())) == 2 and len(rr(gb.snapshot())) == 2

    assert a.unsubscribe("news") is True
    assert a.unsubscribe("never-subscribed") is True
    assert s.list_addresses("news") == [(b.published_addr(), "b")]
    assert s.refresh_address_topic("news") is True
    assert s.send_all("news", b"after") is True
    assert gb.wait_for(lambda i: ("news", "S", b"after") in i)
    # Anything sent to a's address before this marker would arrive before it.
    assert s.send_to("A", b"marker")
    assert ga.wait_for(lambda i: ("A", "S", b"marker") in i)
    assert ("news", "S", b"after") not in ga.snapshot()

    assert b.unsubscribe("news") is True
    assert s.refresh_address_topic("news") is False
    assert s.last_error_code() == liner.ERR_NO_ADDR
    assert s.last_error_message() == "not found addr for topic news"


def test_topic_errors(store: Store) -> None:
    c = store.client("a", "A")
    for call, code, text in [
        (lambda: c.subscribe("A"), liner.ERR_SELF_TOPIC, "you can't subscribe on your own topic"),
        (lambda: c.unsubscribe("A"), liner.ERR_SELF_TOPIC,
         "you can't unsubscribe on your own topic"),
        (lambda: c.subscribe(liner.INTERNAL_CHANNEL), liner.ERR_INTERNAL_TOPIC,
         "you can't subscribe on internal channel topic"),
        (lambda: c.unsubscribe(liner.INTERNAL_CHANNEL), liner.ERR_INTERNAL_TOPIC,
         "you can't unsubscribe on internal channel topic"),
        (lambda: c.subscribe(""), liner.ERR_INVALID_ARG, "topic.is_empty()"),
        (lambda: c.refresh_address_topic("nowhere"), liner.ERR_NO_ADDR,
         "not found addr for topic nowhere"),
    ]:
        assert call() is False
        assert (c.last_error_code(), c.last_error_message()) == (code, text)
    assert c.subscribe("fine") is True
    assert (c.last_error_code(), c.last_error_message()) == (liner.OK, "")


def test_send_errors_set_the_last_error(store: Store, knobs_restored) -> None:
    r, s = store.client("r", "R"), store.client("s", "S")
    assert s.send_to("R", b"x") is False
    assert s.last_error_code() == liner.ERR_NOT_RUNNING
    assert s.last_error_message() == "you can't send_to because client not is running"
    assert s.send_all("R", b"x") is False
    assert s.last_error_message() == "you can't send_all because client not is running"

    assert r.run(Collector()) and s.run(Collector())
    for call, code, text in [
        (lambda: s.send_to("S", b"x"), liner.ERR_SELF_TOPIC, "you can't send on your own topic"),
        (lambda: s.send_to("R", b""), liner.ERR_INVALID_ARG, "payload empty"),
        (lambda: s.send_to("nowhere", b"x"), liner.ERR_NO_ADDR,
         "not found addr for topic nowhere"),
        (lambda: s.send_all("nowhere", b"x"), liner.ERR_NO_ADDR,
         "not found addr for topic nowhere"),
        (lambda: s.send_to("", b"x"), liner.ERR_INVALID_ARG, "topic name empty"),
    ]:
        assert call() is False
        assert (s.last_error_code(), s.last_error_message()) == (code, text)
        assert isinstance(s.last_error(), liner.LinerError)

    assert liner.set_max_message_size(100)
    assert s.send_to("R", b"x" * 200) is False
    assert s.last_error_code() == liner.ERR_INVALID_ARG
    assert s.last_error_message() == \
        "payload too large for max_message_size (payload 200, framed body 221, max 100)"
    assert s.send_to("R", b"ok") is True
    assert (s.last_error_code(), s.last_error_message(), s.last_error()) == (liner.OK, "", None)


def test_large_compressed_payload(store: Store, knobs_restored) -> None:
    got = Collector()
    r, s = store.client("r", "R"), store.client("s", "S")
    assert r.run(got) and s.run(Collector())
    assert liner.set_compress_threshold(1000)
    big = bytes(range(256)) * 4096  # 1 MiB, compressible
    assert s.send_to("R", big) is True
    assert got.wait_count(1)
    assert got.snapshot()[0][2] == big


def test_exception_in_callback_does_not_stop_delivery(store: Store, monkeypatch) -> None:
    hooked = Collector()
    monkeypatch.setattr("sys.unraisablehook", lambda info: hooked(info.exc_type))
    got = Collector()

    def cb(to: str, from_: str, data: bytes) -> None:
        got(data)
        if data == b"boom":
            raise RuntimeError("boom")

    r, s = store.client("r", "R"), store.client("s", "S")
    assert r.run(cb) and s.run(Collector())
    assert s.send_to("R", b"boom") and s.send_to("R", b"after")
    assert got.wait_count(2)
    assert got.snapshot() == [b"boom", b"after"]
    assert hooked.wait_count(1) and hooked.snapshot()[0] is RuntimeError


# -- status events ------------------------------------------------------------------------


def test_status_callback_reports_peers(store: Store) -> None:
    events = Collector()
    got = Collector()
    r, s = store.client("r", "R"), store.client("s", "S")
    assert s.set_status_callback(events) is True
    assert r.run(Collector()) and s.run(got)
    assert s.send_to("R", b"x")  # "R" is now related for s

    def seen(kind: int, topic: str, peer: str, message: str) -> bool:
        return events.wait_for(lambda items: (kind, topic, peer, message) in items)

    assert r.stop()
    assert seen(liner.PEER_DISCONNECTED, "R", "r", "client_disconnected")
    assert r.run(Collector())
    assert seen(liner.PEER_CONNECTED, "R", "r", "client_connected")

    assert r.subscribe("news")
    assert s.refresh_address_topic("news")  # related now
    assert r.unsubscribe("news")
    assert seen(liner.PEER_UNSUBSCRIBED, "news", "r", "unsubscribed")
    assert r.subscribe("news")
    assert seen(liner.PEER_SUBSCRIBED, "news", "r", "subscribed")
    assert all(type(k) is int and all(type(x) is str for x in rest)
               for k, *rest in events.snapshot())

    # Replacing and removing it.
    other = Collector()
    assert s.set_status_callback(other) is True
    assert r.stop()
    assert other.wait_for(lambda items: (liner.PEER_DISCONNECTED, "R", "r",
                                         "client_disconnected") in items)
    assert s.set_status_callback(None) is True
    assert s.statusCBack_ is not None


# -- directory and offline queues -----------------------------------------------------


def test_list_addresses(store: Store) -> None:
    a, b = store.client("a", "A"), store.client("b", "B")
    assert a.list_addresses("A") == []
    assert a.last_error_code() == liner.OK
    assert a.run(Collector()) and b.run(Collector())
    assert b.subscribe("A")  # another address for topic A
    rows = a.list_addresses("A")
    assert sorted(rows) == sorted([(a.published_addr(), "a"), (b.published_addr(), "b")])
    assert rows == sorted(rows)  # ordered by address
    assert a.list_addresses(liner.INTERNAL_CHANNEL) is not None
    assert a.list_addresses("") == []  # as liner: only NULL is refused


def test_pending_queues_and_clear_stored_messages(store: Store) -> None:
    got = Collector()
    r, s = store.client("r", "R"), store.client("s", "S")
    assert r.run(got) and s.run(Collector())
    assert s.pending_count() == 0
    assert all(n == 0 for *_, n in s.pending_by_peer())  # one row per known peer
    assert s.send_to("R", b"first")
    assert got.wait_count(1)

    assert r.stop()
    for i in range(5):
        assert s.send_to("R", f"p{i}".encode()) is True, s.last_error_message()
    assert s.stop()
    assert s.pending_count() == 5
    rows = s.pending_by_peer()
    assert rows is not None and sum(n for *_, n in rows) == 5
    assert {name for _, _, name, _ in rows} == {"r"}
    assert all(type(n) is int and addr.startswith("127.0.0.1:") for addr, _, _, n in rows)

    assert r.run(got) and s.run(Collector())
    assert got.wait_count(6)
    assert [d for _, _, d in got.snapshot()] == [b"first"] + [f"p{i}".encode() for i in range(5)]
    assert wait_until(lambda: s.pending_count() == 0)
    # s was stopped while r came back on a new port: s's cache is stale
    # (see test_stale_address_after_the_receiver_moved). Re-read it.
    assert s.refresh_address_topic("R")
    assert s.send_to("R", b"again")
    assert got.wait_count(7)

    # clear_stored_messages: refused while running, clears when stopped.
    assert s.clear_stored_messages() is False
    assert s.last_error_code() == liner.ERR_CLEAR_WHILE_RUNNING
    assert s.last_error_message() == \
        "you can't clear_stored_messages because client already is running"
    assert r.stop()
    assert s.send_to("R", b"never")
    assert s.stop()
    assert s.pending_count() == 1
    assert s.clear_stored_messages() is True
    assert s.pending_count() == 0
    assert all(n == 0 for *_, n in s.pending_by_peer())


def test_clear_addresses_of_topic(store: Store) -> None:
    r1, r2 = store.client("r1", "R"), store.client("r2", "R")
    assert r1.run(Collector())
    assert r1.clear_addresses_of_topic() is False
    assert r1.last_error_code() == liner.ERR_CLEAR_WHILE_RUNNING
    assert r1.last_error_message() == \
        "you can't clear_addresses_of_topic because client already is running"
    assert r2.list_addresses("R") == [(r1.published_addr(), "r1")]
    assert r2.clear_addresses_of_topic() is True  # every row of R, also r1's
    assert r2.list_addresses("R") == []


# -- threads -------------------------------------------------------------------------------


def test_threads_calling_concurrently(store: Store) -> None:
    got = Collector()
    r, s = store.client("r", "R"), store.client("s", "S")
    assert r.run(got) and s.run(Collector())
    n_threads, per_thread = 4, 100
    results: list = []
    errors: list = []

    def sender(k: int) -> None:
        try:
            for i in range(per_thread):
                results.append(s.send_to("R", f"{k}:{i}".encode()))
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    def busy_body() -> None:
        try:
            for _ in range(20):
                assert s.subscribe("extra") and s.unsubscribe("extra")
                assert s.list_addresses("R") is not None
                assert s.pending_count() >= 0 and s.is_running()
                s.last_error_code(), s.last_error_message(), s.published_addr()
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=sender, args=(k,)) for k in range(n_threads)]
    threads.append(threading.Thread(target=busy_body))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert results == [True] * (n_threads * per_thread)
    assert got.wait_count(n_threads * per_thread)
    data = [d.decode() for _, _, d in got.snapshot()]
    assert len(data) == len(set(data)) == n_threads * per_thread
    for k in range(n_threads):  # each thread's messages in its order
        mine = [int(x.split(":")[1]) for x in data if x.startswith(f"{k}:")]
        assert mine == list(range(per_thread))


def test_two_clients_echoing_each_other_concurrently(store: Store) -> None:
    a, b = store.client("a", "A"), store.client("b", "B")
    done = threading.Event()
    counts = {"a": 0, "b": 0}

    def bounce(me: liner.Client, key: str):
        def cb(to: str, from_: str, data: bytes) -> None:
            counts[key] += 1
            n = int(data)
            if n >= 200:
                done.set()
            else:
                me.send_to(from_, str(n + 1).encode())
        return cb

    assert a.run(bounce(a, "a")) and b.run(bounce(b, "b"))
    assert a.send_to("B", b"0")
    assert done.wait(60)
    assert counts["a"] + counts["b"] == 201


# A sender stopped while its receiver restarted on another port still has the
# old address cached; send_to resolves again instead of failing.
def test_stale_address_after_the_receiver_moved(store: Store) -> None:
    got = Collector()
    r, s = store.client("r", "R"), store.client("s", "S")
    assert r.run(got) and s.run(Collector())
    assert s.send_to("R", b"first")
    assert got.wait_count(1)
    assert s.stop() and r.stop()
    assert r.run(got)  # a new port
    assert s.run(Collector())
    assert s.send_to("R", b"second"), s.last_error_message()
    assert got.wait_count(2)
