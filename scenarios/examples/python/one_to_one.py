"""one_to_one: alice sends three messages to bob's topic.

Both peers are clients in this one process, on one SQLite file: argv[1], or
liner-example.db in the current directory (deleted first, for a clean run).
bob's receive callback prints each message; the main thread waits until all
three arrived. Exits 0 if they did, 1 if not.

    PYTHONPATH=python python3 scenarios/examples/python/one_to_one.py
"""

import sys

import liner

from example_helpers import Counter, fresh_db

MESSAGES = 3


def main() -> int:
    db = sys.argv[1] if len(sys.argv) > 1 else "liner-example.db"
    fresh_db(db)
    received = Counter()

    # bob's receive callback runs on bob's own thread, once per message: `to`
    # is the topic the message was sent to, `from_` the sender's topic.
    def bob_receives(to: str, from_: str, data: bytes) -> None:
        print(f'bob got "{data.decode()}" from {from_} (sent to topic {to})')
        received.add()

    # unique name, own topic, listen address (port 0: any free port), store.
    # Leaving the `with` block closes the client (it stops first).
    with liner.Client.new_sqlite("bob", "bob", "127.0.0.1:0", db) as bob, \
         liner.Client.new_sqlite("alice", "alice", "127.0.0.1:0", db) as alice:
        # alice only sends, so she runs without a callback (anything sent to
        # her would wait in her queue, for alice.receive()).
        if not bob.run(bob_receives) or not alice.run():
            print("run failed:", bob.last_error_message(), alice.last_error_message(),
                  file=sys.stderr)
            return 1

        for i in range(1, MESSAGES + 1):
            # at-least-once delivery (the default): kept until bob acknowledges it
            if not alice.send_to("bob", f"hello {i}"):
                print("send_to failed:", alice.last_error_message(), file=sys.stderr)

        got = received.wait_for(MESSAGES, timeout=30)
        print(f"{'ok' if got == MESSAGES else 'FAILED'}: bob got {got} of {MESSAGES} messages")
    return 0 if got == MESSAGES else 1


if __name__ == "__main__":
    sys.exit(main())
