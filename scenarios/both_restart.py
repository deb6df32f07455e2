"""both_restart: sender and receiver are both killed with SIGKILL and both
started again (new ephemeral ports; the store keeps their stale catalog
rows; the first receiver listens on a port below the ephemeral range, so its
stale address sorts, and is tried, first); the new sender sends 300 at-least-once messages to the receiver's
topic: all arrive, once each, in order. Then another pair: the archive
stops cleanly (stop) and the feeder process that had sent to it is
restarted: its 200 at-least-once sends to the stopped archive's topic are
accepted (queued, not NO_ADDR) and arrive, in order, once the archive runs
again."""

from scenarios.harness import ScenarioError, error_name, low_free_port, payloads

TIME_LIMIT = 90

FRESH = 300
QUEUED = 200


def _send(mesh, sender, topic, count, prefix):
    """Sends; a refusal is a problem (with its error code). Returns how many
    were accepted."""
    done = sender.command("send", check=False, topic=topic, count=count, prefix=prefix, alo=True)
    sent = done.get("sent", 0)
    if not done["ok"]:
        mesh.tally.problems.append(
            "%s: send of %s%d to %s refused: code %s (%s) %s"
            % (sender.name, prefix, sent, topic, done["code"], error_name(done["code"]),
               done["error"]))
    return sent


def _wait_stream(peer, sender_topic, prefix, count, timeout):
    try:
        peer.wait_for(lambda p: len({d for frm, d in p.received
                                     if frm == sender_topic and d.startswith(prefix)}) >= count,
                      "%d messages %s*" % (count, prefix), timeout)
    except ScenarioError:
        pass  # the check below counts what is missing


def run(mesh):
    # 1. both killed, both restarted at new ports
    receiver = mesh.peer("receiver", "RECEIVER", listen="127.0.0.1:%d" % low_free_port())
    sender = mesh.peer("sender", "SENDER")
    sender.send("RECEIVER", 20, prefix="warm-")
    receiver.wait_received(20)
    old_addr = receiver.addr
    sender.kill()
    receiver.kill()
    receiver = mesh.peer("receiver", "RECEIVER")
    sender = mesh.peer("sender", "SENDER")
    sent = _send(mesh, sender, "RECEIVER", FRESH, "fresh-")
    _wait_stream(receiver, "SENDER", "fresh-", sent, 15)
    mesh.tally.check(receiver, "SENDER", payloads("fresh-", sent))
    notes = ["receiver %s -> %s: %d of %d fresh delivered"
             % (old_addr, receiver.addr,
                len({d for _, d in receiver.received if d.startswith("fresh-")}), sent)]

    # 2. (other names: no stale rows) the archive stops cleanly, the feeder
    # restarts and queues for it
    archive = mesh.peer("archive", "ARCHIVE")
    feeder = mesh.peer("feeder", "FEEDER")
    feeder.send("ARCHIVE", 20, prefix="warm-")
    archive.wait_received(20)
    archive.command("stop")
    feeder.quit()
    feeder = mesh.peer("feeder", "FEEDER")
    queued = _send(mesh, feeder, "ARCHIVE", QUEUED, "queued-")
    archive.run()
    _wait_stream(archive, "FEEDER", "queued-", queued, 15)
    mesh.tally.check(archive, "FEEDER", payloads("warm-", 20) + payloads("queued-", queued))
    notes.append("%d of %d queued accepted, %d delivered"
                 % (queued, QUEUED, len({d for _, d in archive.received if d.startswith("queued-")})))
    mesh.check_no_crash()
    mesh.tally.notes = "; ".join(notes)
