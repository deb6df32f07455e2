"""listener_crash: the receiver is killed with SIGKILL in the middle of a
stream of 2000 at-least-once messages and started again. Every message
arrives, in order within each run; only what the killed receiver delivered
but had not yet acknowledged may arrive twice."""

from scenarios.harness import payloads

TIME_LIMIT = 120


def run(mesh):
    first = mesh.peer("receiver", "RECEIVER")
    sender = mesh.peer("sender", "SENDER")
    # paced by the pipe and the sender; the kill lands mid-stream
    sender.proc.stdin.write('{"cmd": "send", "id": 1000, "topic": "RECEIVER", "count": 2000,'
                            ' "prefix": "m-", "alo": true}\n')
    sender.proc.stdin.flush()
    first.wait_received(300)
    first.kill()
    delivered_before = len(first.received)
    second = mesh.peer("receiver", "RECEIVER")
    second.wait_for(lambda p: any(d == "m-1999" for _, d in p.received), "the last message")
    expected = payloads("m-", 2000)
    # the two runs together: nothing lost; duplicates only across the kill
    merged = first.received + second.received
    arrived = [d for frm, d in merged if frm == "SENDER"]
    mesh.tally.messages += len(expected)
    lost = set(expected) - set(arrived)
    dups = len(arrived) - len(set(arrived))
    mesh.tally.lost += len(lost)
    mesh.tally.require(not lost, "%d messages lost (first %s)" % (len(lost), min(lost, default="")))
    for run_ in (first.received, second.received):
        numbers = [int(d[2:]) for frm, d in run_ if frm == "SENDER"]
        if numbers != sorted(numbers) or len(numbers) != len(set(numbers)):
            mesh.tally.reordered += 1
            mesh.tally.problems.append("a run delivered out of order or twice")
    # acks are written every ~20 ms: a handful may come again, never more
    # than the killed run delivered
    mesh.tally.require(dups <= delivered_before,
                       "%d duplicates, more than the killed run delivered" % dups)
    mesh.tally.duplicates += dups
    mesh.tally.notes = ("killed after %d deliveries; %d delivered but not yet acknowledged came"
                        " again (allowed)" % (delivered_before, dups))
