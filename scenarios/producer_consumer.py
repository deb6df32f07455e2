"""producer_consumer: two producers on their own topics feed WORK; two
consumers subscribe to WORK and share it round robin. Every item is consumed
exactly once, and each consumer sees each producer's items in order."""

TIME_LIMIT = 60


def run(mesh):
    consumers = [mesh.peer("consumer-%d" % i, "CONSUMER-%d" % i) for i in range(2)]
    for c in consumers:
        c.command("subscribe", topic="WORK")
    producers = [mesh.peer("producer-%d" % i, "PRODUCER-%d" % i) for i in range(2)]
    for p in producers:
        p.send("WORK", 200, prefix="%s-item-" % p.name)
    total = 400
    consumers[0].wait_for(lambda _: sum(len(c.received) for c in consumers) >= total,
                          "all %d items consumed" % total)
    mesh.tally.messages += total
    got = [(frm, data) for c in consumers for frm, data in c.received]
    items = [data for _, data in got]
    expected = {"%s-item-%d" % (p.name, i) for p in producers for i in range(200)}
    lost = expected - set(items)
    mesh.tally.lost += len(lost)
    mesh.tally.duplicates += len(items) - len(set(items))
    mesh.tally.require(not lost, "%d items lost" % len(lost))
    mesh.tally.require(len(items) == len(set(items)), "an item was consumed twice")
    for c in consumers:
        mesh.tally.require(c.received, "%s consumed nothing" % c.name)
        for p in producers:
            numbers = [int(d.rsplit("-", 1)[1]) for frm, d in c.received if frm == p.topic]
            if numbers != sorted(numbers):
                mesh.tally.reordered += 1
                mesh.tally.problems.append("%s: %s's items out of order" % (c.name, p.name))
