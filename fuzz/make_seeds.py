#!/usr/bin/env python3
"""Writes the seed corpora under fuzz/corpus/ (the files are committed; run
this again only to change them). Needs the zstd command-line tool.

    python3 fuzz/make_seeds.py
"""
import json
import pathlib
import struct
import subprocess

HERE = pathlib.Path(__file__).resolve().parent
COMPRESSED, AT_LEAST_ONCE = 0x01, 0x02


def frame(data, number=1, connection_key=7, topic_key=3, flags=0, data_len=None, frame_len=None):
    """liner's wire frame: u32 frame_len | u64 number | i32 ckey | i32 tkey | u8 flags | u32 data_len | data."""
    if data_len is None:
        data_len = len(data)
    body = struct.pack(">QiiBI", number, connection_key, topic_key, flags, data_len) + data
    if frame_len is None:
        frame_len = len(body)
    return struct.pack(">I", frame_len) + body


def zstd(data, content_size=True):
    flag = "--content-size" if content_size else "--no-content-size"
    src = HERE / ".seed_input.tmp"
    src.write_bytes(data)  # from a file, so that zstd knows (and records) the size
    try:
        return subprocess.run(["zstd", "-q", "-c", flag, str(src)], check=True,
                              stdout=subprocess.PIPE).stdout
    finally:
        src.unlink()


def fuzz_input(stream, chunks=()):
    """fuzz_frame_decoder's layout: k, then k chunk sizes (0 = the rest), then the stream."""
    assert len(chunks) <= 15
    return bytes([len(chunks), *chunks]) + stream


def write(target, name, data):
    d = HERE / "corpus" / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def frame_decoder_seeds():
    t = "fuzz_frame_decoder"
    text = b"".join(b"message %d of a liner stream\n" % i for i in range(200))
    hello = frame(b"hello")
    alo = frame(b"at least once", number=2, flags=AT_LEAST_ONCE)
    empty = frame(b"", number=3)
    write(t, "one_frame", fuzz_input(hello))
    write(t, "three_frames_bytewise", fuzz_input(hello + alo + empty, [1]))
    write(t, "three_frames_mixed_chunks", fuzz_input(hello + alo + empty, [5, 17, 3, 0]))
    write(t, "compressed_with_size",
          fuzz_input(frame(zstd(text), number=4, flags=COMPRESSED), [40]))
    write(t, "compressed_no_size",
          fuzz_input(frame(zstd(text, content_size=False), number=5,
                           flags=COMPRESSED | AT_LEAST_ONCE), [7, 32]))
    write(t, "compressed_two_zstd_frames",
          fuzz_input(frame(zstd(b"first part ") + zstd(b"second part", content_size=False),
                           flags=COMPRESSED)))
    # Decompress to exactly the fuzzer's max message size (1 MiB), then past it.
    write(t, "compressed_bomb_at_bound",
          fuzz_input(frame(zstd(bytes(1 << 20), content_size=False), flags=COMPRESSED)))
    write(t, "compressed_bomb_over_bound",
          fuzz_input(frame(zstd(bytes(2 << 20), content_size=False), flags=COMPRESSED)))
    write(t, "compressed_corrupt",
          fuzz_input(frame(b"\x28\xb5\x2f\xfd" + bytes(range(40)), flags=COMPRESSED)))
    write(t, "compressed_truncated",
          fuzz_input(frame(zstd(text)[:-9], flags=COMPRESSED)))
    write(t, "truncated_frame", fuzz_input((hello + alo)[:-4], [3]))
    write(t, "truncated_prefix", fuzz_input(hello + b"\x00\x00"))
    write(t, "oversize_length", fuzz_input(hello + frame(b"big", frame_len=0x7FFFFFFF), [9]))
    write(t, "zero_length", fuzz_input(struct.pack(">I", 0) + hello))
    write(t, "body_too_short", fuzz_input(struct.pack(">I", 10) + bytes(10)))
    write(t, "data_len_overruns", fuzz_input(frame(b"abc", data_len=1000), [2]))
    write(t, "trailing_bytes_in_body", fuzz_input(frame(b"abc", data_len=1) + hello))


def internal_event_seeds():
    t = "fuzz_internal_event"
    def ev(**kw):
        return json.dumps(kw, sort_keys=True, separators=(",", ":"))
    write(t, "client_connected",
          ev(addr="127.0.0.1:5000", client="peer1", event="client_connected", topic="t"))
    write(t, "client_disconnected", ev(client="peer1", event="client_disconnected", topic="t"))
    write(t, "subscribed", ev(client="peer2", event="subscribed", topic="news"))
    write(t, "unsubscribed", ev(client="peer2", event="unsubscribed", topic="news"))
    write(t, "unicode_escapes",
          '{"addr":"[::1]:7000","client":"p\\u00e9er\\ud83d\\ude00","event":"client_connected",'
          '"topic":"t\\n\\u0000"}')
    write(t, "addr_on_other_event",
          ev(addr="10.0.0.1:1", client="c", event="subscribed", topic="x"))
    write(t, "non_string_fields", '{"client":5,"event":"subscribed","topic":null,"extra":[1,{}]}')
    write(t, "event_not_string", '{"client":"c","event":1,"topic":"t"}')
    write(t, "no_event", '{"client":"c","topic":"t"}')
    write(t, "not_an_object", '["client_connected"]')
    write(t, "broken_json", '{"event":"subscribed","client":"c"')


def receivers_json_seeds():
    t = "fuzz_receivers_json"
    write(t, "empty_array", "[]")
    write(t, "one_receiver", json.dumps(
        [{"topic": "t", "addr": "127.0.0.1:5000", "client_name": "peer1"}]))
    write(t, "two_receivers", json.dumps([
        {"topic": "t", "addr": "127.0.0.1:5000", "client_name": "peer1"},
        {"topic": "u", "addr": "[::1]:5001", "client_name": "p\u00e9er2", "extra": [1, 2]}],
        indent=1))
    write(t, "not_an_array", '{"topic":"t","addr":"a","client_name":"c"}')
    write(t, "entry_missing_addr", '[{"topic":"t","client_name":"c"}]')
    write(t, "entry_not_string", '[{"topic":"t","addr":5000,"client_name":"c"}]')
    write(t, "entry_not_object", '[["t","a","c"]]')
    write(t, "broken_json", '[{"topic":"t","addr":"a",')
    write(t, "invalid_utf8", b'[{"topic":"\xc3","addr":"a","client_name":"c"}]')


if __name__ == "__main__":
    frame_decoder_seeds()
    internal_event_seeds()
    receivers_json_seeds()
