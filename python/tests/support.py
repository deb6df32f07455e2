"""Helpers of the pytest suite: waiting on conditions, the test stores,
child processes. Everything waits on a condition with a generous deadline;
nothing sleeps and then asserts."""
from __future__ import annotations

import os
import random
import socket
import sqlite3
import subprocess
import sys
import threading
import urllib.parse
import time
from pathlib import Path
from typing import Any, Callable, List, Optional, Sequence

PYTHON_DIR = Path(__file__).resolve().parents[1]
REPO = PYTHON_DIR.parent
PEER_SCRIPT = Path(__file__).resolve().parent / "peer.py"

#: Upper bound for every wait (seconds); waits end as soon as their
#: condition holds, so this only matters when something is broken.
TIMEOUT = float(os.environ.get("LINER_TEST_TIMEOUT", "60"))

if str(PYTHON_DIR) not in sys.path:
    sys.path.insert(0, str(PYTHON_DIR))

import liner  # noqa: E402  (the source tree's package)

if str(REPO) not in sys.path:
    sys.path.append(str(REPO))
from scenarios import pg_conninfo  # noqa: E402  (libpq's parser for connection strings)
from scenarios.harness import redis_cli  # noqa: E402


def wait_until(pred: Callable[[], Any], timeout: float = TIMEOUT, interval: float = 0.01) -> bool:
    """Polls ``pred`` until it is true or ``timeout`` passes; returns its
    last truth value."""
    deadline = time.monotonic() + timeout
    while True:
        if pred():
            return True
        if time.monotonic() >= deadline:
            return bool(pred())
        time.sleep(interval)


class Collector:
    """A thread-safe list of callback calls, with waiting."""

    def __init__(self) -> None:
        self.items: List[Any] = []
        self._cond = threading.Condition()

    def __call__(self, *args: Any) -> None:
        with self._cond:
            self.items.append(args if len(args) != 1 else args[0])
            self._cond.notify_all()

    def snapshot(self) -> List[Any]:
        with self._cond:
            return list(self.items)

    def wait_for(self, pred: Callable[[List[Any]], Any], timeout: float = TIMEOUT) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: pred(self.items), timeout)

    def wait_count(self, n: int, timeout: float = TIMEOUT) -> bool:
        return self.wait_for(lambda items: len(items) >= n, timeout)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- stores -------------------------------------------------------------------------------


def _server_url(variable: str, script: str) -> str:
    url = os.environ.get(variable, "")
    if not url:
        raise RuntimeError(f"{variable} is not set: start a server with "
                           f"`export {variable}=$(scripts/{script} start)`, or run scripts/test")
    return url


def postgres_base_url() -> str:
    return _server_url("LINER_TEST_POSTGRES_URL", "pg")


def redis_base_url() -> str:
    return _server_url("LINER_TEST_REDIS_URL", "redis")


