"""A program written for liner 1.4.1's Python wrapper (python/liner.py), in
its style: loadLib with the library path, camelCase constructor arguments,
callbacks with (to, from_, data), polling loops. It must run unchanged on
this package.

    liner_wrapper_program.py LIBRARY_PATH (sqlite PATH | postgres URL) PORT1 PORT2
"""
import sys
import time

import liner

libPath, kind, location, port1, port2 = sys.argv[1:6]

liner.loadLib(libPath)

print("version", liner.version())
logLines = []
liner.set_log_callback(lambda message: logLines.append(message))
assert liner.set_max_message_size(10 * 1024 * 1024) is True
assert liner.get_max_message_size() == 10 * 1024 * 1024
assert liner.set_compress_threshold(1024 * 1024) is True
assert liner.get_compress_threshold() == 1024 * 1024
assert liner.set_max_send_queue(0) is True
assert liner.get_max_send_queue() == 0
assert (liner.PEER_CONNECTED, liner.SENDER_BUSY, liner.OK, liner.ERR_NO_ADDR, liner.ERR_BUSY) == \
    (1, 9, 0, 5, 11)

try:
    liner.Client("client0", "topic_client0", "127.0.0.1:" + port1, "redis://127.0.0.1:1/")
    raise SystemExit("the Redis constructor should fail: nothing listens on port 1")
except Exception as e:
    # liner's text first (liner-caf adds the code and the reason after it)
    assert str(e).startswith("error init client, check redisPath"), e


def newClient(name, topic, port):
    if kind == "sqlite":
        return liner.Client.new_sqlite(name, topic, "127.0.0.1:" + port, location)
    if kind == "redis":  # liner's own constructor
        return liner.Client(name, topic, "127.0.0.1:" + port, location)
    return liner.Client.new_postgres(name, topic, "127.0.0.1:" + port, location)


received1 = []
received2 = []
statuses = []


def receive_cback1(to: str, from_: str, data: bytes):
    received1.append((to, from_, data))


def receive_cback2(to: str, from_: str, data: bytes):
    received2.append((to, from_, data))
    client2.send_to(from_, b"echo " + data)  # echo from inside the callback


def status_cback(kind: int, topic: str, peer: str, message: str):
    statuses.append((kind, topic, peer, message))


def waitFor(cond, timeoutSec=30):
    deadline = time.time() + timeoutSec
    while not cond() and time.time() < deadline:
        time.sleep(0.01)
    return cond()


client1 = newClient("client1", "topic_client1", port1)
client2 = newClient("client2", "topic_client2", port2)

assert client1.set_status_callback(status_cback) is True
assert client1.set_advertise_addr("127.0.0.1:" + port1) is True
assert client1.advertise_addr() == "127.0.0.1:" + port1
assert client1.bound_listen_addr() is None and client1.published_addr() is None
assert client1.run(receive_cback1) is True
assert client2.run(receive_cback2) is True
assert client1.is_running() and client2.is_running()
assert client1.published_addr() == "127.0.0.1:" + port1
assert client1.bound_listen_addr() == "127.0.0.1:" + port1

assert client1.send_to("topic_client2", b"hello", at_least_once_delivery=True) is True
assert client1.send_to("topic_client2", bytearray(b"world"), False) is True
assert waitFor(lambda: len(received1) == 2)
assert received2 == [("topic_client2", "topic_client1", b"hello"),
                     ("topic_client2", "topic_client1", b"world")]
assert received1 == [("topic_client1", "topic_client2", b"echo hello"),
                     ("topic_client1", "topic_client2", b"echo world")]

assert client2.subscribe("news") is True
assert client1.list_addresses("news") == [("127.0.0.1:" + port2, "client2")]
assert client1.send_all("news", b"breaking") is True
assert waitFor(lambda: len(received1) == 3)
assert received2[-1] == ("news", "topic_client1", b"breaking")

assert client1.send_to("topic_client1", b"x") is False
assert client1.last_error_code() == liner.ERR_SELF_TOPIC
assert client1.last_error_message() == "you can't send on your own topic"
assert client1.refresh_address_topic("nobody") is False
assert client1.last_error_code() == liner.ERR_NO_ADDR
assert client1.refresh_address_topic("topic_client2") is True
assert client1.last_error_code() == liner.OK and client1.last_error_message() == ""
assert client2.unsubscribe("news") is True

assert client1.pending_count() == 0
assert client1.pending_by_peer() is not None

assert client2.stop() is True
assert waitFor(lambda: (liner.PEER_DISCONNECTED, "topic_client2", "client2",
                        "client_disconnected") in statuses)
assert client1.send_to("topic_client2", b"offline") is True  # at-least-once: kept
assert client1.stop() is True
assert client1.pending_count() == 1
assert client1.clear_stored_messages() is True
assert client1.pending_count() == 0
assert client2.clear_addresses_of_topic() is True

# close() then __exit__: liner's wrapper deletes twice; it must be harmless.
with client1:
    client1.close()
client2.close()
assert not any("client already deleted" in l for l in logLines)
liner.set_log_callback(None)
print("OK")
