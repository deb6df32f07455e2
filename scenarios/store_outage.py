"""store_outage: at-least-once traffic from a sender to a receiver while the
store goes away and comes back. On PostgreSQL (a private server the scenario
starts with scripts/pg, never the one given with --store): the server is
stopped (fast) in the middle of a paced stream of 1000 messages, the
receiver is killed with SIGKILL while it is down, the server starts again and
the receiver is restarted; then, during a second stream, the server and all
its processes are frozen (SIGSTOP) for 3 s and thawed. On SQLite, the outage
is another process holding BEGIN EXCLUSIVE on the file for 8 s (longer than
the 5 s busy timeout), once with the kill and once without. The peers run
with LINER_STORE_TIMEOUT_MS=1000. Every accepted message arrives; the first
copies arrive in order; duplicates are counted (allowed); no peer process
crashes."""

import time

from scenarios.harness import (PrivatePostgres, PrivateRedis, ScenarioError, SqliteLock, error_name,
                               payloads)

TIME_LIMIT = 120

STREAM = 1000    # messages per stream
PACE_MS = 4      # pause after each send: a stream lasts about 5 s
PG_DOWN_S = 2    # the server stays stopped at least this long
PG_FREEZE_S = 3
SQLITE_LOCK_S = 8

SENDER_STORE_ERROR, LISTENER_STORE_ERROR = 6, 8


class _Outage:
    """What goes away: begin() / end(); end() waits until the outage has
    lasted at least `least` seconds."""

    def __init__(self, name, begin, end, least):
        self.name, self._begin, self._end, self.least = name, begin, end, least
        self._since = None

    def begin(self):
        frozen = self._begin()  # freeze() says how many processes it stopped
        if isinstance(frozen, int):
            self.name = "server frozen (%d processes)" % frozen
        self._since = time.monotonic()

    def end(self):
        left = self.least - (time.monotonic() - self._since)
        if left > 0:
            time.sleep(left)  # the outage lasts this long: an action, not a wait
        self._end()
        return time.monotonic() - self._since


def run(mesh):
    if mesh.store.kind in ("postgres", "redis"):
        server = PrivatePostgres() if mesh.store.kind == "postgres" else PrivateRedis()
        try:
            server.start()
            mesh.store = server
            stopped = _Outage("server stopped", server.stop, server.start, PG_DOWN_S)
            frozen = _Outage("server frozen", server.freeze, server.thaw, PG_FREEZE_S)
            _scenario(mesh, stopped, frozen)
        finally:
            mesh.close()  # the peers first, then their server
            server.destroy()
    else:
        lock = SqliteLock(mesh.store.url)
        try:
            locked = _Outage("file locked", lock.acquire, lock.release, SQLITE_LOCK_S)
            _scenario(mesh, locked, locked)
        finally:
            lock.release()


def _count(peer, prefix):
    return sum(1 for frm, d in peer.received if frm == "SENDER" and d.startswith(prefix))


def _try_wait(peer, predicate, what, timeout):
    try:
        peer.wait_for(predicate, what, timeout)
        return True
    except ScenarioError:
        return False


def _begin_stream(sender, prefix):
    return sender.begin("send", topic="RECEIVER", count=STREAM, prefix=prefix, alo=True,
                        pace_ms=PACE_MS, keep_going=True)


def _finish_stream(mesh, sender, job, prefix):
    """The stream's payloads that were accepted. Refusals are a problem
    (the refused messages are not expected anywhere)."""
    done = sender.finish(job, timeout=90, check=False)
    refused = set(done.get("refused", []))
    if refused:
        mesh.tally.problems.append(
            "sender: %d of %d sends refused (first %s%d: code %s (%s) %s)"
            % (len(refused), STREAM, prefix, min(refused), done["code"],
               error_name(done["code"]), done["error"]))
    return [p for i, p in enumerate(payloads(prefix, STREAM)) if i not in refused]


