"""``liner.Client``: one peer of a liner mesh.

A superset of liner 1.4.1's Python wrapper: the same constructors, methods,
arguments, return values and exception texts, plus pull-style receiving
(:meth:`Client.messages`), strict mode (exceptions instead of ``False``),
``close()`` that is safe twice and on garbage collection, and context-manager
use. See docs/python.md.
"""
from __future__ import annotations

import ctypes
import json
import sys
import threading
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple, Type, TypeVar, Union

from . import _callback_guard, _lib, _registry
from ._inbox import Inbox, Message
from .errors import ClientClosedError, ClientInitError, LinerError, error_for

__all__ = ["Client", "Message", "ReceiveCallback", "StatusCallback"]

#: ``fn(to, from_, data)``: the topic the message was sent to, the sender's
#: topic, the payload.
ReceiveCallback = Callable[[str, str, bytes], Any]
#: ``fn(kind, topic, peer, message)``, see ``liner.StatusKind``.
StatusCallback = Callable[[int, str, str, str], Any]

Payload = Union[bytes, bytearray, memoryview, str]
_C = TypeVar("_C", bound="Client")


def _dec(b: Optional[bytes]) -> str:
    return b.decode("utf-8", "replace") if b else ""


def _opt_dec(b: Optional[bytes]) -> Optional[str]:
    return None if b is None else b.decode("utf-8", "replace")


def _arg(value: Any, what: str) -> bytes:
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, bytes):
        return value
    raise TypeError(f"{what} must be str, not {type(value).__name__}")


def _payload(data: Payload) -> bytes:
    if isinstance(data, bytes):
        return data
    if isinstance(data, str):
        return data.encode("utf-8")
    try:
        return memoryview(data).tobytes()
    except TypeError:
        raise TypeError(
            f"data must be bytes, bytearray, memoryview or str, not {type(data).__name__}"
        ) from None


def _receive_callback(deliver: Callable[[str, str, bytes], Any]) -> Any:
    # Must not reference the Client: the callback object is kept by it.
    def on_receive(to: Optional[bytes], frm: Optional[bytes], data: Optional[int],
                   size: int, _udata: Any) -> None:
        _callback_guard.enter()  # not `with entered()`: this runs per message
        try:
            payload = ctypes.string_at(data, size) if size and data else b""
            deliver(_dec(to), _dec(frm), payload)
        finally:
            _callback_guard.leave()

    return _lib.RECEIVE_CB(on_receive)


def _status_callback(fn: StatusCallback) -> Any:
    def on_status(kind: int, topic: Optional[bytes], peer: Optional[bytes],
                  message: Optional[bytes], _udata: Any) -> None:
        with _callback_guard.entered():
            fn(int(kind), _dec(topic), _dec(peer), _dec(message))

    return _lib.STATUS_CB(on_status)


