"""What operators and packagers rely on: the counters (Client.stats), the
library's lines in Python's logging, and the package installed from python/
without network into a fresh virtual environment, finding its library by
itself."""
from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from support import PYTHON_DIR, Store, liner, wait_until


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


def test_the_package_installs_offline_in_a_fresh_venv_and_finds_its_library(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)],
                   check=True)
    env = {k: v for k, v in os.environ.items()
           if k not in ("LINER_LIBRARY", "PYTHONPATH", "PIP_FIND_LINKS")}
    # The documented offline command: Debian's setuptools and wheel, no index.
    install = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--no-build-isolation", "--no-index",
         str(PYTHON_DIR)], env=env, capture_output=True, text=True)
    assert install.returncode == 0, install.stdout + install.stderr
    program = textwrap.dedent("""
        import liner, os
        assert not liner.__file__.startswith(%r), liner.__file__
        db = os.path.join(os.getcwd(), "mesh.db")
        r = liner.Client.new_sqlite("r", "R", "127.0.0.1:0", db)
        s = liner.Client.new_sqlite("s", "S", "127.0.0.1:0", db)
        assert r.run() and s.run()
        assert s.send_to("R", b"installed")
        print(r.receive(timeout=20).data.decode(), liner.library_path())
    """ % str(PYTHON_DIR))
    run = subprocess.run([str(venv / "bin" / "python"), "-c", program], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    data, library = run.stdout.split()
    assert data == "installed"
    assert library.startswith(str(venv)), library  # the copy bundled into the package
