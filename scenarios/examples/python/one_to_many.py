"""one_to_many: a publisher sends each headline to every reader of "news".

Three readers subscribe to the topic "news" (each also has a topic of its
own); the publisher calls send_all("news", ...), which sends one copy to
every address of the topic. All peers are clients in this one process, on
one SQLite file: argv[1], or liner-example.db in the current directory
(deleted first, for a clean run). Exits 0 if every reader got every
headline, 1 if not.

    PYTHONPATH=python python3 scenarios/examples/python/one_to_many.py
"""

import sys

import liner

from example_helpers import Counter, fresh_db

READERS = ["reader-1", "reader-2", "reader-3"]
HEADLINES = 2


def main() -> int:
    db = sys.argv[1] if len(sys.argv) > 1 else "liner-example.db"
    fresh_db(db)
    expected = len(READERS) * HEADLINES
    received = Counter()
    clients = []  # closed at the end, whatever happens

    # A receive callback for one reader; it runs on that reader's own thread,
    # once per message. `to` is "news" here: the topic the message was sent to.
    def reader_receives(name: str):
        def on_receive(to: str, from_: str, data: bytes) -> None:
            print(f'{name} got "{data.decode()}" from {from_} (sent to topic {to})')
            received.add()
        return on_receive

    try:
        for name in READERS:
            # unique name, own topic, listen address (port 0: any free port), store
            reader = liner.Client.new_sqlite(name, name, "127.0.0.1:0", db)
            clients.append(reader)
            # Subscribing adds the reader's address to the topic "news".
            if not reader.run(reader_receives(name)) or not reader.subscribe("news"):
                print(f"{name}: {reader.last_error_message()}", file=sys.stderr)
                return 1

        publisher = liner.Client.new_sqlite("publisher", "publisher", "127.0.0.1:0", db)
        clients.append(publisher)
        if not publisher.run():  # it only sends: no callback needed
            print("publisher:", publisher.last_error_message(), file=sys.stderr)
            return 1

        for h in range(1, HEADLINES + 1):
            # one copy for each address of "news"; at-least-once delivery
            if not publisher.send_all("news", f"headline {h}"):
                print("send_all failed:", publisher.last_error_message(), file=sys.stderr)

        got = received.wait_for(expected, timeout=30)
        print(f"{'ok' if got == expected else 'FAILED'}: "
              f"the readers got {got} of {expected} copies")
        return 0 if got == expected else 1
    finally:
        for client in clients:
            client.close()  # stops the client first


if __name__ == "__main__":
    sys.exit(main())