class Client:
    """One liner client: an identity (unique name + own topic), a listen
    address and a store.

    Create it with :meth:`new_sqlite`, :meth:`new_postgres` or
    :meth:`new_redis` (the plain constructor is liner's Redis one, the same
    as :meth:`new_redis`). Every method may be called from any thread, also
    from inside this client's callbacks.

    With ``strict=True`` the methods raise a :class:`liner.LinerError`
    subclass instead of returning ``False`` / ``None`` / ``-1``, and creation
    failures raise :class:`liner.ClientInitError`.
    """

    # -- construction -------------------------------------------------------------

    def __init__(self, uniqName: str, topic: str, localhost: str, redisPath: str,
                 *, strict: bool = False) -> None:
        """liner's Redis constructor (``lnr_new_client_redis``): a client on
        the Redis server of ``redisPath``
        (``redis://[[user]:password@]host[:port][/db]`` or
        ``unix:///path?db=N&pass=P``), with liner's key layout, so Rust liner
        peers share it. Raises ``Exception('error init client, check
        redisPath')`` (a :class:`liner.ClientInitError`) on failure."""
        self._prepare(uniqName, topic, strict)
        self._attach(
            self._lib.fn.lnr_new_client_redis(
                _arg(uniqName, "uniqName"), _arg(topic, "topic"),
                _arg(localhost, "localhost"), _arg(redisPath, "redisPath")),
            "error init client, check redisPath")

    @classmethod
    def new_sqlite(cls: Type[_C], uniqName: str, topic: str, localhost: str, sqlite_path: str,
                   receivers_json: str = "", *, strict: bool = False) -> _C:
        """A client on a SQLite file (created if missing; ``":memory:"``
        works too). ``receivers_json`` optionally seeds the catalog: a JSON
        array of ``{"topic", "addr", "client_name"}`` objects (liner's
        isolated-file model).

        Raises ``Exception('error init sqlite client, check sqlite_path /
        receivers_json')`` (a :class:`liner.ClientInitError`) on failure.
        """
        self = cls.__new__(cls)
        self._prepare(uniqName, topic, strict)
        self._attach(
            self._lib.fn.lnr_new_client_sqlite(
                _arg(uniqName, "uniqName"), _arg(topic, "topic"),
                _arg(localhost, "localhost"), _arg(sqlite_path, "sqlite_path"),
                _arg(receivers_json if receivers_json is not None else "", "receivers_json")),
            "error init sqlite client, check sqlite_path / receivers_json")
        return self

    @classmethod
    def new_postgres(cls: Type[_C], uniqName: str, topic: str, localhost: str,
                     postgres_url: str, *, strict: bool = False) -> _C:
        """A client on a PostgreSQL database (any libpq URL or ``key=value``
        string). Raises ``Exception('error init postgres client, check
        postgres_url')`` (a :class:`liner.ClientInitError`) on failure."""
        self = cls.__new__(cls)
        self._prepare(uniqName, topic, strict)
        if not self._lib.has("lnr_new_client_postgres"):
            raise ClientInitError(
                "lib built without postgres support (rebuild with --features postgres)")
        self._attach(
            self._lib.fn.lnr_new_client_postgres(
                _arg(uniqName, "uniqName"), _arg(topic, "topic"),
                _arg(localhost, "localhost"), _arg(postgres_url, "postgres_url")),
            "error init postgres client, check postgres_url")
        return self

    @classmethod
    def new_redis(cls: Type[_C], uniqName: str, topic: str, localhost: str, redis_url: str,
                  *, strict: bool = False) -> _C:
        """The same as the plain constructor (liner's Redis one), named like
        :meth:`new_sqlite` and :meth:`new_postgres`."""
        return cls(uniqName, topic, localhost, redis_url, strict=strict)

    def _prepare(self, name: Any, topic: Any, strict: bool) -> None:
        self._handle: Optional[int] = None
        self._strict = bool(strict)
        self._name = name if isinstance(name, str) else str(name)
        self._topic = topic if isinstance(topic, str) else str(topic)
        # Every callback object given to the library, kept as long as the
        # client (a replaced one may still be running on another thread).
        self._keep: List[Any] = []
        self._inbox: Optional[Inbox] = None
        self._state_lock = threading.Lock()
        self._lib = _lib.get()

    def _attach(self, handle: Optional[int], error: str) -> None:
        if not handle:
            # liner's text first; then the code and the reason, if this
            # library tells them (liner 1.4.1's does not).
            code: Optional[int] = None
            reason = ""
            if self._lib.has("lnr_creation_error_code"):
                code = int(self._lib.fn.lnr_creation_error_code()) or None
            if code is not None and self._lib.has("lnr_creation_error_message"):
                reason = _dec(self._lib.fn.lnr_creation_error_message())
            raise ClientInitError(error, code, reason)
        self._handle = handle
        _registry.track(self)

    # -- liner wrapper compatibility ----------------------------------------------------

    @property
    def hClient_(self) -> ctypes.c_void_p:
        """The C handle as liner's wrapper keeps it (NULL once closed)."""
        return ctypes.c_void_p(self._handle)

    @property
    def recvCBack_(self) -> Any:
        """The receive callback object most recently given to the library."""
        return self._last_kept(_lib.RECEIVE_CB)

    @property
    def statusCBack_(self) -> Any:
        """The status callback object most recently given to the library."""
        return self._last_kept(_lib.STATUS_CB)

    def _last_kept(self, kind: Any) -> Any:
        for cb in reversed(self._keep):
            if isinstance(cb, kind):
                return cb
        return None

    # -- helpers ---------------------------------------------------------------------------

    @property
    def strict(self) -> bool:
        """Whether failures raise (see the class documentation)."""
        return self._strict

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._handle is None

    def unique_name(self) -> str:
        """The unique name given at creation."""
        return self._name

    def topic(self) -> str:
        """The client's own topic, given at creation."""
        return self._topic

    def _live_handle(self) -> Optional[int]:
        h = self._handle
        if h is None and self._strict:
            raise ClientClosedError("client is closed")
        return h

    def _error(self, h: int) -> LinerError:
        code = int(self._lib.fn.lnr_last_error_code(h))
        return error_for(code, _dec(self._lib.fn.lnr_last_error_message(h)))

    def _result(self, ok: bool, h: int) -> bool:
        if not ok and self._strict:
            raise self._error(h)
        return bool(ok)

    def _bool_call(self, name: str, *args: Any) -> bool:
        h = self._live_handle()
        if h is None:
            return False
        return self._result(getattr(self._lib.fn, name)(h, *args), h)

    # -- lifecycle -------------------------------------------------------------------------

    def run(self, receive_cback: Optional[ReceiveCallback] = None) -> bool:
        """Starts the client: binds, registers its topic and joins the mesh.

        ``receive_cback(to: str, from_: str, data: bytes)`` is called for
        every message, on the library's delivery thread, one at a time. It
        may call this client (e.g. ``send_to`` an answer). Without a callback
        (``None``), messages are queued for :meth:`receive` / :meth:`messages`.

        True if started or already running (a second ``run`` keeps the first
        callback). False (strict: raises) with ``ERR_BIND``, ``ERR_STORE``,
        ``ERR_INVALID_ARG``...
        """
        h = self._live_handle()
        if h is None:
            return False
        if receive_cback is not None and not callable(receive_cback):
            raise TypeError("receive_cback must be callable or None")
        if self._lib.fn.lnr_is_running(h):
            # The library keeps its first callback; this one is never called.
            cb = _receive_callback(lambda to, frm, data: None)
            self._keep.append(cb)
            return self._result(self._lib.fn.lnr_run(h, cb, None), h)
        inbox = None
        if receive_cback is None:
            inbox = self._inbox or Inbox()
            deliver: ReceiveCallback = inbox.put
            inbox.start()
        else:
            deliver = receive_cback
        cb = _receive_callback(deliver)
        self._keep.append(cb)
        if inbox is not None:
            self._inbox = inbox
        ok = self._lib.fn.lnr_run(h, cb, None)
        if not ok and inbox is not None:
            inbox.end()
        return self._result(ok, h)

    def run_queue(self) -> bool:
        """``run()`` without a callback: messages go to :meth:`messages`."""
        return self.run(None)

    def stop(self) -> bool:
        """Stops the client (True also when it was not running): unregisters,
        tells the peers and stores every unacknowledged at-least-once message.
        Subscriptions are dropped; subscribe again after the next ``run``."""
        ok = self._bool_call("lnr_stop")
        if ok and self._inbox is not None:
            self._inbox.end()
        return ok

    def is_running(self) -> bool:
        """True between a successful :meth:`run` and :meth:`stop`."""
        h = self._handle
        return bool(h is not None and self._lib.fn.lnr_is_running(h))

    def close(self) -> None:
        """Stops and deletes the client (``lnr_delete_client``). Safe to call
        twice; also done by ``with`` and on garbage collection.

        Called from inside a callback of the library, the deletion happens
        on a helper thread once the callback has returned (the library
        cannot delete a client from its own callback).
        """
        with self._state_lock:
            h, self._handle = self._handle, None
        if h is None:
            return
        _registry.forget(self)
        if self._inbox is not None:
            self._inbox.end()
        if _callback_guard.inside():
            _registry.delete_later(self._lib, h, self._keep)
        else:
            self._lib.fn.lnr_delete_client(h)

    def __enter__(self: _C) -> _C:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        if getattr(self, "_handle", None) is None:
            return
        if sys.is_finalizing():
            return  # the atexit handler closed what could be closed
        try:
            self.close()
        except Exception:
            pass

    def __repr__(self) -> str:
        state = "closed" if self._handle is None else (
            "running" if self.is_running() else "stopped")
        return f"<liner.Client {self._name!r} topic={self._topic!r} {state}>"

    # -- receiving without a callback ------------------------------------------------------

    def receive(self, timeout: Optional[float] = None) -> Optional[Message]:
        """The next message of a client run without a callback, as a
        :class:`liner.Message` ``(to, from_, data)``; ``None`` if none comes
        within ``timeout`` seconds (``None``: no limit) or the client was
        stopped/closed and everything received was taken."""
        inbox = self._inbox
        if inbox is None:
            raise RuntimeError("receive()/messages() need a client started with run() "
                               "without a callback")
        return inbox.get(timeout)

    def messages(self, timeout: Optional[float] = None) -> Iterator[Message]:
        """Iterates over received messages (``for to, frm, data in
        client.messages(timeout=5)``) of a client run without a callback.
        Ends when no message comes within ``timeout`` seconds (``None``: only
        when the client is stopped or closed, after the messages already
        received)."""
        while True:
            m = self.receive(timeout)
            if m is None:
                return
            yield m

    def pending_received(self) -> int:
        """Messages received and not yet taken by :meth:`receive`."""
        return len(self._inbox) if self._inbox is not None else 0

    # -- messaging ---------------------------------------------------------------------------

    def send_to(self, to_topic: str, data: Payload, at_least_once_delivery: bool = True) -> bool:
        """Queues ``data`` for one address of ``to_topic`` (round robin).

        True means accepted (copied, compressed if large), not delivered.
        ``at_least_once_delivery`` messages are kept (in the store if needed)
        until the receiver acknowledged them; others are dropped when the
        peer is unreachable. ``data``: bytes, bytearray, memoryview, or str
        (sent as UTF-8).
        """
        payload = _payload(data)
        return self._bool_call("lnr_send_to", _arg(to_topic, "to_topic"), payload,
                               len(payload), bool(at_least_once_delivery))

    def send_all(self, to_topic: str, data: Payload, at_least_once_delivery: bool = True) -> bool:
        """Like :meth:`send_to`, one copy to every address of ``to_topic``;
        True only if every copy was accepted."""
        payload = _payload(data)
        return self._bool_call("lnr_send_all", _arg(to_topic, "to_topic"), payload,
                               len(payload), bool(at_least_once_delivery))

    # -- topics ------------------------------------------------------------------------------

    def subscribe(self, topic: str) -> bool:
        """Also receive what is sent to ``topic`` (this client becomes one of
        its addresses). Before or after ``run``; announced to peers while
        running."""
        return self._bool_call("lnr_subscribe", _arg(topic, "topic"))

    def unsubscribe(self, topic: str) -> bool:
        """Stop receiving ``topic`` (True also if not subscribed)."""
        return self._bool_call("lnr_unsubscribe", _arg(topic, "topic"))

    def refresh_address_topic(self, topic: str) -> bool:
        """Re-reads the addresses of ``topic`` from the store; False
        (``ERR_NO_ADDR``) if there are none."""
        return self._bool_call("lnr_refresh_address_topic", _arg(topic, "topic"))

    def clear_stored_messages(self) -> bool:
        """Only while stopped: deletes this sender's stored queues, acks and
        remembered routes."""
        return self._bool_call("lnr_clear_stored_messages")

    def clear_addresses_of_topic(self) -> bool:
        """Only while stopped: deletes every catalog row of this client's own
        topic (all addresses, not only its own)."""
        return self._bool_call("lnr_clear_addresses_of_topic")

    # -- status and errors ------------------------------------------------------------------

    def set_status_callback(self, status_cback: Optional[StatusCallback]) -> bool:
        """Installs ``status_cback(kind: int, topic: str, peer: str,
        message: str)`` (``None`` removes it). See ``liner.StatusKind`` for
        the kinds. It runs on library threads, possibly concurrently with the
        receive callback."""
        h = self._live_handle()
        if h is None:
            return False
        if status_cback is None:
            cb = _lib.null(_lib.STATUS_CB)
        elif not callable(status_cback):
            raise TypeError("status_cback must be callable or None")
        else:
            cb = _status_callback(status_cback)
            self._keep.append(cb)
        return self._result(self._lib.fn.lnr_set_status_cb(h, cb, None), h)

    def last_error_code(self) -> int:
        """The code of the last call's outcome (``liner.OK`` = 0 on success;
        0 for a closed client)."""
        h = self._handle
        return 0 if h is None else int(self._lib.fn.lnr_last_error_code(h))

    def last_error_message(self) -> str:
        """The message of the last call's failure ("" on success)."""
        h = self._handle
        return "" if h is None else _dec(self._lib.fn.lnr_last_error_message(h))

    def stats(self) -> Optional[Dict[str, Any]]:
        """The client's counters as a dict (``lnr_stats_json``): messages
        and bytes sent and delivered, BUSY refusals, at-least-once messages
        waiting for an ack, store requests and their times, and one entry per
        route (docs/c-api.md, "Metrics"). None for a closed client or a
        library without counters (liner 1.4.1's)."""
        h = self._live_handle()
        if h is None or not self._lib.has("lnr_stats_json"):
            return None
        text = self._lib.fn.lnr_stats_json(h)
        return None if text is None else json.loads(_dec(text))

    def last_error(self) -> Optional[LinerError]:
        """The last failure as an exception object (not raised), or None."""
        h = self._handle
        if h is None or not self._lib.fn.lnr_last_error_code(h):
            return None
        return self._error(h)

    # -- directory and offline queues ---------------------------------------------------

    def list_addresses(self, topic: str) -> Optional[List[Tuple[str, str]]]:
        """The catalog rows of ``topic``, fresh from the store, as
        ``[(addr, unique_name), ...]``; None (strict: raises) on error."""
        h = self._live_handle()
        if h is None:
            return None
        rows: List[Tuple[str, str]] = []

        def on_row(addr: Optional[bytes], name: Optional[bytes], _u: Any) -> None:
            rows.append((_dec(addr), _dec(name)))

        cb = _lib.ADDR_CB(on_row)
        ok = self._lib.fn.lnr_list_addresses(h, _arg(topic, "topic"), cb, None)
        return rows if self._result(ok, h) else None

    def pending_count(self) -> int:
        """Messages of this sender waiting in the store (not those still in
        memory); -1 (strict: raises) on error."""
        h = self._live_handle()
        if h is None:
            return -1
        n = int(self._lib.fn.lnr_pending_count(h))
        if n < 0 and self._strict:
            raise self._error(h)
        return n

    def pending_by_peer(self) -> Optional[List[Tuple[str, str, str, int]]]:
        """The stored messages per peer: ``[(addr, topic, unique_name,
        count), ...]``; None (strict: raises) on error."""
        h = self._live_handle()
        if h is None:
            return None
        rows: List[Tuple[str, str, str, int]] = []

        def on_row(addr: Optional[bytes], topic: Optional[bytes], name: Optional[bytes],
                   count: int, _u: Any) -> None:
            rows.append((_dec(addr), _dec(topic), _dec(name), int(count)))

        cb = _lib.PENDING_CB(on_row)
        ok = self._lib.fn.lnr_pending_by_peer(h, cb, None)
        return rows if self._result(ok, h) else None

    # -- addresses ---------------------------------------------------------------------------

    def set_advertise_addr(self, addr: Optional[str]) -> bool:
        """Only while stopped: the address to publish instead of the bound
        one (``host:port``; port 0 = the bound port). None or "" clears it."""
        return self._bool_call("lnr_set_advertise_addr",
                               None if addr is None else _arg(addr, "addr"))

    # -- durability ------------------------------------------------------------------------

    def set_durable(self, on: bool) -> bool:
        """Only while stopped: durable mode. Every at-least-once send then
        returns only once the message is in the store, so a process killed
        right after loses nothing (docs/delivery.md, "Durable mode").
        Concurrent sends share store transactions. Raises RuntimeError with a
        library that has no durable mode (liner 1.4.1's)."""
        if not self._lib.has("lnr_set_durable"):
            raise RuntimeError("this liner library has no durable mode (lnr_set_durable)")
        return self._bool_call("lnr_set_durable", bool(on))

    # -- authentication --------------------------------------------------------------------

    def set_auth_secret(self, secret: Optional[str]) -> bool:
        """Only while stopped: the shared secret every peer must prove before
        a frame is accepted, both ways (HMAC-SHA256 challenge-response; see
        docs/security.md). None or "" turns it off. Default: the
        ``LINER_AUTH_SECRET`` environment variable. Raises RuntimeError with a
        library that has no authentication (liner 1.4.1's)."""
        if not self._lib.has("lnr_set_auth_secret"):
            raise RuntimeError("this liner library has no authentication (lnr_set_auth_secret)")
        return self._bool_call("lnr_set_auth_secret",
                               None if secret is None else _arg(secret, "secret"))

    def set_tls(self, cert_file: Optional[str], key_file: Optional[str],
                ca_file: Optional[str]) -> bool:
        """Only while stopped: TLS 1.3 for every connection, with mutual
        certificate verification (this client's certificate and key, and the
        CA every peer's certificate must chain to; PEM files, loaded now).
        All None or "" turns it off. Default: ``LINER_TLS_CERT``,
        ``LINER_TLS_KEY`` and ``LINER_TLS_CA``. Raises RuntimeError with a
        library that has no TLS (liner 1.4.1's)."""
        if not self._lib.has("lnr_set_tls"):
            raise RuntimeError("this liner library has no TLS (lnr_set_tls)")
        args = [None if f is None else _arg(f, name)
                for f, name in ((cert_file, "cert_file"), (key_file, "key_file"),
                                (ca_file, "ca_file"))]
        return self._bool_call("lnr_set_tls", *args)

    def advertise_addr(self) -> Optional[str]:
        """The advertise setting, or None."""
        return self._getter("lnr_advertise_addr")

    def bound_listen_addr(self) -> Optional[str]:
        """The local address of the last successful bind (kept after stop);
        None before the first run."""
        return self._getter("lnr_bound_listen_addr")

    def published_addr(self) -> Optional[str]:
        """The address in the catalog while running; None otherwise."""
        return self._getter("lnr_published_addr")

    def _getter(self, name: str) -> Optional[str]:
        h = self._handle
        if h is None:
            return None
        return _opt_dec(getattr(self._lib.fn, name)(h))
