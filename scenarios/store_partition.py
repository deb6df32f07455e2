"""store_partition: peers on hosts a and b stream at-least-once messages to
each other (one every 15 ms each way; they already know each other) while
the db host, with their PostgreSQL, is cut off from both hosts (iptables
DROP both ways) for 10 s. The peers run with LINER_STORE_TIMEOUT_MS=2000.
During the cut: delivery goes on (at least half of what is sent meanwhile
arrives meanwhile), and store calls of a third, idle peer on host a (a
subscribe, a send to a topic nobody has) fail within the store timeout (at
most 1.5 s late). After the heal: every accepted message arrives, first
copies in order, duplicates counted; a subscribe works again (measured:
how long after the heal). Root only."""

import time

from scenarios import netlab
from scenarios.harness import error_name, payloads

NETLAB = True
TIME_LIMIT = 240

PACE_MS = 15
CUT_S = 10
STORE_TIMEOUT_MS = 2000
SLACK_S = 1.5  # how late a store call may fail after the store timeout
STORE_ERRORS = (6, 8)  # SENDER_STORE_ERROR, LISTENER_STORE_ERROR


def run(mesh):
    mesh.env["LINER_STORE_TIMEOUT_MS"] = str(STORE_TIMEOUT_MS)
    with netlab.network(mesh, ["a", "b"]) as lab:
        a, b = lab.host("a"), lab.host("b")
        pa = mesh.peer("pa", "A", host=a, listen="0.0.0.0:7000", advertise=a.addr + ":7000")
        pb = mesh.peer("pb", "B", host=b, listen="0.0.0.0:7000", advertise=b.addr + ":7000")
        idle = mesh.peer("idle", "I", host=a, listen="0.0.0.0:7001", advertise=a.addr + ":7001")
        pa.send("B", 20, prefix="warm-")
        pb.send("A", 20, prefix="warm-")
        netlab.wait_all([pb], "A", payloads("warm-", 20), 30)
        netlab.wait_all([pa], "B", payloads("warm-", 20), 30)

        count = int((CUT_S + 4) * 1000 / PACE_MS)
        jobs = [(p, p.begin("send", topic=to, count=count, prefix="s-", pace_ms=PACE_MS,
                            keep_going=True)) for p, to in ((pa, "B"), (pb, "A"))]
        pb.wait_for(lambda p: len(p.received) >= 20 + 50, "50 of the stream")
        pa.wait_for(lambda p: len(p.received) >= 20 + 50, "50 of the stream")
        got_at_cut = {p.name: len(p.received) for p in (pa, pb)}
        lab.partition("db", "a")
        lab.partition("db", "b")
        cut_at = time.monotonic()

        notes = []
        limit = STORE_TIMEOUT_MS / 1000 + SLACK_S
        for cmd, args in (("subscribe", {"topic": "EXTRA"}),
                          ("send", {"topic": "NOBODY", "count": 1, "prefix": "x-"})):
            t = time.monotonic()
            done = idle.command(cmd, check=False, timeout=60, **args)
            took = time.monotonic() - t
            what = "%s %s" % (cmd, args["topic"])
            mesh.tally.require(not done["ok"], "%s during the cut succeeded" % what)
            mesh.tally.require(took <= limit, "%s during the cut took %.1f s (limit %.1f s)"
                               % (what, took, limit))
            notes.append("%s: %s in %.1f s (code %s %s)"
                         % (what, "ok" if done["ok"] else "failed", took, done["code"],
                            error_name(done["code"])))

        left = CUT_S - (time.monotonic() - cut_at)
        if left > 0:
            time.sleep(left)  # the cut lasts this long: an action, not a wait
        during = {p.name: len(p.received) - got_at_cut[p.name] for p in (pa, pb)}
        lasted = time.monotonic() - cut_at
        lab.heal()
        healed_at = time.monotonic()

        # the store is back: a subscribe works again (each try fails within
        # the store timeout while it is not)
        back = None
        while time.monotonic() - healed_at < 90:
            if idle.command("subscribe", check=False, timeout=60, topic="EXTRA")["ok"]:
                back = time.monotonic() - healed_at
                break
        mesh.tally.require(back is not None, "subscribe still fails 90 s after the heal")

        sent_during = lasted * 1000 / PACE_MS
        for (p, job), (receiver, frm) in zip(jobs, ((pb, "A"), (pa, "B"))):
            done = p.finish(job, timeout=120, check=False)
            refused = set(done.get("refused", []))
            mesh.tally.require(not refused, "%s: %d of %d sends refused (first s-%d: code %s %s)"
                               % (p.name, len(refused), count, min(refused, default=-1),
                                  done["code"], error_name(done["code"])))
            expected = payloads("warm-", 20) + [x for i, x in enumerate(payloads("s-", count))
                                                if i not in refused]
            complete = netlab.wait_all([receiver], frm, expected, 90)
            caught_up = time.monotonic() - healed_at
            dups = netlab.check_stream(mesh.tally, [receiver], frm, expected,
                                       "%s <- %s" % (receiver.name, frm))
            mesh.tally.require(during[receiver.name] >= sent_during / 2,
                               "%s got only %d during the %.0f s cut (about %.0f sent)"
                               % (receiver.name, during[receiver.name], lasted, sent_during))
            notes.append("%s <- %s: %d arrived during the %.1f s cut (~%.0f sent), all %d %s"
                         " after the heal, %d dup"
                         % (receiver.name, frm, during[receiver.name], lasted, sent_during,
                            len(expected),
                            "in %.1f s" % caught_up if complete else "NOT", dups))
        errors = sum(1 for p in (pa, pb, idle) for s in p.statuses if s["kind"] in STORE_ERRORS)
        notes.append("subscribe ok again %s after the heal; %d store error events"
                     % ("%.1f s" % back if back is not None else "never", errors))
        mesh.check_no_crash()
        mesh.tally.notes = "; ".join(notes)
