"""many_to_many: alice, bob and carol each send a message to the two others.

Every peer sends with send_to to the others' topics, and receives on its
own. All peers are clients in this one process, on one SQLite file: argv[1],
or liner-example.db in the current directory (deleted first, for a clean
run). Exits 0 if all six messages arrived, 1 if not.

    PYTHONPATH=python python3 scenarios/examples/python/many_to_many.py
"""

import sys

import liner

from example_helpers import Counter, fresh_db

NAMES = ["alice", "bob", "carol"]


def main() -> int:
    db = sys.argv[1] if len(sys.argv) > 1 else "liner-example.db"
    fresh_db(db)
    expected = len(NAMES) * (len(NAMES) - 1)
    received = Counter()
    peers = {}  # name -> client; closed at the end, whatever happens

    # A receive callback for one peer; it runs on that peer's own thread,
    # once per message. `from_` is the sender's topic.
    def peer_receives(name: str):
        def on_receive(to: str, from_: str, data: bytes) -> None:
            print(f'{name} got "{data.decode()}" from {from_} (sent to topic {to})')
            received.add()
        return on_receive

    try:
        for name in NAMES:
            # unique name, own topic, listen address (port 0: any free port), store
            peer = liner.Client.new_sqlite(name, name, "127.0.0.1:0", db)
            peers[name] = peer
            if not peer.run(peer_receives(name)):
                print(f"{name}: {peer.last_error_message()}", file=sys.stderr)
                return 1

        # Everyone is running (so in the store): each one greets the two others.
        for sender, client in peers.items():
            for receiver in NAMES:
                if receiver == sender:
                    continue  # sending to your own topic is refused
                if not client.send_to(receiver, f"hi {receiver}, this is {sender}"):
                    print(f"{sender}: send_to failed: {client.last_error_message()}",
                          file=sys.stderr)

        got = received.wait_for(expected, timeout=30)
        print(f"{'ok' if got == expected else 'FAILED'}: {got} of {expected} messages arrived")
        return 0 if got == expected else 1
    finally:
        for client in peers.values():
            client.close()  # stops the client first


if __name__ == "__main__":
    sys.exit(main())
