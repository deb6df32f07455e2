"""one_to_one: a sends 500 at-least-once messages to b's topic; b gets all,
once each, in order, from a."""

from scenarios.harness import payloads

TIME_LIMIT = 60


def run(mesh):
    b = mesh.peer("b", "B")
    a = mesh.peer("a", "A")
    a.send("B", 500, prefix="a-")
    b.wait_received(500)
    mesh.tally.check(b, "A", payloads("a-", 500))
