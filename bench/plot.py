#!/usr/bin/env python3
"""Draws the figures of a liner-bench result file (--json) as PNG files.

    python3 bench/plot.py RESULTS.json OUTDIR

Writes, when the results have the data for them:
  throughput.png   bars per subject for every throughput case, median with min-max whiskers
  latency.png      pingpong round trip percentiles per subject
  startup.png      first message and reconnect times per subject
  mesh.png         mesh setup time, RSS per peer and throughput against the number of peers
  pair_sizes.png   pair bandwidth against the message size
Subjects keep the order and colours of the run.
"""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

THROUGHPUT_KEYS = ["msg_per_s", "deliveries_per_s", "drain_msg_per_s"]


def summary(subject, key):
    """(median, min, max) of a figure for one subject of one case, or None."""
    s = subject.get("summary", {}).get(key)
    return (s["median"], s["min"], s["max"]) if s else None


def colours(subjects):
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    return {name: cycle[i % len(cycle)] for i, name in enumerate(subjects)}


def bars(ax, names, values, colour_of, title, unit, log=False):
    """Bars with min-max whiskers; values: list of (median, min, max) or None."""
    xs = [i for i, v in enumerate(values) if v]
    med = [values[i][0] for i in xs]
    err = [[values[i][0] - values[i][1] for i in xs], [values[i][2] - values[i][0] for i in xs]]
    ax.bar(xs, med, yerr=err, capsize=3, color=[colour_of[names[i]] for i in xs])
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names, rotation=30, ha="right", fontsize=8)
    ax.set_title(title, fontsize=9)
    ax.set_ylabel(unit, fontsize=8)
    if log:
        ax.set_yscale("log")
    for i, v in enumerate(values):
        if not v:
            ax.text(i, 0, "n/a", ha="center", va="bottom", fontsize=7)


def grid(n, width=3.2, height=2.8):
    cols = min(n, 4)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, list(axes.flat)


def throughput(doc, names, colour_of):
    panels = []
    for case in doc["cases"]:
        key = next((k for k in THROUGHPUT_KEYS
                    if any(summary(s, k) for s in case["subjects"])), None)
        if key is None or case["workload"] == "mesh":
            continue
        values = {s["name"]: summary(s, key) for s in case["subjects"]}
        panels.append((case["label"], [values.get(n) for n in names]))
    if not panels:
        return None
    fig, axes = grid(len(panels))
    for ax, (label, values) in zip(axes, panels):
        bars(ax, names, values, colour_of, label.replace(", ", "\n", 1), "msg/s")
    fig.suptitle("Throughput (median, whiskers min-max over rounds)")
    return fig


def latency(doc, names, colour_of):
    cases = [c for c in doc["cases"] if c["workload"] == "pingpong"]
    if not cases:
        return None
    fig, axes = grid(len(cases), width=6, height=3.5)
    pcts = [("rtt_p50_us", "p50"), ("rtt_p99_us", "p99"), ("rtt_p999_us", "p99.9"), ("rtt_mean_us", "mean")]
    for ax, case in zip(axes, cases):
        by = {s["name"]: s for s in case["subjects"]}
        width = 0.8 / max(len(names), 1)
        for j, name in enumerate(names):
            vals = [summary(by[name], k) if name in by else None for k, _ in pcts]
            xs = [i + j * width for i, v in enumerate(vals) if v]
            if not xs:
                continue
            ok = [v for v in vals if v]
            ax.bar(xs, [v[0] for v in ok], width,
                   yerr=[[v[0] - v[1] for v in ok], [v[2] - v[0] for v in ok]],
                   capsize=2, label=name, color=colour_of[name])
        ax.set_xticks([i + 0.4 - width / 2 for i in range(len(pcts))])
        ax.set_xticklabels([label for _, label in pcts])
        ax.set_yscale("log")
        ax.set_ylabel("round trip, µs")
        ax.set_title(case["label"], fontsize=9)
        ax.legend(fontsize=7)
    fig.suptitle("Round-trip latency (lower is better)")
    return fig


