"""sender_restart: a sender queues 200 at-least-once messages for a peer that
is down, stops (the queue is in the store) and exits; a new sender process
with the same identity starts, the peer returns and gets the stored 200 in
order, then 100 new ones: the numbering continues, nothing is dropped as an
old number."""

from scenarios.harness import payloads

TIME_LIMIT = 90


def run(mesh):
    peer = mesh.peer("peer", "PEER")
    sender = mesh.peer("sender", "SENDER")
    sender.send("PEER", 10, prefix="warmup-")
    peer.wait_received(10)
    peer.command("stop")
    sender.send("PEER", 200, prefix="queued-")
    sender.quit()  # stop flushes to the store, then the process exits
    restarted = mesh.peer("sender", "SENDER")
    mesh.tally.require(restarted.pending() == 200,
                       "the new sender process sees %d stored messages, not 200"
                       % restarted.pending())
    peer.run()
    peer.wait_received(210)
    restarted.send("PEER", 100, prefix="fresh-")
    peer.wait_received(310)
    mesh.tally.check(peer, "SENDER",
                     payloads("warmup-", 10) + payloads("queued-", 200) + payloads("fresh-", 100))
