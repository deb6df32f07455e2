"""host_disappears: a sender on host a streams at-least-once messages (one
every 15 ms) to a listener on host b, whose link then goes down (its switch
port: no FIN, no RST, the host just vanishes). The sender must report
SENDER_ROUTE_LOST (status kind 5, "no word from listener ..."); measured:
how long that took (waited for up to three peer timeouts plus 10 s). The
link stays down at least 5 s. The peers run on the library's defaults
(heartbeat 2 s, peer timeout 10 s) unless NETLAB_HEARTBEAT_MS and
NETLAB_PEER_TIMEOUT_MS say otherwise. The link comes back: every accepted
message arrives, first copies in order. Then a second listener of the
same topic on host c (round robin): b vanishes again; once the sender
reported it lost, new messages to the topic all go to c while b is away.
Every accepted message arrives at b or c. Root only."""

import os
import time

from scenarios import netlab
from scenarios.harness import ScenarioError, error_name, payloads

NETLAB = True

PACE_MS = 15
HEARTBEAT_MS = os.environ.get("NETLAB_HEARTBEAT_MS")  # unset: the library's default
PEER_TIMEOUT_MS = os.environ.get("NETLAB_PEER_TIMEOUT_MS")
DETECT_WAIT_S = 3 * int(PEER_TIMEOUT_MS or 10000) / 1000 + 10
MIN_DOWN_S = 5
ROUND_ROBIN_SENDS = 200
CATCH_UP_S = 90
ROUTE_LOST = 5

TIME_LIMIT = int(120 + 2 * DETECT_WAIT_S + 2 * CATCH_UP_S)


def run(mesh):
    if HEARTBEAT_MS:
        mesh.env["LINER_HEARTBEAT_MS"] = HEARTBEAT_MS
    if PEER_TIMEOUT_MS:
        mesh.env["LINER_PEER_TIMEOUT_MS"] = PEER_TIMEOUT_MS
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
    mesh.tally.require(detected is not None,
                       "SENDER_ROUTE_LOST never came within %.0f s of the link going down"
                       % DETECT_WAIT_S)
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
    # Idle routes: only the heartbeats can tell that b is gone.
    sender.wait_for(lambda p: any(s["kind"] == ROUTE_LOST and "listener" in s["message"]
                                  for s in p.statuses[statuses_before:]),
                    "SENDER_ROUTE_LOST for b", DETECT_WAIT_S)
    detected = time.monotonic() - down_at
    sender.send("L", ROUND_ROBIN_SENDS, prefix="rr-")
    expected = payloads("rr-", ROUND_ROBIN_SENDS)
    # b is still away: every new message must go to c, none wait for b.
    at_c_while_down = netlab.wait_all([second], "S", expected, CATCH_UP_S)
    at_c = sum(1 for frm, d in second.received if d in set(expected))
    mesh.tally.require(at_c_while_down,
                       "only %d of %d new sends reached c while b was away" % (at_c, len(expected)))
    lab.link_up("b")
    up_at = time.monotonic()
    complete = netlab.wait_all([listener, second], "S", expected, CATCH_UP_S)
    caught_up = time.monotonic() - up_at
    dups = netlab.check_stream(mesh.tally, [listener, second], "S", expected,
                               "round robin, b down", max_duplicates=0)
    at_b = sum(1 for frm, d in listener.received if d in set(expected))
    mesh.tally.require(at_b == 0, "%d of the new sends went to b, which was away" % at_b)
    return ("round robin with c (warm-up: %d of 20 to c); b down, lost after %.1f s (idle"
            " routes); then %d of %d new sends reached c while b was away, %d went to b;"
            " all %s, %d dup"
            % (to_second_before, detected, at_c, len(expected), at_b,
               "in %.1f s" % caught_up if complete else "NOT", dups))
