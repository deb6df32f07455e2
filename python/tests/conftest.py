"""Fixtures of the pytest suite (run against the real libliner.so).

The package under test is the source tree's (python/liner); the library is
the one it finds (LINER_LIBRARY, which scripts/test sets, else the build
tree). PostgreSQL tests need LINER_TEST_POSTGRES_URL (scripts/test sets it;
by hand: export LINER_TEST_POSTGRES_URL=$(scripts/pg start)); without it they
fail, as the C++ suites do: they never skip silently.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator, List

import pytest

import support
from support import Process, Store, liner


@pytest.fixture(params=["sqlite", "postgres", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty store of each kind; its clients are closed afterwards."""
    s = Store(request.param, tmp_path)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    """An empty SQLite store (for tests about the binding, not the backends)."""
    s = Store("sqlite", tmp_path)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def processes() -> Iterator[List[Process]]:
    """Child processes started by a test; killed and reaped afterwards."""
    started: List[Process] = []
    try:
        yield started
    finally:
        for p in started:
            p.close()


@pytest.fixture
def knobs_restored() -> Iterator[None]:
    """Restores the process-wide knobs a test changes."""
    saved = (liner.get_max_message_size(), liner.get_compress_threshold(),
             liner.get_max_send_queue(), liner.get_inbound_budget(),
             liner.get_max_inbound_connections(), liner.get_send_buffer(),
             liner.get_send_timeout_ms(), liner.get_store_timeout_ms(),
             liner.get_first_frame_timeout_ms(), liner.get_heartbeat_ms(),
             liner.get_peer_timeout_ms())
    try:
        yield
    finally:
        liner.set_max_message_size(saved[0])
        liner.set_compress_threshold(saved[1])
        liner.set_max_send_queue(saved[2])
        liner.set_inbound_budget(saved[3])
        liner.set_max_inbound_connections(saved[4])
        liner.set_send_buffer(saved[5])
        liner.set_send_timeout_ms(saved[6])
        liner.set_store_timeout_ms(saved[7])
        liner.set_first_frame_timeout_ms(saved[8])
        liner.set_heartbeat_ms(saved[9])
        liner.set_peer_timeout_ms(saved[10])


@pytest.fixture
def log_lines() -> Iterator[support.Collector]:
    """The library's log lines during the test (stderr again afterwards)."""
    lines = support.Collector()
    liner.set_log_callback(lines)
    try:
        yield lines
    finally:
        liner.set_log_callback(None)
