"""one_to_many: three readers subscribe to NEWS; the publisher send_all()s 100
items; every reader gets all 100, in order."""

from scenarios.harness import payloads

TIME_LIMIT = 60


def run(mesh):
    readers = [mesh.peer("reader-%d" % i, "READER-%d" % i) for i in range(3)]
    for r in readers:
        r.command("subscribe", topic="NEWS")
    pub = mesh.peer("publisher", "PUB")
    pub.send("NEWS", 100, prefix="news-", all=True)
    for r in readers:
        r.wait_received(100)
        mesh.tally.check(r, "PUB", payloads("news-", 100))
