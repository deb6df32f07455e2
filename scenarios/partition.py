"""partition: a sender on host a streams at-least-once messages (one every
15 ms) to a listener on host b while the network between a and b is cut
(iptables DROP, no RST: only silence) and healed: for each duration of
NETLAB_PARTITIONS (seconds, default 5,30; 120 for the long run), once in
both directions, once only a -> b (the data) and once only b -> a (the
acks). Nothing accepted is lost, first copies arrive in order, duplicates
are at most the messages sent during the partition plus those just before
it. Measured: the resume time (from the heal to the first arrival after
it) and the catch-up time (to the last message). Then best-effort messages
during a 15 s partition (longer than the default peer timeout, so the stream
is given up and what it held is lost): those that never arrive must have
been reported (a refused send, or a status event SENDER_ROUTE_LOST or
SENDER_SEND_ERROR). Root only."""

import os
import time

from scenarios import netlab
from scenarios.harness import ScenarioError, error_name, payloads

NETLAB = True

PACE_MS = 15
PRE = 30    # messages sent before each partition (and after each heal)
DURATIONS = [int(d) for d in os.environ.get("NETLAB_PARTITIONS", "5,30").split(",") if d.strip()]
MODES = ["both", "a->b", "b->a"]
ROUTE_LOST, SEND_ERROR = 5, 7


def catch_up_limit(seconds):
    """How long to wait for everything after a heal: TCP retransmits with
    a doubling timeout, so the first one after a partition of d seconds
    can come up to about d seconds later; then some room."""
    return 2 * seconds + 60


# Longer than the peer timeout (10 s): the stream is given up during the
# cut, so best-effort messages are lost, and must be reported.
BEST_EFFORT_CUT_S = 15

TIME_LIMIT = 120 + sum(len(MODES) * (d + catch_up_limit(d)) + 30 for d in DURATIONS) \
    + BEST_EFFORT_CUT_S + catch_up_limit(BEST_EFFORT_CUT_S)


def run(mesh):
    with netlab.network(mesh, ["a", "b"]) as lab:
        listener = mesh.peer("listener", "L", host=lab.host("b"), listen="0.0.0.0:7000",
                             advertise=lab.host("b").addr + ":7000")
        sender = mesh.peer("sender", "S", host=lab.host("a"), listen="0.0.0.0:7000",
                           advertise=lab.host("a").addr + ":7000")
        sender.send("L", 20, prefix="warm-")
        netlab.wait_all([listener], "S", payloads("warm-", 20), 30)
        notes = []
        for seconds in DURATIONS:
            for mode in MODES:
                notes.append(_alo_case(mesh, lab, sender, listener, seconds, mode))
        notes.append(_best_effort_case(mesh, lab, sender, listener, BEST_EFFORT_CUT_S))
        mesh.check_no_crash()
        mesh.tally.notes = "; ".join(notes)


def _cut(lab, mode):
    if mode == "both":
        lab.partition("a", "b")
    elif mode == "a->b":
        lab.partition("a", "b", oneway=True)
    else:
        lab.partition("b", "a", oneway=True)


def _hold(since, seconds):
    """The partition lasts this long: an action, not a wait."""
    left = seconds - (time.monotonic() - since)
    if left > 0:
        time.sleep(left)


def _alo_case(mesh, lab, sender, listener, seconds, mode):
    prefix = "p%d%s-" % (seconds, {"both": "x", "a->b": "d", "b->a": "k"}[mode])
    what = "%d s %s" % (seconds, mode)
    statuses_before = len(sender.statuses)
    sender.command("send", topic="L", count=PRE, prefix=prefix, pace_ms=PACE_MS)

    during = int(seconds * 1000 / PACE_MS)
    _cut(lab, mode)
    cut_at = time.monotonic()
    job = sender.begin("send", topic="L", count=during, first=PRE, prefix=prefix,
                       pace_ms=PACE_MS, keep_going=True)
    _hold(cut_at, seconds)
    at_heal = len(listener.received)
    lab.heal()
    healed_at = time.monotonic()

    # resume: the first arrival after the heal (unless all had arrived)
    resume = None
    try:
        listener.wait_for(lambda p: len(p.received) > at_heal, "an arrival after the heal",
                          catch_up_limit(seconds))
        resume = time.monotonic() - healed_at
    except ScenarioError:
        pass
    done = sender.finish(job, timeout=catch_up_limit(seconds) + seconds, check=False)
    refused = set(done.get("refused", []))
    sender.command("send", topic="L", count=PRE, first=PRE + during, prefix=prefix,
                   pace_ms=PACE_MS)
    expected = [p for i, p in enumerate(payloads(prefix, PRE + during + PRE))
                if i - PRE not in refused]
    complete = netlab.wait_all([listener], "S", expected, catch_up_limit(seconds))
    caught_up = time.monotonic() - healed_at
    dups = netlab.check_stream(mesh.tally, [listener], "S", expected, what,
                               max_duplicates=during + PRE)
    mesh.tally.require(resume is not None, "%s: nothing arrived within %d s of the heal"
                       % (what, catch_up_limit(seconds)))
    kinds = [s["kind"] for s in sender.statuses[statuses_before:]]
    note = "%s: resume %s, all %d in %s after the heal, %d dup" % (
        what, "%.1f s" % resume if resume is not None else "never",
        len(expected), "%.1f s" % caught_up if complete else "NOT", dups)
    if refused:
        note += ", %d sends refused (code %s %s)" % (len(refused), done["code"],
                                                   error_name(done["code"]))
    if kinds.count(ROUTE_LOST):
        note += ", %d route lost" % kinds.count(ROUTE_LOST)
    return note


def _best_effort_case(mesh, lab, sender, listener, seconds):
    prefix = "be%d-" % seconds
    what = "%d s both, best-effort" % seconds
    statuses_before = len(sender.statuses)
    count = int(seconds * 1000 / PACE_MS)
    lab.partition("a", "b")
    cut_at = time.monotonic()
    job = sender.begin("send", topic="L", count=count, prefix=prefix, alo=False,
                       pace_ms=PACE_MS, keep_going=True)
    _hold(cut_at, seconds)
    lab.heal()
    done = sender.finish(job, timeout=catch_up_limit(seconds) + seconds, check=False)
    refused = set(done.get("refused", []))
    # an at-least-once marker after them: once it is there, whatever
    # best-effort message was still on its way has had its chance
    sender.command("send", topic="L", count=1, prefix="after-be-")
    netlab.wait_all([listener], "S", ["after-be-0"], catch_up_limit(seconds))
    accepted = [p for i, p in enumerate(payloads(prefix, count)) if i not in refused]
    got = netlab.arrived([listener], "S", set(accepted))
    lost = [p for p in accepted if p not in got]
    events = [s for s in sender.statuses[statuses_before:] if s["kind"] in (ROUTE_LOST, SEND_ERROR)]
    reported = bool(refused) or bool(events)
    mesh.tally.require(not lost or reported,
                       "%s: %d of %d accepted best-effort messages lost and nothing reported"
                       " (no refused send, no status %d or %d)"
                       % (what, len(lost), len(accepted), ROUTE_LOST, SEND_ERROR))
    if lost and not reported:
        mesh.tally.lost += len(lost)
    return ("%s: %d sent, %d refused, %d accepted lost, %d route-lost/send-error events%s"
            % (what, count, len(refused), len(lost), len(events),
               (" (first: %s)" % events[0]["message"][:100]) if events else ""))