def _check_stream(mesh, runs, expected, what):
    """The stream over the receiver runs (in order): nothing lost, first
    copies in sending order; duplicates counted, allowed."""
    wanted = set(expected)
    position = {e: i for i, e in enumerate(expected)}
    arrived = [d for p in runs for frm, d in p.received if frm == "SENDER" and d in wanted]
    firsts, seen = [], set()
    for d in arrived:
        if d not in seen:
            seen.add(d)
            firsts.append(position[d])
    lost = [e for e in expected if e not in seen]
    dups = len(arrived) - len(seen)
    reordered = sum(1 for a, b in zip(firsts, firsts[1:]) if b < a)
    mesh.tally.messages += len(expected)
    mesh.tally.lost += len(lost)
    mesh.tally.duplicates += dups
    mesh.tally.reordered += reordered
    mesh.tally.require(not lost, "%s: %d of %d lost (first %s)"
                       % (what, len(lost), len(expected), lost[0] if lost else ""))
    mesh.tally.require(not reordered, "%s: %d out of order" % (what, reordered))
    return dups


def _store_errors(peers):
    """How many store error events the peers reported, and the first."""
    events = [(p.name, s["message"]) for p in peers for s in p.statuses
              if s["kind"] in (SENDER_STORE_ERROR, LISTENER_STORE_ERROR)]
    first = (" (first: %s: %s)" % (events[0][0], events[0][1][:120])) if events else ""
    return "%d store error events%s" % (len(events), first)


def _scenario(mesh, down, pause):
    mesh.env["LINER_STORE_TIMEOUT_MS"] = "1000"
    receiver = mesh.peer("receiver", "RECEIVER")
    sender = mesh.peer("sender", "SENDER")
    sender.send("RECEIVER", 100, prefix="warm-")
    receiver.wait_received(100)
    notes = []

    # 1. the store goes away mid-stream; the receiver is killed meanwhile
    started = time.monotonic()
    job = _begin_stream(sender, "a-")
    receiver.wait_for(lambda p: _count(p, "a-") >= 150, "150 messages of stream a")
    down.begin()
    at_outage = _count(receiver, "a-")
    _try_wait(receiver, lambda p: _count(p, "a-") >= at_outage + 100,
              "100 more while the store is away", 3)
    receiver.kill()
    killed_after = _count(receiver, "a-")
    lasted = down.end()
    mesh.tally.require(sender.alive(), "sender died during the outage (%s)"
                       % sender.describe_exit())
    again = mesh.peer("receiver", "RECEIVER")
    expected_a = _finish_stream(mesh, sender, job, "a-")
    took_a = time.monotonic() - started

    def all_a(_):
        got = {d for p in (receiver, again) for frm, d in p.received if frm == "SENDER"}
        return got.issuperset(expected_a)

    _try_wait(again, all_a, "all %d of stream a" % len(expected_a), 20)
    dups_a = _check_stream(mesh, [receiver, again], expected_a, "stream a (%s)" % down.name)
    notes.append("a: %s %.1f s after %d deliveries, %d delivered meanwhile, receiver killed;"
                 " %d accepted in %.1f s, %d duplicates"
                 % (down.name, lasted, at_outage, killed_after - at_outage, len(expected_a),
                    took_a, dups_a))

    # 2. the store pauses mid-stream (frozen server / locked file), no kill
    started = time.monotonic()
    job = _begin_stream(sender, "b-")
    again.wait_for(lambda p: _count(p, "b-") >= 150, "150 messages of stream b")
    pause.begin()
    at_pause = _count(again, "b-")
    lasted = pause.end()
    during = _count(again, "b-") - at_pause
    expected_b = _finish_stream(mesh, sender, job, "b-")
    took_b = time.monotonic() - started
    _try_wait(again, lambda p: set(d for frm, d in p.received if frm == "SENDER")
              .issuperset(expected_b), "all %d of stream b" % len(expected_b), 20)
    dups_b = _check_stream(mesh, [again], expected_b, "stream b (%s)" % pause.name)
    notes.append("b: %s %.1f s, %d delivered meanwhile; %d accepted in %.1f s, %d duplicates"
                 % (pause.name, lasted, during, len(expected_b), took_b, dups_b))

    # no crash: the survivors are alive and exit cleanly
    for p in (sender, again):
        mesh.tally.require(p.alive(), "%s is gone (%s)" % (p.name, p.describe_exit()))
        if p.alive():
            try:
                p.quit(timeout=20)
            except Exception as e:  # a hang in close is a problem, not the end
                mesh.tally.problems.append("%s: quit failed: %s" % (p.name, e))
    mesh.check_no_crash()
    notes.append(_store_errors([receiver, again, sender]))
    mesh.tally.notes = "; ".join(notes)
