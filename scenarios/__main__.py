"""Runs the scenarios: python3 -m scenarios [--list] [--only a,b] [--store URL] [--netlab]

Each scenario gets a fresh store (a temporary SQLite file by default, a new
schema on the PostgreSQL server or a database of its own on the Redis
server given with --store), a time limit, and
every process it started is killed when it ends. The summary table counts
expected deliveries, lost, duplicated and reordered messages; the exit
status is 1 if any scenario failed.

The network scenarios (NETWORK, modules with NETLAB = True) run only when
asked for (--netlab, or by name with --only): each makes a lab of network
namespaces (scripts/netlab) with a PostgreSQL of its own in a "db" host,
whatever --store says. They need root; without it they are skipped."""

import argparse
import importlib
import signal
import sys
import threading
import time
import traceback

from scenarios.harness import Mesh, Store

ALL = ["one_to_one", "one_to_one_for_many", "one_to_many", "many_to_many",
       "producer_consumer", "offline_delivery", "listener_crash", "sender_restart",
       "churn", "subscribe_unsubscribe", "big_payload", "both_restart", "store_outage",
       "publish_from_sql"]

# Network scenarios: hosts in network namespaces (scenarios/netlab.py); root only.
NETWORK = ["across_hosts", "partition", "store_partition", "host_disappears", "mixed_liner"]


def describe(name: str) -> str:
    doc = importlib.import_module("scenarios." + name).__doc__ or ""
    return " ".join(doc.split())


def run_one(name: str, store_spec: str) -> dict:
    module = importlib.import_module("scenarios." + name)
    row = {"scenario": name, "store": Store.kind_of(store_spec)}
    if getattr(module, "NETLAB", False):
        from scenarios import netlab
        row["store"] = "postgres"  # a server of its own, in the lab's db host
        ok, why = netlab.available()
        if ok and hasattr(module, "skip_reason"):  # e.g. it needs Rust liner's library
            why = module.skip_reason()
            ok = why is None
        if not ok:
            row.update(peers=0, messages=0, lost=0, duplicates=0, reordered=0, seconds=0.0,
                       ok=True, skipped=True, problems=[], notes=why)
            return row
    started = time.monotonic()
    store = Store(store_spec)
    mesh = Mesh(store)
    timed_out = threading.Event()

    def on_time_limit():
        timed_out.set()
        mesh.close()  # the scenario's waits then fail at once

    timer = threading.Timer(module.TIME_LIMIT, on_time_limit)
    timer.start()
    error = None
    try:
        module.run(mesh)
    except Exception as e:  # a failed step is a failed scenario
        error = "%s: %s" % (type(e).__name__, e)
        if not str(e):
            error += " " + traceback.format_exc(limit=3)
    finally:
        timer.cancel()
        mesh.close()
        store.close()
    if timed_out.is_set():
        error = "time limit of %d s exceeded" % module.TIME_LIMIT
    t = mesh.tally
    problems = list(t.problems) + ([error] if error else [])
    row.update(peers=mesh.peer_count, messages=t.messages, lost=t.lost, duplicates=t.duplicates,
               reordered=t.reordered, seconds=time.monotonic() - started,
               ok=not problems, problems=problems, notes=t.notes)
    return row


def print_table(rows) -> None:
    cols = ["scenario", "store", "peers", "messages", "lost", "duplicates", "reordered",
            "time", "result"]
    cells = [[r["scenario"], r["store"], str(r["peers"]), str(r["messages"]), str(r["lost"]),
              str(r["duplicates"]), str(r["reordered"]), "%.1f s" % r["seconds"],
              "skipped" if r.get("skipped") else "ok" if r["ok"] else "FAILED"] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
    line = "  ".join(c.ljust(w) for c, w in zip(cols, widths))
    print("\n" + line)
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)))


def main() -> int:
    parser = argparse.ArgumentParser(prog="python3 -m scenarios", description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    parser.add_argument("--only", help="comma-separated scenario names (network ones too)")
    parser.add_argument("--netlab", action="store_true",
                        help="run the network scenarios (root: network namespaces) instead")
    parser.add_argument("--store", default="sqlite",
                        help="sqlite (default: a fresh temporary file per scenario), a postgresql:// "
                             "URL or a redis:// URL")
    args = parser.parse_args()
    if args.list:
        for name in ALL:
            print("%-22s %s" % (name, describe(name).split(": ", 1)[-1]))
        print("\nnetwork scenarios (--netlab; root):")
        for name in NETWORK:
            print("%-22s %s" % (name, describe(name).split(": ", 1)[-1]))
        return 0
    names = NETWORK if args.netlab else ALL
    if args.only:
        names = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in ALL + NETWORK]
    if unknown:
        parser.error("unknown scenario(s): " + ", ".join(unknown))
    if set(names) & set(NETWORK):
        # SIGTERM unwinds like Ctrl-C, so that the labs are taken down
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    rows = []
    for i, name in enumerate(names, 1):
        print("[%d/%d] %-22s ..." % (i, len(names), name), end=" ", flush=True)
        row = run_one(name, args.store)
        rows.append(row)
        result = "skipped" if row.get("skipped") else "ok" if row["ok"] else "FAILED"
        print("%s (%.1f s)%s" % (result, row["seconds"],
                                 ("  " + row["notes"]) if row["notes"] else ""), flush=True)
        for p in row["problems"]:
            print("      - " + p, flush=True)
    print_table(rows)
    failed = [r["scenario"] for r in rows if not r["ok"]]
    skipped = sum(1 for r in rows if r.get("skipped"))
    print("\n%d of %d scenarios passed%s" % (len(rows) - len(failed) - skipped, len(rows),
                                            (" (%d skipped)" % skipped) if skipped else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
