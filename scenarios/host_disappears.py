"""host_disappears: a sender on host a streams at-least-once messages (one
every 15 ms) to a listener on host b, whose link then goes down (its switch
port: no FIN, no RST, the host just vanishes). Measured: how long until the
sender reports SENDER_ROUTE_LOST (status kind 5), waited for up to
NETLAB_DETECT_WAIT_S (default 20 s); the link stays down at least 5 s. The
peers get LINER_HEARTBEAT_MS and LINER_PEER_TIMEOUT_MS (NETLAB_HEARTBEAT_MS,
default 500, and NETLAB_PEER_TIMEOUT_MS, default 3000), for a library that
has heartbeats; NETLAB_DETECT_WITHIN_S=N makes a detection later than N s
(or none) a failure. The link comes back: every accepted message arrives,
first copies in order. Then a second listener of the same topic on host c
(round robin): b vanishes again for 10 s while new messages are sent to the
topic; measured: how many of them reached c meanwhile. Every accepted
message arrives at b or c. Root only."""

import os
import time

from scenarios import netlab
from scenarios.harness import ScenarioError, error_name, payloads

NETLAB = True

PACE_MS = 15
DETECT_WAIT_S = float(os.environ.get("NETLAB_DETECT_WAIT_S", "20"))
DETECT_WITHIN_S = os.environ.get("NETLAB_DETECT_WITHIN_S")
MIN_DOWN_S = 5
ROUND_ROBIN_DOWN_S = 10
CATCH_UP_S = 90
ROUTE_LOST = 5

TIME_LIMIT = int(120 + DETECT_WAIT_S + 2 * CATCH_UP_S + ROUND_ROBIN_DOWN_S)


def run(mesh):
    mesh.env["LINER_HEARTBEAT_MS"] = os.environ.get("NETLAB_HEARTBEAT_MS", "500")
    mesh.env["LINER_PEER_TIMEOUT_MS"] = os.environ.get("NETLAB_PEER_TIMEOUT_MS", "3000")
    with netlab.network(mesh, ["a", "b", "c"]) as lab:
        a, b, c = lab.host("a"), lab.host("b"), lab.host("c")
        listener = mesh.peer("listener", "L", host=b, listen="0.0.0.0:7000",
                             advertise=b.addr + ":7000")
        sender = mesh.peer("sender", "S", host=a, listen="0.0.0.0:7000",
                           advertise=a.addr + ":7000")
        sender.send("L", 20, prefix="warm-")
        netlab.wait_all([listener], "S", payloads("warm-", 20), 30)
        notes = [_vanish(mesh, lab, sender, listener)]

        second = mesh.peer("second", "L2", host=c, listen="0.0.0.0:7000",
                           advertise=c.addr + ":7000")
        second.command("subscribe", topic="L")
        sender.command("refresh", topic="L")
        notes.append(_round_robin(mesh, lab, sender, listener, second))
        mesh.check_no_crash()
        mesh.tally.notes = "; ".join(notes)


