"""offline_delivery: the archive registers and stops; a sender queues 300
at-least-once messages for it while it is down (they wait in the store);
the archive starts again and gets all of them, in order, once."""

from scenarios.harness import eventually, payloads

TIME_LIMIT = 90


def run(mesh):
    archive = mesh.peer("archive", "ARCHIVE")
    sender = mesh.peer("sender", "SENDER")
    sender.send("ARCHIVE", 1, prefix="hello-")  # the route exists and knows the archive
    archive.wait_received(1)
    archive.command("stop")
    sender.send("ARCHIVE", 300, prefix="offline-")
    sender.command("stop")  # flush: everything unacked goes to the store
    mesh.tally.require(sender.pending() >= 300,
                       "the store holds %d messages for the stopped archive, not 300"
                       % sender.pending())
    sender.run()
    archive.run()
    archive.wait_received(301)
    mesh.tally.check(archive, "SENDER", payloads("hello-", 1) + payloads("offline-", 300))
    eventually(lambda: sender.pending() == 0, "the sender's store queue draining")
