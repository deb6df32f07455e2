"""one_to_one_for_many: three replicas serve topic JOBS; a dispatcher's 300
send_to calls are shared round robin (100 each), nothing lost or doubled,
each replica's share in order."""

from scenarios.harness import payloads

TIME_LIMIT = 60


def run(mesh):
    workers = [mesh.peer("worker-%d" % i, "JOBS") for i in range(3)]
    d = mesh.peer("dispatcher", "DISPATCH")
    d.send("JOBS", 300, prefix="job-")
    workers[0].wait_for(lambda _: sum(len(w.received) for w in workers) >= 300,
                        "all 300 jobs delivered")
    got = [data for w in workers for _, data in w.received]
    everything = payloads("job-", 300)
    mesh.tally.messages += len(everything)
    lost = set(everything) - set(got)
    mesh.tally.lost += len(lost)
    mesh.tally.duplicates += len(got) - len(set(got))
    mesh.tally.require(not lost, "%d jobs lost" % len(lost))
    mesh.tally.require(len(got) == len(set(got)), "a job arrived twice")
    for w in workers:
        mesh.tally.require(len(w.received) == 100, "%s got %d jobs, not 100 (round robin)"
                           % (w.name, len(w.received)))
        numbers = [int(data.split("-")[1]) for _, data in w.received]
        if numbers != sorted(numbers):
            mesh.tally.reordered += 1
            mesh.tally.problems.append("%s: its jobs are out of order" % w.name)
