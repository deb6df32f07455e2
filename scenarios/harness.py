"""The process plumbing the scenarios share: a store per scenario, peer
processes (scenarios/peer.py) driven over pipes, store outages (a private
PostgreSQL server to stop or freeze, a lock on a SQLite file), and the check
of what arrived (lost, duplicated, reordered)."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from scenarios import pg_conninfo
from scenarios.liner_import import REPO, liner

DEFAULT_WAIT = 60.0  # seconds: generous, only reached when something is wrong


class ScenarioError(Exception):
    """A scenario step did not happen (a command failed, a wait timed out)."""


# -- stores ----------------------------------------------------------------------


def redis_cli(url: str, *args: str) -> str:
    """One command through redis-cli at a redis://[:password@]host[:port][/db]
    URL (given to redis-cli piece by piece: its own -u reads ':password@'
    differently from liner)."""
    u = urllib.parse.urlsplit(url)
    cmd = ["redis-cli", "-h", u.hostname or "127.0.0.1", "-p", str(u.port or 6379),
           "-n", (u.path or "/0").lstrip("/") or "0"]
    env = dict(os.environ)
    password = urllib.parse.unquote(u.password if u.password is not None else (u.username or ""))
    if password:
        env["REDISCLI_AUTH"] = password
    if u.username and u.password is not None:
        cmd += ["--user", urllib.parse.unquote(u.username)]
    r = subprocess.run(cmd + list(args), env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
    if r.returncode != 0 or r.stdout.startswith("ERR") or r.stdout.startswith("NOAUTH"):
        raise ScenarioError("redis-cli %s failed: %s" % (args[0], (r.stderr or r.stdout).strip()[-300:]))
    return r.stdout.strip()


def is_redis_location(spec: str) -> bool:
    return spec.startswith(("redis://", "unix://", "redis+unix://"))


class Store:
    """A fresh store for one scenario: a SQLite file in a temporary folder,
    a new schema on a PostgreSQL server (dropped afterwards), or a database
    of its own on a Redis server (emptied before and after; the server needs
    many databases, as scripts/redis makes)."""

    @staticmethod
    def kind_of(spec: str) -> str:
        if is_redis_location(spec):
            return "redis"
        return "postgres" if pg_conninfo.is_postgres_location(spec) else "sqlite"

    def __init__(self, spec: str):
        self.kind = Store.kind_of(spec)
        self._tmp = tempfile.TemporaryDirectory(prefix="liner-scenario-")
        self._base = None
        if self.kind == "sqlite":
            self.url = os.path.join(self._tmp.name, "mesh.db")
            return
        if self.kind == "redis":
            db = 1 + int(redis_cli(spec, "INCR", "liner_test:next_db")) % 9999
            self.url = urllib.parse.urlsplit(spec)._replace(path="/%d" % db).geturl()
            redis_cli(self.url, "FLUSHDB")
            return
        self._base = spec
        self._schema = "scenario_" + uuid.uuid4().hex[:12]
        self._psql("CREATE SCHEMA " + self._schema)
        self.url = pg_conninfo.with_server_option(spec, "-csearch_path=" + self._schema)

    def _psql(self, sql: str) -> None:
        subprocess.run(["psql", self._base, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def sql(self, sql: str) -> str:
        """Runs SQL through psql in the mesh's own schema (PostgreSQL only),
        as an application would; returns what it printed (unaligned, no
        headers). A failing statement raises ScenarioError."""
        r = subprocess.run(["psql", self.url, "-qAt", "-v", "ON_ERROR_STOP=1", "-c", sql],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            raise ScenarioError("psql failed: %s" % r.stderr.strip()[-300:])
        return r.stdout.strip()

    def close(self) -> None:
        if self.kind == "redis":
            redis_cli(self.url, "FLUSHDB")
        if self._base:
            self._psql("DROP SCHEMA IF EXISTS %s CASCADE" % self._schema)
        self._tmp.cleanup()


# -- store outages ---------------------------------------------------------------


class PrivatePostgres:
    """A PostgreSQL server of the scenario's own (scripts/pg with PG_BASE in
    a temporary folder and a free PG_PORT), which it may stop, start, freeze
    and thaw without disturbing anyone else's. Usable as a mesh's store
    (`url`, `kind`). destroy() thaws, stops and removes it; call it in a
    `finally`."""

    kind = "postgres"

    def __init__(self, host=None):
        """`host`: a netlab host (scenarios/netlab.py) to run the server in,
        listening on the host's address too; the URL has that address."""
        self._tmp = tempfile.mkdtemp(prefix="liner-private-pg-")
        os.chmod(self._tmp, 0o755)  # as root, scripts/pg runs the server as `postgres`
        self._env = dict(os.environ, PG_BASE=os.path.join(self._tmp, "pg"),
                         PG_PORT=str(free_port()))
        for k in ("PG_USER", "PG_PASS", "PG_DB", "PG_LISTEN"):
            self._env.pop(k, None)  # scripts/pg's defaults
        self._wrap = host.wrap if host else list
        if host:
            self._env["PG_LISTEN"] = host.addr
        self._frozen: List[int] = []
        self.url = ""

    def _pg(self, cmd: str, timeout: float = 90) -> str:
        r = subprocess.run(self._wrap([os.path.join(REPO, "scripts", "pg"), cmd]), env=self._env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=timeout)
        if r.returncode != 0 and not (cmd == "status" and r.returncode == 3):
            raise ScenarioError("scripts/pg %s failed (%d): %s"
                                % (cmd, r.returncode, r.stderr.strip()[-300:]))
        return r.stdout.strip()

    def start(self) -> str:
        """Starts it (again); the peers' URL must not change on a restart."""
        url = self._pg("start").splitlines()[-1]
        if self.url and url != self.url:
            raise ScenarioError("the private PostgreSQL came back at %s, not %s" % (url, self.url))
        self.url = url
        return url

    def stop(self) -> None:
        """pg_ctl stop -m fast: sessions are ended, the server exits."""
        self.thaw()
        self._pg("stop")

    def postmaster_pid(self) -> Optional[int]:
        out = self._pg("status")
        if "(pid " not in out:
            return None
        return int(out.split("(pid ", 1)[1].split(")", 1)[0])

    def freeze(self) -> int:
        """SIGSTOP to the postmaster, then to all its children (found through
        the ppid field of /proc/*/stat). Returns how many processes."""
        pm = self.postmaster_pid()
        if pm is None:
            raise ScenarioError("the private PostgreSQL is not running")
        os.kill(pm, signal.SIGSTOP)  # first, so that it forks no new child
        self._frozen.append(pm)
        for pid in children_of(pm):
            try:
                os.kill(pid, signal.SIGSTOP)
                self._frozen.append(pid)
            except ProcessLookupError:
                pass
        return len(self._frozen)

    def thaw(self) -> None:
        """SIGCONT to everything freeze() stopped (children first)."""
        while self._frozen:
            pid = self._frozen.pop()
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass

    def destroy(self) -> None:
        try:
            self.thaw()
            self._pg("destroy")
        finally:
            shutil.rmtree(self._tmp, ignore_errors=True)


