"""One liner peer in its own process, for the scenarios.

Started by scenarios.harness as ``python3 -m scenarios.peer --name N --topic T
--store STORE --kind sqlite|postgres|redis [--listen ADDR] [--advertise ADDR]``.
It reads one JSON command per line on stdin and writes one JSON event per line
on stdout:

  {"ev": "ready", "addr": "127.0.0.1:40123"}       after a successful run
  {"ev": "recv", "to": T, "from": F, "data": "..."}  a message (short text)
  {"ev": "recv", "to": T, "from": F, "size": N, "sha256": "..."}  a big one
  {"ev": "status", "kind": K, "topic": T, "peer": P, "message": M}
  {"ev": "done", "id": I, "ok": true|false, "code": C, "error": "..."}
  (a send's "done" also has "sent": how many of its messages were accepted,
  and with keep_going "refused": the numbers of the refused ones; its code
  and error are then those of the first refusal)

Commands: run, stop, send (topic, prefix, first, count, alo, all, size,
big_seed, pace_ms: a pause after each message, keep_going: go on after a
refusal instead of stopping), subscribe, unsubscribe, refresh, pending,
quit. Every command carries an "id" that its "done" event
repeats.
"""

import argparse
import hashlib
import json
import random
import sys
import threading
import time

from scenarios.liner_import import liner

_out = threading.Lock()


def emit(**event) -> None:
    line = json.dumps(event)
    with _out:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def big_payload(size: int, seed: int) -> bytes:
    """Deterministic bytes that compress (half repeated text, half random)."""
    rng = random.Random(seed)
    text = (b"liner big payload %d " % seed) * (size // 40 + 1)
    noise = rng.randbytes(size // 2)
    return (noise + text)[:size]


def open_client(args) -> "liner.Client":
    if args.kind == "postgres":
        return liner.Client.new_postgres(args.name, args.topic, args.listen, args.store)
    if args.kind == "redis":
        return liner.Client.new_redis(args.name, args.topic, args.listen, args.store)
    return liner.Client.new_sqlite(args.name, args.topic, args.listen, args.store)


def on_receive(to: str, frm: str, data: bytes) -> None:
    if len(data) > 200:
        emit(ev="recv", to=to, frm=frm, size=len(data), sha256=hashlib.sha256(data).hexdigest())
    else:
        emit(ev="recv", to=to, frm=frm, data=data.decode("utf-8", "replace"))


def on_status(kind: int, topic: str, peer: str, message: str) -> None:
    emit(ev="status", kind=kind, topic=topic, peer=peer, message=message)


def send(client, cmd, extra) -> bool:
    """Sends until the first refusal (or all, with keep_going); puts how
    many were accepted (and which were refused) into `extra`."""
    method = client.send_all if cmd.get("all") else client.send_to
    first = cmd.get("first", 0)
    pause = cmd.get("pace_ms", 0) / 1000.0
    keep_going = cmd.get("keep_going", False)
    sent, refused = 0, []
    for i in range(first, first + cmd.get("count", 1)):
        if "big_seed" in cmd:
            data = big_payload(cmd["size"], cmd["big_seed"] + i)
        else:
            data = ("%s%d" % (cmd.get("prefix", ""), i)).encode()
        if method(cmd["topic"], data, cmd.get("alo", True)):
            sent += 1
        elif not keep_going:
            break
        else:
            if not refused:
                extra["code"] = client.last_error_code()
                extra["error"] = client.last_error_message()
            refused.append(i)
        if pause:
            time.sleep(pause)
    extra["sent"] = sent
    if keep_going:
        extra["refused"] = refused
    return sent == cmd.get("count", 1)


def handle(client, cmd, extra) -> bool:
    op = cmd["cmd"]
    if op == "run":
        ok = client.run(on_receive)
        if ok:
            emit(ev="ready", addr=client.published_addr())
        return ok
    if op == "stop":
        return client.stop()
    if op == "send":
        return send(client, cmd, extra)
    if op == "subscribe":
        return client.subscribe(cmd["topic"])
    if op == "unsubscribe":
        return client.unsubscribe(cmd["topic"])
    if op == "refresh":
        return client.refresh_address_topic(cmd["topic"])
    if op == "pending":
        emit(ev="pending", count=client.pending_count())
        return True
    raise ValueError("unknown command " + op)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--store", required=True, help="SQLite path or PostgreSQL connection string")
    parser.add_argument("--kind", choices=("sqlite", "postgres", "redis"), required=True,
                        help="what --store is (the harness knows; a key=value string is no path)")
    parser.add_argument("--listen", default="127.0.0.1:0")
    parser.add_argument("--advertise", help="the address to publish instead of the bound one")
    args = parser.parse_args()

    client = open_client(args)
    if args.advertise and not client.set_advertise_addr(args.advertise):
        sys.exit("set_advertise_addr(%s) failed: %s" % (args.advertise, client.last_error_message()))
    client.set_status_callback(on_status)
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            cmd = json.loads(line)
            if cmd["cmd"] == "quit":
                emit(ev="done", id=cmd.get("id"), ok=True, code=0, error="")
                break
            extra = {}
            ok = handle(client, cmd, extra)
            event = dict(ev="done", id=cmd.get("id"), ok=bool(ok), code=client.last_error_code(),
                         error="" if ok else client.last_error_message())
            event.update(extra)
            emit(**event)
    finally:
        client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
