"""producer_consumer: two producers hand out jobs to two consumers.

Both consumers subscribe to the topic "jobs" (each also has a topic of its
own). Each producer, on its own topic, sends its jobs with
send_to("jobs", ...): every job goes to ONE address of "jobs", taking turns
(round robin), so the consumers share the work. All peers are clients in
this one process, on one SQLite file: argv[1], or liner-example.db in the
current directory (deleted first, for a clean run). Exits 0 if every job
arrived and each consumer did half of them, 1 if not.

    PYTHONPATH=python python3 scenarios/examples/python/producer_consumer.py
"""

import sys

import liner

from example_helpers import Counter, fresh_db

CONSUMERS = ["consumer-1", "consumer-2"]
PRODUCERS = ["producer-1", "producer-2"]
JOBS_EACH = 4  # per producer


def main() -> int:
    db = sys.argv[1] if len(sys.argv) > 1 else "liner-example.db"
    fresh_db(db)
    expected = len(PRODUCERS) * JOBS_EACH
    received = Counter()
    jobs_done = {name: 0 for name in CONSUMERS}  # each counted on its consumer's thread
    clients = []  # closed at the end, whatever happens

    # A receive callback for one consumer; it runs on that consumer's own
    # thread, once per job. `to` is "jobs", `from_` the producer's topic.
    def consumer_receives(name: str):
        def on_receive(to: str, from_: str, data: bytes) -> None:
            print(f'{name} got "{data.decode()}" from {from_} (sent to topic {to})')
            jobs_done[name] += 1
            received.add()
        return on_receive

    try:
        for name in CONSUMERS:
            # unique name, own topic, listen address (port 0: any free port), store
            consumer = liner.Client.new_sqlite(name, name, "127.0.0.1:0", db)
            clients.append(consumer)
            # Subscribing adds the consumer's address to the topic "jobs".
            if not consumer.run(consumer_receives(name)) or not consumer.subscribe("jobs"):
                print(f"{name}: {consumer.last_error_message()}", file=sys.stderr)
                return 1

        producers = []
        for name in PRODUCERS:
            producer = liner.Client.new_sqlite(name, name, "127.0.0.1:0", db)
            clients.append(producer)
            producers.append(producer)
            if not producer.run():  # it only sends: no callback needed
                print(f"{name}: {producer.last_error_message()}", file=sys.stderr)
                return 1

        for name, producer in zip(PRODUCERS, producers):
            for j in range(1, JOBS_EACH + 1):
                # one address of "jobs", the next one each time; at-least-once
                if not producer.send_to("jobs", f"job {j} of {name}"):
                    print(f"{name}: send_to failed: {producer.last_error_message()}",
                          file=sys.stderr)

        got = received.wait_for(expected, timeout=30)
        fair = True
        for name in CONSUMERS:
            print(f"{name} did {jobs_done[name]} jobs")
            fair = fair and jobs_done[name] == expected // len(CONSUMERS)  # round robin: half each
        ok = got == expected and fair
        print(f"{'ok' if ok else 'FAILED'}: {got} of {expected} jobs done, "
              f"{'shared evenly' if fair else 'NOT shared evenly'}")
        return 0 if ok else 1
    finally:
        for client in clients:
            client.close()  # stops the client first


if __name__ == "__main__":
    sys.exit(main())