def startup(doc, names, colour_of):
    panels = []
    for case in doc["cases"]:
        if case["workload"] not in ("first", "reconnect"):
            continue
        for key, what in ((case["workload"] + "_p50_ms", "median"), (case["workload"] + "_max_ms", "max")):
            values = {s["name"]: summary(s, key) for s in case["subjects"]}
            panels.append((f"{case['workload']} {what}", [values.get(n) for n in names]))
    if not panels:
        return None
    fig, axes = grid(len(panels))
    for ax, (title, values) in zip(axes, panels):
        bars(ax, names, values, colour_of, title, "ms", log=True)
    fig.suptitle("First message and reconnect (lower is better, log scale)")
    return fig


def series(doc, workload, param, key):
    """{subject: [(param, median, min, max)]} over the cases of a workload."""
    out = {}
    for case in doc["cases"]:
        if case["workload"] != workload:
            continue
        for s in case["subjects"]:
            v = summary(s, key)
            if v:
                out.setdefault(s["name"], []).append((case["params"][param],) + v)
    return {k: sorted(v) for k, v in out.items()}


def lines(ax, data, colour_of, xlabel, ylabel, title, logx=False, logy=False):
    for name, pts in data.items():
        xs = [p[0] for p in pts]
        ys = [p[1] for p in pts]
        err = [[p[1] - p[2] for p in pts], [p[3] - p[1] for p in pts]]
        ax.errorbar(xs, ys, yerr=err, marker="o", capsize=3, label=name, color=colour_of[name])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=9)
    if logx:
        ax.set_xscale("log", base=2)
        ticks = sorted({p[0] for pts in data.values() for p in pts})
        ax.set_xticks(ticks)
        ax.set_xticklabels([str(t) for t in ticks], fontsize=8)
        ax.minorticks_off()
    if logy:
        ax.set_yscale("log")
    ax.legend(fontsize=7)


def mesh(doc, names, colour_of):
    figures = [("setup_ms", "setup, ms", True), ("rss_per_peer_kib", "RSS / peers, KiB", False),
               ("rss_growth_per_peer_kib", "RSS growth per peer, KiB", False),
               ("deliveries_per_s", "deliveries/s", False)]
    data = [(series(doc, "mesh", "peers", k), label, logy) for k, label, logy in figures]
    if not any(d for d, _, _ in data):
        return None
    fig, axes = grid(len(data), width=4, height=3.2)
    for ax, (d, label, logy) in zip(axes, data):
        lines(ax, d, colour_of, "peers", label, label, logx=True, logy=logy)
    fig.suptitle("mesh: cost against the number of peers")
    return fig


def pair_sizes(doc, names, colour_of):
    data = series(doc, "pair", "size", "mb_per_s")
    if not any(len(v) > 1 for v in data.values()):
        return None
    fig, ax = plt.subplots(figsize=(6, 4))
    lines(ax, data, colour_of, "message size, bytes", "MB/s", "pair: bandwidth against message size",
          logx=True)
    return fig


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: plot.py RESULTS.json OUTDIR")
    with open(sys.argv[1]) as f:
        doc = json.load(f)
    out = sys.argv[2]
    os.makedirs(out, exist_ok=True)
    names = [s["name"] for s in doc["subjects"]]
    colour_of = colours(names)
    plots = {"throughput.png": throughput, "latency.png": latency, "startup.png": startup,
             "mesh.png": mesh, "pair_sizes.png": pair_sizes}
    for file, draw in plots.items():
        fig = draw(doc, names, colour_of)
        if fig is None:
            continue
        fig.tight_layout()
        path = os.path.join(out, file)
        fig.savefig(path, dpi=110)
        plt.close(fig)
        print(path)


if __name__ == "__main__":
    main()
