"""The process plumbing the scenarios share: a store per scenario, peer
processes (scenarios/peer.py) driven over pipes, and the check of what
arrived (lost, duplicated, reordered)."""

import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from scenarios.liner_import import REPO

DEFAULT_WAIT = 60.0  # seconds: generous, only reached when something is wrong


class ScenarioError(Exception):
    """A scenario step did not happen (a command failed, a wait timed out)."""


# -- stores ----------------------------------------------------------------------


class Store:
    """A fresh store for one scenario: a SQLite file in a temporary folder,
    or a new schema on a PostgreSQL server (dropped afterwards)."""

    def __init__(self, spec: str):
        self.kind = "postgres" if spec.startswith("postgres") else "sqlite"
        self._tmp = tempfile.TemporaryDirectory(prefix="liner-scenario-")
        if self.kind == "sqlite":
            self.url = os.path.join(self._tmp.name, "mesh.db")
            self._base = None
            return
        self._base = spec
        self._schema = "scenario_" + uuid.uuid4().hex[:12]
        self._psql("CREATE SCHEMA " + self._schema)
        sep = "&" if "?" in spec else "?"
        self.url = spec + sep + "options=-csearch_path%3D" + self._schema

    def _psql(self, sql: str) -> None:
        subprocess.run(["psql", self._base, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def close(self) -> None:
        if self._base:
            self._psql("DROP SCHEMA IF EXISTS %s CASCADE" % self._schema)
        self._tmp.cleanup()


# -- peers -----------------------------------------------------------------------


class Peer:
    """One peer process. Every event it prints is kept; `received` holds its
    messages in arrival order as (from, data) pairs (data is the text, or
    "<size>:<sha256>" for big payloads)."""

    def __init__(self, name: str, topic: str, store: Store):
        self.name, self.topic, self.store = name, topic, store
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            [REPO, os.path.join(REPO, "python"), env.get("PYTHONPATH", "")])
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "scenarios.peer", "--name", name, "--topic", topic,
             "--store", store.url],
            cwd=REPO, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, bufsize=1)
        self.received: List[Tuple[str, str]] = []
        self.statuses: List[dict] = []
        self.stderr: List[str] = []
        self.addr: Optional[str] = None
        self._replies: "queue.Queue[dict]" = queue.Queue()
        self._cond = threading.Condition()
        self._next_id = 0
        self._readers = [threading.Thread(target=self._read_stdout, daemon=True),
                         threading.Thread(target=self._read_stderr, daemon=True)]
        for t in self._readers:
            t.start()

    def _read_stdout(self) -> None:
        for line in self.proc.stdout:
            try:
                ev = json.loads(line)
            except ValueError:
                self.stderr.append("stdout: " + line.rstrip())
                continue
            with self._cond:
                if ev["ev"] == "recv":
                    data = ev["data"] if "data" in ev else "%d:%s" % (ev["size"], ev["sha256"])
                    self.received.append((ev["frm"], data))
                elif ev["ev"] == "status":
                    self.statuses.append(ev)
                elif ev["ev"] == "ready":
                    self.addr = ev["addr"]
                self._cond.notify_all()
            if ev["ev"] in ("done", "pending"):
                self._replies.put(ev)

    def _read_stderr(self) -> None:
        for line in self.proc.stderr:
            self.stderr.append(line.rstrip())

    # commands

    def command(self, cmd: str, timeout: float = DEFAULT_WAIT, check: bool = True, **args) -> dict:
        """Sends one command and waits for its "done" event."""
        self._next_id += 1
        msg = dict(args, cmd=cmd, id=self._next_id)
        try:
            self.proc.stdin.write(json.dumps(msg) + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise ScenarioError("%s is gone (%s)" % (self.name, self.describe_exit()))
        extra = {}
        deadline = time.monotonic() + timeout
        while True:
            try:
                ev = self._replies.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise ScenarioError("%s: no answer to %s within %.0f s" % (self.name, cmd, timeout))
            if ev["ev"] == "pending":
                extra["count"] = ev["count"]
                continue
            if ev.get("id") == self._next_id:
                ev.update(extra)
                if check and not ev["ok"]:
                    raise ScenarioError("%s: %s failed: code %s %s"
                                        % (self.name, cmd, ev["code"], ev["error"]))
                return ev

    def run(self) -> "Peer":
        self.command("run")
        return self

    def send(self, topic: str, count: int, prefix: str = "", first: int = 0,
             alo: bool = True, all: bool = False, **extra) -> None:
        self.command("send", topic=topic, count=count, prefix=prefix, first=first, alo=alo,
                     all=all, **extra)

    def pending(self) -> int:
        return self.command("pending")["count"]

    def wait_for(self, predicate, what: str, timeout: float = DEFAULT_WAIT) -> None:
        """Waits until predicate(self) holds (checked on every event)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(self):
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None and not predicate(self):
                    raise ScenarioError("%s: %s did not happen (%d messages received)"
                                        % (self.name, what, len(self.received)))
                self._cond.wait(min(left, 0.5))

    def wait_received(self, count: int, timeout: float = DEFAULT_WAIT) -> None:
        self.wait_for(lambda p: len(p.received) >= count, "%d messages" % count, timeout)

    def wait_status(self, kind: int, timeout: float = DEFAULT_WAIT) -> dict:
        self.wait_for(lambda p: any(s["kind"] == kind for s in p.statuses),
                      "status kind %d" % kind, timeout)
        return next(s for s in self.statuses if s["kind"] == kind)

    # ending

    def quit(self, timeout: float = DEFAULT_WAIT) -> None:
        """Stops and exits cleanly (the client is closed)."""
        if self.proc.poll() is None:
            self.command("quit", timeout=timeout)
            self.proc.wait(timeout=timeout)
        self._join()

    def kill(self) -> None:
        """SIGKILL: no stop, no flush, no goodbye."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        self._join()

    def _join(self) -> None:
        for t in self._readers:
            t.join(timeout=5)

    def describe_exit(self) -> str:
        rc = self.proc.poll()
        tail = "; ".join(self.stderr[-3:])
        return "exit %s%s" % (rc, (": " + tail) if tail else "")


def eventually(predicate, what: str, timeout: float = DEFAULT_WAIT) -> None:
    """Polls a condition that no event announces (store state, say)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise ScenarioError(what + " did not happen")
        time.sleep(0.1)


# -- checking ----------------------------------------------------------------------


@dataclass
class Tally:
    """What a scenario expected and what arrived."""
    messages: int = 0   # expected deliveries
    lost: int = 0
    duplicates: int = 0
    reordered: int = 0
    problems: List[str] = field(default_factory=list)
    notes: str = ""

    def check(self, receiver: Peer, sender_topic: str, expected: List[str],
              allow_duplicates: int = 0) -> None:
        """Every payload of `expected` must have arrived at `receiver` from
        `sender_topic` exactly once (up to `allow_duplicates` extra copies,
        where the guarantee allows them), in this order."""
        got = [d for frm, d in receiver.received if frm == sender_topic]
        self.messages += len(expected)
        counts: Dict[str, int] = {}
        for d in got:
            counts[d] = counts.get(d, 0) + 1
        lost = [e for e in expected if counts.get(e, 0) == 0]
        dups = sum(c - 1 for c in counts.values() if c > 1)
        # reordered: arrivals whose first copy comes before an earlier message's
        position = {e: i for i, e in enumerate(expected)}
        firsts, seen = [], set()
        for d in got:
            if d in position and d not in seen:
                seen.add(d)
                firsts.append(position[d])
        reordered = sum(1 for a, b in zip(firsts, firsts[1:]) if b < a)
        unexpected = [d for d in counts if d not in position]
        self.lost += len(lost)
        self.duplicates += max(0, dups - allow_duplicates)
        self.reordered += reordered
        where = "%s <- %s" % (receiver.name, sender_topic)
        if lost:
            self.problems.append("%s: %d lost (first %s)" % (where, len(lost), lost[0]))
        if dups > allow_duplicates:
            self.problems.append("%s: %d duplicates" % (where, dups))
        if reordered:
            self.problems.append("%s: %d out of order" % (where, reordered))
        if unexpected:
            self.problems.append("%s: %d unexpected (%s)" % (where, len(unexpected), unexpected[0]))

    def require(self, condition: bool, problem: str) -> None:
        if not condition:
            self.problems.append(problem)

    @property
    def ok(self) -> bool:
        return not self.problems


def payloads(prefix: str, count: int, first: int = 0) -> List[str]:
    return ["%s%d" % (prefix, i) for i in range(first, first + count)]


class Mesh:
    """The peers of one scenario on one store; everything it started is
    killed when the scenario ends, however it ends."""

    def __init__(self, store: Store):
        self.store = store
        self.peers: List[Peer] = []
        self.tally = Tally()

    def peer(self, name: str, topic: str, run: bool = True) -> Peer:
        p = Peer(name, topic, self.store)
        self.peers.append(p)
        return p.run() if run else p

    @property
    def peer_count(self) -> int:
        return len({p.name for p in self.peers})

    def close(self) -> None:
        for p in self.peers:
            try:
                p.kill()
            except Exception:  # cleanup must go on
                pass
