"""How fast a silent peer is found, and how fast delivery resumes once it
answers again (docs/failure-modes.md). Two peer processes on one SQLite
store (scenarios/peer.py); the listener is frozen with SIGSTOP: its kernel
still acknowledges every byte, as a host behind a partition would look until
its buffers fill, so only the heartbeats can tell.

For each setting (LINER_HEARTBEAT_MS / LINER_PEER_TIMEOUT_MS) and run:
  detection  from SIGSTOP of the listener to the sender's
             LNR_SENDER_ROUTE_LOST ("no word from ..."), on an idle route
             with one at-least-once message sent during the freeze
  resume     from SIGCONT to the arrival of that message

    python3 bench/liveness.py [--runs 5] [--json bench/results/FILE.json]

Prints one line per run and the medians; figures, not a test."""

import argparse
import json
import os
import signal
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from scenarios.harness import Mesh, Store  # noqa: E402
from scenarios.liner_import import liner  # noqa: E402

SETTINGS = [(2000, 10000), (250, 1000), (10, 100)]


def one_run(heartbeat_ms: int, timeout_ms: int, run: int) -> dict:
    store = Store("sqlite")
    mesh = Mesh(store)
    mesh.env = {"LINER_HEARTBEAT_MS": str(heartbeat_ms), "LINER_PEER_TIMEOUT_MS": str(timeout_ms)}
    try:
        listener = mesh.peer("listener", "L")
        sender = mesh.peer("sender", "S")
        sender.send("L", 1, prefix="before-")
        listener.wait_received(1)
        frozen = time.monotonic()
        os.kill(listener.proc.pid, signal.SIGSTOP)
        sender.send("L", 1, prefix="during-")
        sender.wait_for(lambda p: any(s["kind"] == liner.SENDER_ROUTE_LOST
                                      and "no word from" in s["message"] for s in p.statuses),
                        "the route lost", timeout=timeout_ms / 1000 * 3 + 30)
        detection = time.monotonic() - frozen
        thawed = time.monotonic()
        os.kill(listener.proc.pid, signal.SIGCONT)
        listener.wait_for(lambda p: any(d == "during-0" for _, d in p.received),
                          "the message sent during the freeze", timeout=60)
        resume = time.monotonic() - thawed
        lost_events = sum(1 for s in sender.statuses if s["kind"] == liner.SENDER_ROUTE_LOST)
        dups = len(listener.received) - len(set(listener.received))
        return {"heartbeat_ms": heartbeat_ms, "peer_timeout_ms": timeout_ms, "run": run,
                "detection_ms": round(detection * 1000), "resume_ms": round(resume * 1000),
                "route_lost_events": lost_events, "received": len(listener.received),
                "duplicates": dups}
    finally:
        for p in mesh.peers:  # a frozen process cannot be killed cleanly
            try:
                os.kill(p.proc.pid, signal.SIGCONT)
            except OSError:
                pass
        mesh.close()
        store.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--json", help="write every run and the medians here")
    args = ap.parse_args()
    results, summary = [], []
    for heartbeat_ms, timeout_ms in SETTINGS:
        runs = []
        for i in range(args.runs):
            r = one_run(heartbeat_ms, timeout_ms, i)
            runs.append(r)
            print("heartbeat %5d ms  peer timeout %6d ms  run %d: detection %6d ms  resume %5d ms"
                  "  (%d route-lost events, %d received, %d duplicates)"
                  % (heartbeat_ms, timeout_ms, i, r["detection_ms"], r["resume_ms"],
                     r["route_lost_events"], r["received"], r["duplicates"]), flush=True)
        results += runs
        s = {"heartbeat_ms": heartbeat_ms, "peer_timeout_ms": timeout_ms,
             "detection_ms_median": statistics.median(r["detection_ms"] for r in runs),
             "detection_ms_max": max(r["detection_ms"] for r in runs),
             "resume_ms_median": statistics.median(r["resume_ms"] for r in runs),
             "resume_ms_max": max(r["resume_ms"] for r in runs),
             "duplicates": sum(r["duplicates"] for r in runs)}
        summary.append(s)
    print("\nmedians over %d runs:" % args.runs)
    for s in summary:
        print("  heartbeat %5d ms, peer timeout %6d ms: detection %6d ms (max %d), resume %5d ms (max %d),"
              " duplicates %d" % (s["heartbeat_ms"], s["peer_timeout_ms"], s["detection_ms_median"],
                                   s["detection_ms_max"], s["resume_ms_median"], s["resume_ms_max"],
                                   s["duplicates"]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"runs": results, "summary": summary}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
