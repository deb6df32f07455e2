"""across_hosts: four peers on four hosts of a lab (network namespaces,
scripts/netlab; the store a PostgreSQL in a fifth, db host). Each peer
listens on 0.0.0.0:7000 and advertises its host's address (198.18.0.x:7000);
the one on the NAT host advertises the port forward of the switch
(198.18.0.1:7000), its own address being unreachable from the others. Every
peer sends 100 at-least-once then 100 best-effort messages to each of the
three others, all at once: all 2400 arrive, once each, in order, and each
peer published the address it advertised. Root only."""

import time

from scenarios import netlab
from scenarios.harness import payloads

NETLAB = True
TIME_LIMIT = 120

PORT = 7000
COUNT = 100
PEERS = {"a": "A", "b": "B", "c": "C", "n": "N"}  # host -> topic; n is the NAT host


def run(mesh):
    started = time.monotonic()
    with netlab.network(mesh, ["a", "b", "c"], nat="n", forwards=[PORT]) as lab:
        lab_ready = time.monotonic() - started
        peers = {}
        for host, topic in PEERS.items():
            h = lab.host(host)
            advertise = "%s:%d" % (lab.switch_addr if host == "n" else h.addr, PORT)
            p = mesh.peer(host, topic, host=h, listen="0.0.0.0:%d" % PORT, advertise=advertise)
            mesh.tally.require(p.addr == advertise, "%s published %s, not %s"
                               % (host, p.addr, advertise))
            peers[host] = p

        t0 = time.monotonic()
        for kind, alo in (("alo", True), ("be", False)):
            # every peer sends to the three others at once
            jobs = []
            for host, p in peers.items():
                for other, topic in PEERS.items():
                    if other != host:
                        jobs.append((p, p.begin("send", topic=topic, count=COUNT, alo=alo,
                                                prefix="%s-%s-" % (kind, host))))
            for p, job in jobs:
                p.finish(job, timeout=60)
            for host, p in peers.items():
                for sender, topic in PEERS.items():
                    if sender != host:
                        netlab.wait_all([p], PEERS[sender], payloads("%s-%s-" % (kind, sender), COUNT), 30)
        took = time.monotonic() - t0

        for host, p in peers.items():
            for sender in PEERS:
                if sender != host:  # the best-effort ones were sent after all alo arrived
                    mesh.tally.check(p, PEERS[sender], payloads("alo-%s-" % sender, COUNT)
                                     + payloads("be-%s-" % sender, COUNT))
        mesh.check_no_crash()
        mesh.tally.notes = ("lab up with its PostgreSQL in %.1f s; 12 streams x (%d alo + %d"
                            " best-effort) delivered in %.1f s; n (NAT host) published %s"
                            % (lab_ready, COUNT, COUNT, took, peers["n"].addr))
