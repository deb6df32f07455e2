"""A liner peer in its own process, for the multi-process tests (the Python
counterpart of tests/peer.cpp).

    peer.py --name NAME --topic TOPIC (--sqlite PATH | --postgres URL | --redis URL)
            [--echo] [--send-to TOPIC --count K [--interval-ms MS] [--best-effort]]
            [--expect K] [--stay] [--queue]

Standard output, one line each, flushed at once:
    ready ADDR                         running, published at ADDR
    recv to=TO from=FROM data=DATA     one per message
    sent K                             the --send-to messages were all accepted
    ok [VALUE] | err CODE MESSAGE      the answer to a stdin command
Standard input commands: stop, run, send TOPIC DATA [alo|be], pending, quit.

It ends on "quit" (or end of stdin), or once --expect K messages arrived
(unless --stay). --queue receives with Client.messages() instead of a
callback.
"""
from __future__ import annotations

import argparse
import sys
import threading
import time

import liner

_out = threading.Lock()


def say(line: str) -> None:
    with _out:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", required=True)
    ap.add_argument("--topic", required=True)
    ap.add_argument("--sqlite")
    ap.add_argument("--postgres")
    ap.add_argument("--redis")
    ap.add_argument("--echo", action="store_true")
    ap.add_argument("--send-to")
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--interval-ms", type=float, default=0)
    ap.add_argument("--best-effort", action="store_true")
    ap.add_argument("--expect", type=int)
    ap.add_argument("--stay", action="store_true")
    ap.add_argument("--queue", action="store_true")
    a = ap.parse_args()

    if a.sqlite:
        client = liner.Client.new_sqlite(a.name, a.topic, "127.0.0.1:0", a.sqlite, strict=True)
    elif a.postgres:
        client = liner.Client.new_postgres(a.name, a.topic, "127.0.0.1:0", a.postgres,
                                           strict=True)
    else:
        client = liner.Client.new_redis(a.name, a.topic, "127.0.0.1:0", a.redis, strict=True)
    done = threading.Event()
    received = [0]

    def on_message(to: str, from_: str, data: bytes) -> None:
        say(f"recv to={to} from={from_} data={data.decode('utf-8', 'replace')}")
        if a.echo and from_:
            try:
                client.send_to(from_, data)
            except liner.LinerError as e:
                say(f"error echo {e.code} {e.message}")
        received[0] += 1
        if a.expect is not None and received[0] >= a.expect:
            done.set()

    def start() -> None:
        if a.queue:
            client.run()
            threading.Thread(target=lambda: [on_message(*m) for m in client.messages()],
                             daemon=True).start()
        else:
            client.run(on_message)
        say(f"ready {client.published_addr()}")

    start()

    if a.send_to:
        alo = not a.best_effort
        for i in range(a.count):
            data = f"msg-{i}".encode()
            while True:
                try:
                    client.send_to(a.send_to, data, alo)
                    break
                except (liner.NoAddrError, liner.BusyError):
                    time.sleep(0.01)  # not there yet / queue full: try again
            if a.interval_ms:
                time.sleep(a.interval_ms / 1000)
        say(f"sent {a.count}")
        if not a.stay and a.expect is None:
            client.close()
            return 0

    if a.expect is not None and not a.stay:
        # Commands still work meanwhile; the process ends once all arrived.
        threading.Thread(target=serve, args=(client, start), daemon=True).start()
        done.wait()
    else:
        serve(client, start)  # until "quit" or the end of stdin
    client.close()
    return 0


def serve(client: liner.Client, start) -> None:
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        try:
            if words[0] == "quit":
                client.close()
                say("ok")
                return
            if words[0] == "stop":
                client.stop()
                say("ok")
            elif words[0] == "run":
                start()
                say("ok")
            elif words[0] == "send":
                alo = len(words) < 4 or words[3] != "be"
                client.send_to(words[1], words[2].encode(), alo)
                say("ok")
            elif words[0] == "pending":
                say(f"ok {client.pending_count()}")
            else:
                say(f"err {liner.ERR_INVALID_ARG} unknown command: {words[0]}")
        except liner.LinerError as e:
            say(f"err {e.code} {e.message}")


if __name__ == "__main__":
    sys.exit(main())
