"""mixed_liner: Rust liner 1.4.1 peers among liner-caf peers, across hosts
of a lab. A liner-caf peer on host a (heartbeat 50 ms, peer timeout 300 ms:
many chances to go wrong) sends to a Rust liner listener on host b, and a
Rust liner sender on host c sends to it; then every route idles for 2 s
(more than six peer timeouts) and they send again. Every message arrives
once, in order, and the liner-caf peer reports no lost route: Rust liner
never answers the heartbeat offer, so it gets no heartbeat and its silence
is no loss. Needs LINER_RUST_LIBRARY (the path of Rust liner's
libliner_broker.so, e.g. built by the project's baseline script) and root;
skipped otherwise."""

import os
import time

from scenarios import netlab
from scenarios.harness import payloads

NETLAB = True
TIME_LIMIT = 180

PORT = 7000
COUNT = 50
IDLE_S = 2.0
ROUTE_LOST = 5


def skip_reason():
    lib = os.environ.get("LINER_RUST_LIBRARY", "")
    if not lib:
        return "LINER_RUST_LIBRARY is not set (the path of Rust liner's libliner_broker.so)"
    if not os.path.exists(lib):
        return "LINER_RUST_LIBRARY=%s does not exist" % lib
    return None


def run(mesh):
    rust = {"LINER_LIBRARY": os.environ["LINER_RUST_LIBRARY"]}
    with netlab.network(mesh, ["a", "b", "c"]) as lab:
        a, b, c = lab.host("a"), lab.host("b"), lab.host("c")
        caf = mesh.peer("caf", "CAF", host=a, listen="0.0.0.0:%d" % PORT,
                        advertise="%s:%d" % (a.addr, PORT),
                        env={"LINER_HEARTBEAT_MS": "50", "LINER_PEER_TIMEOUT_MS": "300"})
        # Rust liner binds the address it publishes (it has no advertised address)
        rust_listener = mesh.peer("rust_listener", "RL", host=b, env=rust,
                                  listen="%s:%d" % (b.addr, PORT))
        rust_sender = mesh.peer("rust_sender", "RS", host=c, env=rust,
                                listen="%s:%d" % (c.addr, PORT))
        for round_ in ("first-", "second-"):
            if round_ == "second-":
                time.sleep(IDLE_S)  # every route idles: an action, not a wait
            caf.send("RL", COUNT, prefix=round_)
            rust_sender.send("CAF", COUNT, prefix=round_)
            netlab.wait_all([rust_listener], "CAF", payloads(round_, COUNT), 60)
            netlab.wait_all([caf], "RS", payloads(round_, COUNT), 60)
        expected = payloads("first-", COUNT) + payloads("second-", COUNT)
        mesh.tally.check(rust_listener, "CAF", expected)
        mesh.tally.check(caf, "RS", expected)
        lost = [s["message"] for s in caf.statuses if s["kind"] == ROUTE_LOST]
        mesh.tally.require(not lost, "liner-caf reported a lost route: %s" % lost[:1])
        mesh.check_no_crash()
        mesh.tally.notes = ("Rust liner listener and sender across hosts, %d + %d messages each way"
                            " around a %.0f s idle; %d lost-route events on the liner-caf peer"
                            % (COUNT, COUNT, IDLE_S, len(lost)))