class PrivateRedis:
    """A Redis server of the scenario's own (scripts/redis with REDIS_BASE in
    a temporary folder, a free REDIS_PORT and REDIS_PERSIST=1, so that its
    data outlives a stop), which it may stop, start, freeze and thaw. Usable
    as a mesh's store (`url`, `kind`). destroy() thaws, stops and removes it."""

    kind = "redis"

    def __init__(self):
        self._tmp = tempfile.mkdtemp(prefix="liner-private-redis-")
        self._env = dict(os.environ, REDIS_BASE=os.path.join(self._tmp, "redis"),
                         REDIS_PORT=str(free_port()), REDIS_PERSIST="1")
        self._env.pop("REDIS_PASS", None)
        self._frozen: Optional[int] = None
        self.url = ""

    def _redis(self, cmd: str) -> str:
        r = subprocess.run([os.path.join(REPO, "scripts", "redis"), cmd], env=self._env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
        if r.returncode != 0 and not (cmd == "status" and r.returncode == 3):
            raise ScenarioError("scripts/redis %s failed (%d): %s"
                                % (cmd, r.returncode, r.stderr.strip()[-300:]))
        return r.stdout.strip()

    def start(self) -> str:
        url = self._redis("start").splitlines()[-1]
        if self.url and url != self.url:
            raise ScenarioError("the private Redis came back at %s, not %s" % (url, self.url))
        self.url = url
        return url

    def stop(self) -> None:
        self.thaw()
        self._redis("stop")

    def freeze(self) -> int:
        """SIGSTOP to redis-server (one process). Returns 1."""
        pid_file = os.path.join(self._env["REDIS_BASE"], "redis.pid")
        with open(pid_file) as f:
            self._frozen = int(f.read().strip())
        os.kill(self._frozen, signal.SIGSTOP)
        return 1

    def thaw(self) -> None:
        if self._frozen is not None:
            try:
                os.kill(self._frozen, signal.SIGCONT)
            except ProcessLookupError:
                pass
            self._frozen = None

    def destroy(self) -> None:
        try:
            self.thaw()
            self._redis("destroy")
        finally:
            shutil.rmtree(self._tmp, ignore_errors=True)


def children_of(ppid: int) -> List[int]:
    """Processes whose parent is `ppid`, from /proc/*/stat."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
        except OSError:
            continue
        # pid (comm) state ppid ...; comm may hold spaces and parentheses
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == ppid:
            found.append(int(entry))
    return found


def free_port() -> int:
    """A port the kernel just gave out (ephemeral) and that is free now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def low_free_port(first: int = 20000) -> int:
    """A free port below the ephemeral range (32768 and up on Linux): its
    address sorts before any that bind(port 0) hands out."""
    for port in range(first, 32768):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise ScenarioError("no free port between %d and 32767" % first)


class SqliteLock:
    """Another process holding an exclusive lock on a SQLite file: python's
    sqlite3 in a child process does BEGIN EXCLUSIVE and keeps the
    transaction open until release() (or at most `limit` seconds)."""

    _CHILD = """
import select, sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
db.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
select.select([sys.stdin], [], [], float(sys.argv[2]))
db.execute("ROLLBACK")
"""

    def __init__(self, path: str, limit: float = 60):
        self.path, self.limit = path, limit
        self.proc: Optional[subprocess.Popen] = None

    def acquire(self, timeout: float = 30) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", self._CHILD, self.path, str(self.limit)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        result: List[str] = []
        reader = threading.Thread(target=lambda: result.append(self.proc.stdout.readline()),
                                  daemon=True)
        reader.start()
        reader.join(timeout)
        if not result or result[0].strip() != "locked":
            err = self.proc.stderr.read() if self.proc.poll() is not None else ""
            self.release()
            raise ScenarioError("could not lock %s within %.0f s %s"
                                % (self.path, timeout, err.strip()[-300:]))

    def release(self) -> None:
        p, self.proc = self.proc, None
        if p is None:
            return
        if p.poll() is None:
            try:
                p.stdin.write("release\n")
                p.stdin.flush()
                p.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                p.kill()
                p.wait()


# -- peers -----------------------------------------------------------------------


class Peer:
    """One peer process. Every event it prints is kept; `received` holds its
    messages in arrival order as (from, data) pairs (data is the text, or
    "<size>:<sha256>" for big payloads). With `host` (a netlab host,
    scenarios/netlab.py) the process runs in that host's network namespace;
    `advertise` is the address it publishes instead of the bound one."""

    def __init__(self, name: str, topic: str, store, env: Optional[Dict[str, str]] = None,
                 listen: str = "127.0.0.1:0", host=None, advertise: Optional[str] = None):
        self.name, self.topic, self.store, self.host = name, topic, store, host
        env = dict(os.environ, **(env or {}))
        env["PYTHONPATH"] = os.pathsep.join(
            [REPO, os.path.join(REPO, "python"), env.get("PYTHONPATH", "")])
        cmd = [sys.executable, "-m", "scenarios.peer", "--name", name, "--topic", topic,
               "--store", store.url, "--kind", store.kind, "--listen", listen]
        if advertise:
            cmd += ["--advertise", advertise]
        self.proc = subprocess.Popen(
            host.wrap(cmd) if host else cmd,  # ip netns exec execs: same pid
            cwd=REPO, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, bufsize=1)
        self.received: List[Tuple[str, str]] = []
        self.statuses: List[dict] = []
        self.stderr: List[str] = []
        self.addr: Optional[str] = None
        self.killed = False  # by kill(): its exit is no crash
        self._done: Dict[int, dict] = {}  # "done" events by command id
        self._cmds: Dict[int, str] = {}  # command names by id
        self._pending_count: Optional[int] = None
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
                elif ev["ev"] == "pending":  # the next "done" is its command's
                    self._pending_count = ev["count"]
                elif ev["ev"] == "done":
                    if self._pending_count is not None:
                        ev["count"], self._pending_count = self._pending_count, None
                    self._done[ev.get("id")] = ev
                self._cond.notify_all()
        with self._cond:  # end of output: the process is gone; wake the waits
            self._cond.notify_all()

    def _read_stderr(self) -> None:
        for line in self.proc.stderr:
            self.stderr.append(line.rstrip())

    # commands

    def command(self, cmd: str, timeout: float = DEFAULT_WAIT, check: bool = True, **args) -> dict:
        """Sends one command and waits for its "done" event."""
        return self.finish(self.begin(cmd, **args), timeout, check)

    def begin(self, cmd: str, **args) -> int:
        """Sends one command without waiting; returns its id for finish()."""
        self._next_id += 1
        self._cmds[self._next_id] = cmd
        msg = dict(args, cmd=cmd, id=self._next_id)
        try:
            self.proc.stdin.write(json.dumps(msg) + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise ScenarioError("%s is gone (%s)" % (self.name, self.describe_exit()))
        return self._next_id

    def finish(self, id_: int, timeout: float = DEFAULT_WAIT, check: bool = True) -> dict:
        """Waits for the "done" event of command `id_` (from begin()). With
        check, a failure raises ScenarioError; without, the event is returned
        (`ok`, `code`, `error`, and `sent` for a send). A process that exits
        first fails at once."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while id_ not in self._done:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ScenarioError("%s: no answer to %s within %.0f s"
                                        % (self.name, self._cmds.get(id_), timeout))
                if self.proc.poll() is not None and not self._readers[0].is_alive():
                    raise ScenarioError("%s is gone before answering %s (%s)"
                                        % (self.name, self._cmds.get(id_), self.describe_exit()))
                self._cond.wait(min(left, 0.5))
            ev = self._done.pop(id_)
        if check and not ev["ok"]:
            raise ScenarioError("%s: %s failed: code %s (%s) %s"
                                % (self.name, self._cmds.get(id_), ev["code"],
                                   error_name(ev["code"]), ev["error"]))
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
            self.killed = True
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        self._join()

    def _join(self) -> None:
        for t in self._readers:
            t.join(timeout=5)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def crashed(self) -> bool:
        """Exited by itself with a non-zero status or a signal (not kill())."""
        rc = self.proc.poll()
        return rc not in (None, 0) and not self.killed

    def describe_exit(self) -> str:
        rc = self.proc.poll()
        how = ("signal %s" % signal.Signals(-rc).name) if rc is not None and rc < 0 else "exit %s" % rc
        tail = "; ".join(self.stderr[-3:])
        return "%s%s" % (how, (": " + tail) if tail else "")


def error_name(code) -> str:
    """liner's name of an error code (5 -> "NO_ADDR")."""
    try:
        return liner.ErrorCode(int(code)).name
    except (ValueError, TypeError):
        return "?"


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
              allow_duplicates: int = 0, ordered: bool = True) -> None:
        """Every payload of `expected` must have arrived at `receiver` from
        `sender_topic` exactly once (up to `allow_duplicates` extra copies,
        where the guarantee allows them), in this order (in any order when
        `ordered` is false)."""
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
        reordered = sum(1 for a, b in zip(firsts, firsts[1:]) if b < a) if ordered else 0
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
        self.store = store  # a scenario may point it at a store of its own
        self.env: Dict[str, str] = {}  # extra environment of every peer
        self.peers: List[Peer] = []
        self.tally = Tally()

    def peer(self, name: str, topic: str, run: bool = True,
             env: Optional[Dict[str, str]] = None, listen: str = "127.0.0.1:0",
             host=None, advertise: Optional[str] = None) -> Peer:
        p = Peer(name, topic, self.store, dict(self.env, **(env or {})), listen, host, advertise)
        self.peers.append(p)
        return p.run() if run else p

    def check_no_crash(self) -> None:
        """Records a problem for every peer that died by itself."""
        for p in self.peers:
            self.tally.require(not p.crashed(), "%s crashed (%s)" % (p.name, p.describe_exit()))

    @property
    def peer_count(self) -> int:
        return len({p.name for p in self.peers})

    def close(self) -> None:
        for p in self.peers:
            try:
                p.kill()
            except Exception:  # cleanup must go on
                pass
