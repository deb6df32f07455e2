"""What operators rely on: the counters (Client.stats) and the library's
lines in Python's logging. Installing the package offline is in
test_install.py."""
from __future__ import annotations

import logging

from support import Store, liner, wait_until


def test_stats_count_what_was_sent_and_delivered(store: Store) -> None:
    r = store.client("r", "R")
    s = store.client("s", "S")
    assert r.run() and s.run()
    for i in range(3):
        assert s.send_to("R", b"x" * (i + 1))
    assert wait_until(lambda: r.stats()["delivered"]["messages"] == 3)
    received, sent = r.stats(), s.stats()
    assert received["client"] == "r" and received["delivered"]["bytes"] == 1 + 2 + 3
    assert sent["sent"] == {"messages": 3, "bytes": 6}
    route = next(x for x in sent["routes"] if x["listener"] == "r")
    assert route["sent_messages"] == 3 and route["topics"] == ["R"]


def test_use_logging_sends_the_library_lines_to_python_logging(sqlite_store: Store,
                                                               caplog) -> None:
    c = sqlite_store.client("a", "A")
    caplog.set_level(logging.DEBUG, logger="liner")
    assert liner.use_logging() is True
    try:
        assert c.send_to("B", b"x") is False  # not running: an error line
        assert wait_until(lambda: any(r.name == "liner" for r in caplog.records))
    finally:
        assert liner.set_log_callback(None) is True
    record = next(r for r in caplog.records if r.name == "liner")
    assert record.levelno == logging.ERROR
    assert record.getMessage() == "a: you can't send_to because client not is running"
