"""Module-level API: the library, versions, constants, knobs, the log."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

import support
from support import PYTHON_DIR, REPO, Collector, liner


def test_library_is_loaded_without_loadLib() -> None:
    path = liner.library_path()
    assert "libliner.so" in path


def test_found_in_the_build_tree_from_the_source_tree(tmp_path) -> None:
    # No LINER_LIBRARY, started outside the repository: the source tree's
    # package finds <repo>/build/lib.
    env = support.child_env()
    del env["LINER_LIBRARY"]
    out = subprocess.run([sys.executable, "-c", "import liner; print(liner.library_path())"],
                         env=env, cwd=tmp_path, capture_output=True, text=True,
                         timeout=support.TIMEOUT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(REPO / "build" / "lib" / "libliner.so.0")


def test_LINER_LIBRARY_is_used_and_a_bad_one_is_reported(tmp_path) -> None:
    code = ("import liner\n"
            "try:\n    print(liner.library_path())\n"
            "except liner.LibraryNotFoundError as e:\n    print('missing', e)\n")
    good = support.child_env({"LINER_LIBRARY": liner.library_path()})
    out = subprocess.run([sys.executable, "-c", code], env=good, cwd=tmp_path,
                         capture_output=True, text=True, timeout=support.TIMEOUT)
    assert out.stdout.strip() == liner.library_path()

    bad = support.child_env({"LINER_LIBRARY": str(tmp_path / "nowhere.so")})
    out = subprocess.run([sys.executable, "-c", code], env=bad, cwd=tmp_path,
                         capture_output=True, text=True, timeout=support.TIMEOUT)
    assert out.stdout.startswith("missing lib not load"), out.stdout + out.stderr
    assert "nowhere.so" in out.stdout
    assert "LINER_LIBRARY" in out.stdout


def test_LibraryNotFoundError_is_an_OSError_and_a_LinerError() -> None:
    assert issubclass(liner.LibraryNotFoundError, OSError)
    assert issubclass(liner.LibraryNotFoundError, liner.LinerError)
    with pytest.raises(liner.LibraryNotFoundError):
        liner.load_library("/nonexistent/libliner.so")
    # The failed load left the library in use unchanged.
    assert liner.version()


def test_loadLib_reloads_explicitly() -> None:
    path = liner.library_path()
    assert liner.loadLib(path) is None
    assert liner.library_path() == path
    assert liner.load_library() == path or "libliner" in liner.load_library()
    liner.loadLib(path)


def test_versions() -> None:
    cmake = (REPO / "CMakeLists.txt").read_text()
    project_version = re.search(r"project\(\w+ VERSION ([0-9.]+)", cmake).group(1)
    assert liner.version() == project_version
    assert liner.liner_version() == "1.4.1"
    assert liner.postgres_enabled()


def test_constants_match_the_header() -> None:
    header = (REPO / "capi" / "include" / "liner.h").read_text()
    values = {m.group(1): int(m.group(2))
              for m in re.finditer(r"\bLNR_([A-Z_]+) = (\d+)", header)}
    assert len(values) == 21
    for name, value in values.items():
        assert getattr(liner, name) == value, name
    assert liner.StatusKind.SENDER_BUSY == liner.SENDER_BUSY == 9
    assert liner.ErrorCode.BUSY == liner.ERR_BUSY == 11
    assert liner.INTERNAL_CHANNEL == "__#internal_channel"
    # Plain ints, as in liner's wrapper.
    assert type(liner.PEER_CONNECTED) is int and type(liner.ERR_NO_ADDR) is int


def test_error_classes() -> None:
    for code, cls in [(1, liner.NotRunningError), (2, liner.AlreadyRunningError),
                      (3, liner.SelfTopicError), (4, liner.InternalTopicError),
                      (5, liner.NoAddrError), (6, liner.BindError), (7, liner.StoreError),
                      (8, liner.InvalidArgError), (9, liner.ClearWhileRunningError),
                      (10, liner.StartupError), (11, liner.BusyError)]:
        e = liner.error_for(code, "text")
        assert type(e) is cls and e.code == code and e.message == "text"
        assert str(e) == f"text ({liner.code_name(code)} {code})"
        assert isinstance(e, liner.LinerError) and isinstance(e, Exception)
    assert type(liner.error_for(99, "x")) is liner.LinerError
    assert str(liner.error_for(99, "x")) == "x (code 99)"
    # A failure without a message: the code is still told, once.
    assert str(liner.error_for(7, "")) == "liner call failed (ERR_STORE 7)"
    assert str(liner.error_for(0, "")) == "liner call failed (OK 0)"
    assert isinstance(liner.InvalidArgError("x", 8), ValueError)


def test_knobs(knobs_restored) -> None:
    assert liner.get_max_message_size() == 1073741824
    assert liner.get_compress_threshold() == 1048576
    assert liner.get_max_send_queue() == 0

    assert liner.set_max_message_size(4096) is True
    assert liner.get_max_message_size() == 4096
    assert liner.set_max_message_size(0) is False
    assert liner.set_max_message_size(-1) is False
    assert liner.get_max_message_size() == 4096

    assert liner.set_compress_threshold(100) is True
    assert liner.get_compress_threshold() == 100
    assert liner.set_compress_threshold(0) is False
    assert liner.get_compress_threshold() == 100

    assert liner.set_max_send_queue(7) is True
    assert liner.get_max_send_queue() == 7
    assert liner.set_max_send_queue(0) is True
    assert liner.get_max_send_queue() == 0
    assert liner.set_max_send_queue(-3) is False
    with pytest.raises(TypeError):
        liner.set_max_send_queue("5")  # type: ignore[arg-type]

    assert liner.get_inbound_budget() == 256 * 1024 * 1024
    assert liner.set_inbound_budget(1 << 20) is True
    assert liner.get_inbound_budget() == 1 << 20
    assert liner.set_inbound_budget(0) is False
    assert liner.get_max_inbound_connections() == 512
    assert liner.set_max_inbound_connections(8) is True
    assert liner.get_max_inbound_connections() == 8
    assert liner.set_max_inbound_connections(0) is False

    assert liner.get_send_buffer() == 256 * 1024
    assert liner.set_send_buffer(0) is True  # unlimited, liner's behaviour
    assert liner.get_send_buffer() == 0
    assert liner.set_send_buffer(-1) is False
    assert liner.get_send_timeout_ms() == 1000
    assert liner.set_send_timeout_ms(0) is True
    assert liner.get_send_timeout_ms() == 0
    assert liner.set_send_timeout_ms(-5) is False
    assert liner.set_send_timeout_ms(1 << 40) is False
    assert liner.set_send_timeout_ms(86_400_001) is False  # above a day

    assert liner.get_store_timeout_ms() == 5000
    assert liner.set_store_timeout_ms(0) is False
    assert liner.set_store_timeout_ms(86_400_001) is False
    assert liner.get_store_timeout_ms() == 5000
    assert liner.set_store_timeout_ms(7000) is True
    assert liner.get_store_timeout_ms() == 7000
    assert liner.get_first_frame_timeout_ms() == 5000
    assert liner.set_first_frame_timeout_ms(-1) is False
    assert liner.set_first_frame_timeout_ms(300) is True
    assert liner.get_first_frame_timeout_ms() == 300

    assert liner.get_heartbeat_ms() == 2000
    assert liner.set_heartbeat_ms(9) is False  # below 10, and not 0
    assert liner.set_heartbeat_ms(86_400_001) is False
    assert liner.get_heartbeat_ms() == 2000
    assert liner.set_heartbeat_ms(0) is True  # off
    assert liner.get_heartbeat_ms() == 0
    assert liner.set_heartbeat_ms(50) is True
    assert liner.get_heartbeat_ms() == 50
    assert liner.get_peer_timeout_ms() == 10000
    assert liner.set_peer_timeout_ms(99) is False
    assert liner.set_peer_timeout_ms(-1) is False
    assert liner.get_peer_timeout_ms() == 10000
    assert liner.set_peer_timeout_ms(250) is True
    assert liner.get_peer_timeout_ms() == 250


def test_log_callback_gets_error_lines(sqlite_store) -> None:
    lines = Collector()
    assert liner.set_log_callback(lines) is True
    try:
        c = sqlite_store.client("a", "A")
        assert c.send_to("B", b"x") is False
        assert lines.wait_for(lambda items: any(
            "you can't send_to because client not is running" in l for l in items))
        line = next(l for l in lines.snapshot() if "not is running" in l)
        # "<Level> <client>: <text>": the client's name, never a source file
        assert line == "Error a: you can't send_to because client not is running", line
    finally:
        assert liner.set_log_callback(None) is True
    before = len(lines.snapshot())
    c.send_to("B", b"x")
    assert len(lines.snapshot()) == before  # stderr again


def test_log_callback_sees_constructor_failures(tmp_path, log_lines) -> None:
    with pytest.raises(Exception) as e:
        liner.Client("n", "t", "127.0.0.1:0", "redis://127.0.0.1:1")
    assert str(e.value).startswith("error init client, check redisPath (ERR_STORE 7: ")
    assert log_lines.wait_for(lambda items: any(
        l == "Error n: could not create the client: cannot connect to Redis at 127.0.0.1:1 db 0: "
             "Connection refused"
        for l in items))
    with pytest.raises(Exception):
        liner.Client.new_sqlite("", "t", "127.0.0.1:0", str(tmp_path / "x.db"))
    assert log_lines.wait_for(lambda items: any(l.endswith("unique_name empty") for l in items))


def test_package_imports_from_the_source_tree() -> None:
    assert liner.__file__.startswith(str(PYTHON_DIR))
    assert liner.__version__ == liner.version()
