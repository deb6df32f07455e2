"""subscribe_unsubscribe: a listener subscribes to ALERTS at runtime and gets
what is sent there; after it unsubscribes (and the sender refreshes), an
at-least-once send to ALERTS fails with NO_ADDR instead of queueing for a
peer that no longer serves it."""

from scenarios.harness import payloads

TIME_LIMIT = 60


def run(mesh):
    listener = mesh.peer("listener", "LISTENER")
    sender = mesh.peer("sender", "SENDER")
    listener.command("subscribe", topic="ALERTS")
    sender.command("refresh", topic="ALERTS")
    sender.send("ALERTS", 50, prefix="alert-")
    listener.wait_received(50)
    mesh.tally.check(listener, "SENDER", payloads("alert-", 50))
    listener.command("unsubscribe", topic="ALERTS")
    sender.wait_for(lambda p: any(s["kind"] == 4 for s in p.statuses), "the unsubscribed event")
    sender.command("refresh", topic="ALERTS", check=False)
    reply = sender.command("send", topic="ALERTS", count=1, prefix="late-", check=False)
    mesh.tally.require(not reply["ok"] and reply["code"] == 5,
                       "send after unsubscribe: ok=%s code=%s (want NO_ADDR)"
                       % (reply["ok"], reply["code"]))
