"""Installing the package: ``pip install ./python`` offline into a fresh
virtual environment (Debian's setuptools and wheel, no package index), then
the installed package used from outside the source tree, finding its library
by itself; and the library search order (docs/python.md, "Finding the
library")."""
from __future__ import annotations

import ctypes.util
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import pytest

from support import PYTHON_DIR, REPO, TIMEOUT, liner

from liner import _lib

BUILT = REPO / "build" / "lib" / "libliner.so.0"


def run(argv: List[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, timeout=max(TIMEOUT, 300), **kw)


def clean_env(**extra: str) -> Dict[str, str]:
    """The environment without anything pointing at the source tree or a
    library, and pip kept off the network and the user's cache."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "LINER_LIBRARY", "LINER_NO_BUNDLE", "PYTHONHOME",
                        "VIRTUAL_ENV", "LD_LIBRARY_PATH", "PIP_FIND_LINKS", "PIP_INDEX_URL",
                        "PIP_EXTRA_INDEX_URL")}
    env.update(PIP_NO_INPUT="1", PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_CACHE_DIR="1")
    env.update(extra)
    return env


def source_tree_status() -> List[str]:
    """What git reports for python/ (untracked files included, ignored ones
    not), and every file in the folders a setuptools build leaves by
    default (python/build, python/liner.egg-info) with its modification
    time."""
    status: List[str] = []
    if shutil.which("git") is not None and (REPO / ".git").exists():
        r = run(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=all",
                 "--", "python"])
        status += r.stdout.splitlines()
    for folder in (PYTHON_DIR / "build", PYTHON_DIR / "liner.egg-info"):
        status += [f"{p} {p.stat().st_mtime_ns}" for p in folder.rglob("*") if p.is_file()]
    return sorted(status)


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh venv that sees Debian's packages (setuptools, wheel), as
    documented."""
    r = run([sys.executable, "-c", "import setuptools, wheel, pip"])
    if r.returncode != 0:
        pytest.fail(f"{sys.executable} lacks setuptools, wheel or pip, which the offline "
                    f"install needs (Debian: python3-setuptools python3-wheel python3-pip "
                    f"python3-venv, see scripts/install-deps): {r.stderr.strip()}")
    path = tmp_path_factory.mktemp("install") / "venv"
    r = run([sys.executable, "-m", "venv", "--system-site-packages", str(path)], env=clean_env())
    assert r.returncode == 0, r.stdout + r.stderr
    yield path


def pip_install(venv: Path, cwd: Path, **env: str) -> None:
    # The documented offline command.
    r = run([str(venv / "bin" / "python"), "-m", "pip", "install", "--force-reinstall",
             "--no-build-isolation", "--no-index", str(PYTHON_DIR)],
            env=clean_env(**env), cwd=cwd)
    assert r.returncode == 0, r.stdout + r.stderr


# Two clients on a SQLite file in the current directory: a echoes what b
# sends, reversed.
PROGRAM = """
import os, sys
import liner
print(liner.__file__)
print(liner.library_path())
db = os.path.join(os.getcwd(), "liner.db")
a = liner.Client.new_sqlite("a", "A", "127.0.0.1:0", db, strict=True)
b = liner.Client.new_sqlite("b", "B", "127.0.0.1:0", db, strict=True)
a.run(lambda to, frm, data: a.send_to(frm, data[::-1]))
b.run()
b.send_to("A", b"olleh")
print(b.receive(timeout=60))
a.close(); b.close()
"""

ECHOED = "Message(to='B', from_='A', data=b'hello')"


def run_installed(venv: Path, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return run([str(venv / "bin" / "python"), "-c", PROGRAM], env=clean_env(**env), cwd=cwd)


@pytest.mark.skipif(not BUILT.exists(), reason="the library is not built in build/lib")
def test_pip_install_offline_bundles_the_library(venv: Path, tmp_path: Path) -> None:
    before = source_tree_status()
    pip_install(venv, tmp_path)
    # Nothing written into python/ (setup.py builds in a temporary folder).
    assert source_tree_status() == before

    # Outside the source tree, no PYTHONPATH, no LINER_LIBRARY.
    r = run_installed(venv, tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    module, library, message = r.stdout.splitlines()
    package = Path(module).parent
    assert package.parent.name == "site-packages" and module.startswith(str(venv)), module
    assert library == str(package / "libliner.so.0")  # the copy bundled into the package
    assert (package / "py.typed").exists()
    assert message == ECHOED
    # The bundled copy is the library it was built from, not a link to it.
    assert not Path(library).is_symlink()
    assert Path(library).read_bytes() == BUILT.resolve().read_bytes()


@pytest.mark.skipif(not BUILT.exists(), reason="the library is not built in build/lib")
def test_a_pure_install_finds_a_library_installed_by_cmake(venv: Path, tmp_path: Path) -> None:
    # LINER_NO_BUNDLE=1: the package alone; the library comes from
    # `cmake --install` into a prefix, found by the system loader.
    prefix = tmp_path / "prefix"
    r = run(["cmake", "--install", str(REPO / "build"), "--prefix", str(prefix)])
    assert r.returncode == 0, r.stdout + r.stderr
    installed = prefix / "lib" / "libliner.so.0"
    assert installed.exists(), list(prefix.rglob("libliner*"))
    pip_install(venv, tmp_path, LINER_NO_BUNDLE="1")
    package = next(venv.glob("lib/python3*/site-packages/liner"))
    assert not list(package.glob("libliner.so*"))

    # On the loader's path (LD_LIBRARY_PATH here; ldconfig's cache after an
    # install into /usr/local): found, and reported as the file it is.
    r = run_installed(venv, tmp_path, LD_LIBRARY_PATH=str(prefix / "lib"))
    assert r.returncode == 0, r.stdout + r.stderr
    module, library, message = r.stdout.splitlines()
    assert library == str(installed) and message == ECHOED

    # LINER_LIBRARY names a file anywhere.
    r = run_installed(venv, tmp_path, LINER_LIBRARY=str(installed))
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.splitlines()[1:] == [str(installed), ECHOED]

    # Nowhere to be found: the first use says what was tried and what to do.
    r = run([str(venv / "bin" / "python"), "-c",
             "import liner\ntry:\n    liner.version()\n"
             "except liner.LibraryNotFoundError as e:\n    print(e)\n"],
            env=clean_env(), cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.startswith("lib not load: libliner not found; tried "), r.stdout
    assert "libliner.so.0 (" in r.stdout and "LINER_LIBRARY" in r.stdout


# -- the search order, in this process -------------------------------------------------


@pytest.fixture
def search(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """candidates() for a package installed in tmp_path/site/liner (not the
    source tree), with find_library answering ``found``."""
    package = tmp_path / "site" / "liner"
    package.mkdir(parents=True)
    monkeypatch.setattr(_lib, "__file__", str(package / "_lib.py"))
    monkeypatch.delenv("LINER_LIBRARY", raising=False)
    answer: Dict[str, Optional[str]] = {"found": None}
    monkeypatch.setattr(ctypes.util, "find_library",
                        lambda name: answer["found"] if name == "liner" else None)

    class Search:
        folder = package

        @staticmethod
        def order(found: Optional[str] = None) -> List[str]:
            answer["found"] = found
            return _lib.candidates()

    return Search


def test_search_order_of_an_installed_package(search, monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path) -> None:
    # Nothing bundled: the system loader's names, then find_library.
    assert search.order() == ["libliner.so.0", "libliner.so"]
    assert search.order("libliner.so.0") == ["libliner.so.0", "libliner.so"]
    assert search.order("/opt/x/libliner.so.0") == ["libliner.so.0", "libliner.so",
                                                    "/opt/x/libliner.so.0"]
    # A library next to the package comes first.
    (search.folder / "libliner.so.0").write_bytes(b"")
    assert search.order() == [str(search.folder / "libliner.so.0"), "libliner.so.0",
                              "libliner.so"]
    # LINER_LIBRARY alone, even when it cannot be loaded.
    monkeypatch.setenv("LINER_LIBRARY", str(tmp_path / "elsewhere.so"))
    assert search.order("/opt/x/libliner.so.0") == [str(tmp_path / "elsewhere.so")]


def test_search_order_from_the_source_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LINER_LIBRARY", raising=False)
    order = _lib.candidates()
    # The source tree's package: its own folder (nothing there), then the
    # build tree, then the system loader.
    assert order[:3] == [str(REPO / "build" / "lib" / "libliner.so.0"),
                         str(REPO / "build" / "lib" / "libliner.so"), "libliner.so.0"], order
    assert not list((PYTHON_DIR / "liner").glob("libliner.so*"))


def test_a_library_found_by_name_is_reported_as_its_file() -> None:
    lib = _lib.Library(str(BUILT)) if BUILT.exists() else _lib.get()
    assert lib.path == lib.name and "/" in lib.path
    # A bare name resolved by the loader (libc is always there).
    libc = _lib.Library("libc.so.6")
    assert libc.name == "libc.so.6" and os.path.isabs(libc.path)
    assert os.path.basename(os.path.realpath(libc.path)).startswith("libc")
    assert liner.library_path() == _lib.get().path