def drop_schema(schema: str) -> None:
    """Drops a schema a test made (or a client made for its namespace)."""
    psql(postgres_base_url(), f'SET client_min_messages = warning; DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def url_with_schema(url: str, schema: str) -> str:
    """As tests/support/test_backends.cpp: a search_path option added to the
    connection string by libpq's parser."""
    return pg_conninfo.with_server_option(url, "-csearch_path=" + schema)


def psql(url: str, sql: str) -> str:
    r = subprocess.run(["psql", url, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql],
                       capture_output=True, text=True, timeout=TIMEOUT)
    if r.returncode != 0:
        raise RuntimeError(f"psql failed ({r.returncode}): {r.stderr.strip()}")
    return r.stdout.strip()


class Store:
    """One empty store of any kind (a SQLite file, a PostgreSQL schema, a
    Redis database of its own), and the clients made on it (closed at the
    end of the test)."""

    def __init__(self, kind: str, tmp_path: Path) -> None:
        self.kind = kind
        self.clients: List[liner.Client] = []
        self._base_url = ""
        self.schema = ""
        if kind == "sqlite":
            self.location = str(tmp_path / "liner.db")
        elif kind == "postgres":
            self._base_url = postgres_base_url()
            self.schema = f"liner_py_{os.getpid()}_{random.randrange(1 << 30)}"
            psql(self._base_url, f"CREATE SCHEMA {self.schema}")
            self.location = url_with_schema(self._base_url, self.schema)
        elif kind == "redis":
            base = redis_base_url()
            db = 1 + int(redis_cli(base, "INCR", "liner_test:next_db")) % 9999
            self.location = urllib.parse.urlsplit(base)._replace(path=f"/{db}").geturl()
            redis_cli(self.location, "FLUSHDB")
        else:
            raise ValueError(kind)

    def _new(self, name: str, topic: str, addr: str, **kw: Any) -> liner.Client:
        if self.kind == "sqlite":
            return liner.Client.new_sqlite(name, topic, addr, self.location, **kw)
        if self.kind == "postgres":
            kw.pop("receivers_json", None)
            return liner.Client.new_postgres(name, topic, addr, self.location, **kw)
        kw.pop("receivers_json", None)
        return liner.Client.new_redis(name, topic, addr, self.location, **kw)

    def client(self, name: str, topic: str, addr: str = "127.0.0.1:0", *,
               strict: bool = False, receivers_json: str = "") -> liner.Client:
        c = self._new(name, topic, addr, receivers_json=receivers_json, strict=strict)
        self.clients.append(c)
        return c

    def new_unmanaged(self, name: str, topic: str, addr: str = "127.0.0.1:0") -> liner.Client:
        """A client the store does not keep a reference to (GC tests)."""
        return self._new(name, topic, addr)

    def peer_args(self) -> List[str]:
        return ["--" + self.kind, self.location]

    def stored_ack(self, sender: str, sender_topic: str, listener: str) -> Optional[int]:
        """The ack the store holds for sender -> listener (None if none)."""
        if self.kind == "redis":
            def esc(s: str) -> str:
                return s.replace("\\", "\\\\").replace(":", "\\c")
            ck = redis_cli(self.location, "GET",
                           f"lnr_connection:{esc(sender)}:{esc(sender_topic)}:{esc(listener)}:key")
            v = redis_cli(self.location, "GET", f"lnr_connection:{ck}:mess_number") if ck else ""
            return int(v) if v else None
        composite = f"{sender}:{sender_topic}:{listener}".replace("'", "''")
        return self.scalar("SELECT v FROM conn_mess_number WHERE connection_key = "
                           f"(SELECT connection_key FROM conn_key_map WHERE composite = '{composite}')")

    def scalar(self, sql: str) -> Optional[int]:
        """SQL stores: first column of the first row as an int (None without rows)."""
        if self.kind == "sqlite":
            con = sqlite3.connect(self.location, timeout=30)
            try:
                row = con.execute(sql).fetchone()
            finally:
                con.close()
            return None if row is None or row[0] is None else int(row[0])
        out = psql(self.location, sql)
        return int(out.splitlines()[0]) if out else None

    def close(self) -> None:
        for c in self.clients:
            c.close()
        self.clients.clear()
        if self.kind == "postgres":
            psql(self._base_url, f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
        if self.kind == "redis":
            redis_cli(self.location, "FLUSHDB")


# -- child processes -------------------------------------------------------------------


def child_env(extra: Optional[dict] = None) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(PYTHON_DIR) + (os.pathsep + env["PYTHONPATH"]
                                           if env.get("PYTHONPATH") else "")
    env["PYTHONUNBUFFERED"] = "1"
    env.setdefault("LINER_LIBRARY", liner.library_path())
    if extra:
        env.update(extra)
    return env


class Process:
    """A child process whose stdout lines are collected by a thread."""

    def __init__(self, argv: Sequence[str], env: Optional[dict] = None,
                 cwd: Optional[str] = None) -> None:
        self.argv = list(argv)
        self.lines = Collector()
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, bufsize=1,
                                     env=env or child_env(), cwd=cwd)
        self.stderr = Collector()
        self._threads = [threading.Thread(target=self._read, args=(self.proc.stdout, self.lines),
                                          daemon=True),
                         threading.Thread(target=self._read,
                                          args=(self.proc.stderr, self.stderr), daemon=True)]
        for t in self._threads:
            t.start()

    @staticmethod
    def _read(stream: Any, sink: Collector) -> None:
        for line in stream:
            sink(line.rstrip("\n"))

    def wait_line(self, pred: Callable[[str], bool], timeout: float = TIMEOUT) -> Optional[str]:
        found: List[str] = []

        def check(items: List[str]) -> bool:
            for line in items:
                if pred(line):
                    found.append(line)
                    return True
            return self.proc.poll() is not None and not self._threads[0].is_alive()

        self.lines.wait_for(check, timeout)
        return found[0] if found else None

    def has_line(self, exact: str, timeout: float = TIMEOUT) -> bool:
        return self.wait_line(lambda line: line == exact, timeout) is not None

    def command(self, line: str, timeout: float = TIMEOUT) -> str:
        """Sends a stdin command; returns the first new "ok..."/"err ..." line."""
        start = len(self.lines.snapshot())
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        answer: List[str] = []

        def check(items: List[str]) -> bool:
            for l in items[start:]:
                if l == "ok" or l.startswith(("ok ", "err ")):
                    answer.append(l)
                    return True
            return self.proc.poll() is not None

        self.lines.wait_for(check, timeout)
        return answer[0] if answer else f"(no answer to {line!r})"

    def wait_exit(self, timeout: float = TIMEOUT) -> int:
        rc = self.proc.wait(timeout)
        for t in self._threads:
            t.join(timeout)
        return rc

    def kill(self, sig: int) -> None:
        self.proc.send_signal(sig)

    def dump(self) -> str:
        return ("stdout:\n  " + "\n  ".join(self.lines.snapshot())
                + "\nstderr:\n  " + "\n  ".join(self.stderr.snapshot()))

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.wait(TIMEOUT)
        finally:
            for s in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
                try:
                    if s:
                        s.close()
                except OSError:
                    pass
