"""Compatibility with liner's own Python wrapper (spec section 1.5)."""
from __future__ import annotations

import ctypes
import inspect
import subprocess
import sys
from pathlib import Path

from support import TIMEOUT, Store, child_env, free_port, liner


def test_a_program_written_for_liners_wrapper_runs_unchanged(store: Store, tmp_path) -> None:
    program = Path(__file__).resolve().parent / "liner_wrapper_program.py"
    env = child_env()
    del env["LINER_LIBRARY"]  # the program calls loadLib itself
    out = subprocess.run([sys.executable, str(program), liner.library_path(), store.kind,
                          store.location, str(free_port()), str(free_port())],
                         env=env, cwd=tmp_path, capture_output=True, text=True, timeout=TIMEOUT)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.splitlines() == [f"version {liner.version()}", "OK"]


def test_signatures_match_liners_wrapper() -> None:
    def params(f):
        return [p for p in inspect.signature(f).parameters if p not in ("self", "strict")]

    C = liner.Client
    assert params(C.__init__) == ["uniqName", "topic", "localhost", "redisPath"]
    assert params(C.new_sqlite) == ["uniqName", "topic", "localhost", "sqlite_path",
                                    "receivers_json"]
    assert params(C.new_postgres) == ["uniqName", "topic", "localhost", "postgres_url"]
    assert params(C.send_to) == ["to_topic", "data", "at_least_once_delivery"]
    assert params(C.send_all) == ["to_topic", "data", "at_least_once_delivery"]
    assert inspect.signature(C.send_to).parameters["at_least_once_delivery"].default is True
    for name in ["run", "stop", "is_running", "send_to", "send_all", "subscribe", "unsubscribe",
                 "refresh_address_topic", "clear_stored_messages", "clear_addresses_of_topic",
                 "set_status_callback", "last_error_code", "last_error_message",
                 "list_addresses", "pending_count", "pending_by_peer", "set_advertise_addr",
                 "advertise_addr", "bound_listen_addr", "published_addr", "close",
                 "__enter__", "__exit__"]:
        assert callable(getattr(C, name)), name
    for name in ["loadLib", "version", "set_log_callback", "set_max_message_size",
                 "get_max_message_size", "set_compress_threshold", "get_compress_threshold",
                 "set_max_send_queue", "get_max_send_queue"]:
        assert callable(getattr(liner, name)), name


def test_wrapper_attributes(sqlite_store: Store) -> None:
    c = sqlite_store.client("a", "A")
    assert isinstance(c.hClient_, ctypes.c_void_p) and c.hClient_
    assert c.recvCBack_ is None and c.statusCBack_ is None
    assert c.run(lambda to, frm, data: None)
    assert c.recvCBack_ is not None
    assert c.set_status_callback(lambda *a: None)
    assert c.statusCBack_ is not None