def _vanish(mesh, lab, sender, listener):
    count = int((DETECT_WAIT_S + MIN_DOWN_S + 5) * 1000 / PACE_MS)
    statuses_before = len(sender.statuses)
    job = sender.begin("send", topic="L", count=count, prefix="m-", pace_ms=PACE_MS,
                       keep_going=True)
    listener.wait_for(lambda p: len(p.received) >= 20 + 50, "50 of the stream")
    lab.link_down("b")
    down_at = time.monotonic()

    detected = None
    try:
        sender.wait_for(lambda p: any(s["kind"] == ROUTE_LOST
                                      for s in p.statuses[statuses_before:]),
                        "SENDER_ROUTE_LOST", DETECT_WAIT_S)
        detected = time.monotonic() - down_at
    except ScenarioError:
        pass
    left = MIN_DOWN_S - (time.monotonic() - down_at)
    if left > 0:
        time.sleep(left)  # the link stays down this long: an action, not a wait
    at_up = len(listener.received)
    lab.link_up("b")
    up_at = time.monotonic()
    down_for = up_at - down_at

    resume = None
    try:
        listener.wait_for(lambda p: len(p.received) > at_up, "an arrival after the link-up",
                          CATCH_UP_S)
        resume = time.monotonic() - up_at
    except ScenarioError:
        pass
    done = sender.finish(job, timeout=CATCH_UP_S + DETECT_WAIT_S, check=False)
    refused = set(done.get("refused", []))
    expected = [p for i, p in enumerate(payloads("m-", count)) if i not in refused]
    complete = netlab.wait_all([listener], "S", expected, CATCH_UP_S)
    caught_up = time.monotonic() - up_at
    sent_while_down = int(down_for * 1000 / PACE_MS)
    dups = netlab.check_stream(mesh.tally, [listener], "S", expected, "link down",
                               max_duplicates=sent_while_down + 50)
    if DETECT_WITHIN_S is not None:
        mesh.tally.require(detected is not None and detected <= float(DETECT_WITHIN_S),
                           "SENDER_ROUTE_LOST %s, not within %s s"
                           % ("after %.1f s" % detected if detected is not None else "never came",
                              DETECT_WITHIN_S))
    lost_events = [s for s in sender.statuses[statuses_before:] if s["kind"] == ROUTE_LOST]
    note = ("link down %.1f s: route lost %s; resume %s after the link-up, all %d %s, %d dup"
            % (down_for,
               "after %.1f s (%s)" % (detected, lost_events[0]["message"][:80]) if detected
               is not None else "NOT reported within %.0f s" % DETECT_WAIT_S,
               "%.1f s" % resume if resume is not None else "never", len(expected),
               "in %.1f s" % caught_up if complete else "NOT", dups))
    if refused:
        note += ", %d sends refused (code %s %s)" % (len(refused), done["code"],
                                                   error_name(done["code"]))
    return note


def _round_robin(mesh, lab, sender, listener, second):
    sender.send("L", 20, prefix="rr-warm-")
    netlab.wait_all([listener, second], "S", payloads("rr-warm-", 20), 30)
    to_second_before = sum(1 for frm, d in second.received if d.startswith("rr-warm-"))
    statuses_before = len(sender.statuses)
    lab.link_down("b")
    down_at = time.monotonic()
    count = int(ROUND_ROBIN_DOWN_S * 1000 / PACE_MS)
    job = sender.begin("send", topic="L", count=count, prefix="rr-", pace_ms=PACE_MS,
                       keep_going=True)
    left = ROUND_ROBIN_DOWN_S - (time.monotonic() - down_at)
    if left > 0:
        time.sleep(left)  # the link stays down this long: an action, not a wait
    at_c = sum(1 for frm, d in second.received if d.startswith("rr-") and
               not d.startswith("rr-warm-"))
    lab.link_up("b")
    up_at = time.monotonic()
    done = sender.finish(job, timeout=CATCH_UP_S, check=False)
    refused = set(done.get("refused", []))
    expected = [p for i, p in enumerate(payloads("rr-", count)) if i not in refused]
    complete = netlab.wait_all([listener, second], "S", expected, CATCH_UP_S)
    caught_up = time.monotonic() - up_at
    dups = netlab.check_stream(mesh.tally, [listener, second], "S", expected,
                               "round robin, b down", max_duplicates=count)
    at_b = sum(1 for frm, d in listener.received if d in set(expected))
    kinds = [s["kind"] for s in sender.statuses[statuses_before:]]
    note = ("round robin with c (warm-up: %d of 20 to c); b down %.0f s: %d of %d new sends"
            " reached c meanwhile; afterwards b got %d, c %d; all %s after the link-up, %d dup,"
            " %d route lost"
            % (to_second_before, ROUND_ROBIN_DOWN_S, at_c, count, at_b, len(expected) - at_b
               if complete else -1, "in %.1f s" % caught_up if complete else "NOT", dups,
               kinds.count(ROUTE_LOST)))
    if refused:
        note += ", %d sends refused (code %s %s)" % (len(refused), done["code"],
                                                   error_name(done["code"]))
    return note
