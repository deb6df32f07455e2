"""many_to_many: four peers each send 200 messages to each of the three
others, all at once; every pair's stream arrives complete and in order."""

from scenarios.harness import payloads

TIME_LIMIT = 90


def run(mesh):
    names = ["p%d" % i for i in range(4)]
    peers = [mesh.peer(n, n.upper()) for n in names]
    for p in peers:
        for q in peers:
            if q is not p:
                p.send(q.topic, 200, prefix="%s-to-%s-" % (p.name, q.name))
    for q in peers:
        q.wait_received(200 * 3)
        for p in peers:
            if p is not q:
                mesh.tally.check(q, p.topic, payloads("%s-to-%s-" % (p.name, q.name), 200))
