"""big_payload: three 6 MiB messages (above the 1 MiB compression threshold,
so compressed on the wire) arrive byte for byte identical, in order."""

import hashlib

from scenarios.peer import big_payload

TIME_LIMIT = 90
SIZE = 6 * 1024 * 1024


def run(mesh):
    b = mesh.peer("b", "B")
    a = mesh.peer("a", "A")
    a.command("send", topic="B", count=3, size=SIZE, big_seed=7, alo=True)
    b.wait_received(3)
    expected = ["%d:%s" % (SIZE, hashlib.sha256(big_payload(SIZE, 7 + i)).hexdigest())
                for i in range(3)]
    mesh.tally.check(b, "A", expected)
