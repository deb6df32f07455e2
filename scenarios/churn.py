"""churn: workers of topic POOL join and leave while a dispatcher keeps
sending at-least-once jobs to POOL. Nobody refreshes by hand: the internal
channel tells the dispatcher who came and went, so new workers get jobs and
leavers get no new ones. Jobs already queued for a leaver wait in the store
and reach it when it comes back. In the end every job was delivered exactly
once."""

from scenarios.harness import eventually

TIME_LIMIT = 120


def run(mesh):
    workers = {"w0": mesh.peer("w0", "POOL"), "w1": mesh.peer("w1", "POOL")}
    d = mesh.peer("dispatcher", "DISPATCH")
    steps = [("join", "w2"), ("leave", "w0"), ("join", "w3"), ("leave", "w1"), (None, None)]
    sent = 0
    for action, name in steps:
        d.send("POOL", 100, prefix="job-", first=sent)
        sent += 100
        if action == "join":
            workers[name] = mesh.peer(name, "POOL")
        elif action == "leave":
            workers.pop(name).quit()
    for name in ("w0", "w1"):  # the leavers come back for what was queued for them
        workers[name] = mesh.peer(name, "POOL")
    everyone = [p for p in mesh.peers if p.name != "dispatcher"]

    def delivered():
        return [data for p in everyone for _, data in p.received]

    eventually(lambda: len(set(delivered())) >= sent, "delivery of all %d jobs" % sent)
    got = delivered()
    mesh.tally.messages += sent
    dups = len(got) - len(set(got))
    mesh.tally.duplicates += dups
    mesh.tally.require(dups == 0, "%d jobs delivered twice" % dups)
    for name in ("w2", "w3"):
        mesh.tally.require(any(p.received for p in everyone if p.name == name),
                           "%s joined but got no job (discovery failed)" % name)
    mesh.tally.notes = "jobs per worker: " + ", ".join(
        "%s %d" % (p.name, len(p.received)) for p in everyone)
