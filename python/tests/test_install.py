"""pip install into a virtual environment, offline, then use the installed
package from outside the source tree."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from support import PYTHON_DIR, REPO, TIMEOUT


def run(argv, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, timeout=max(TIMEOUT, 300), **kw)


def clean_env() -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "LINER_LIBRARY", "PYTHONHOME", "VIRTUAL_ENV")}
    env["PIP_NO_INPUT"] = "1"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


PROGRAM = """
import os, sys, tempfile
import liner
print(liner.__file__)
print(liner.library_path())
db = os.path.join(tempfile.mkdtemp(), "liner.db")
a = liner.Client.new_sqlite("a", "A", "127.0.0.1:0", db, strict=True)
b = liner.Client.new_sqlite("b", "B", "127.0.0.1:0", db, strict=True)
a.run(lambda to, frm, data: a.send_to(frm, data[::-1]))
b.run()
b.send_to("A", b"olleh")
print(b.receive(timeout=60))
a.close(); b.close()
"""


@pytest.mark.skipif(not (REPO / "build" / "lib" / "libliner.so.0").exists(),
                    reason="the library is not built in build/lib")
def test_pip_install_into_a_venv(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    env = clean_env()
    r = run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], env=env)
    assert r.returncode == 0, r.stderr
    python = venv / "bin" / "python"
    r = run([str(python), "-m", "pip", "install", "--no-build-isolation", "--no-index",
             str(PYTHON_DIR)], env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr

    r = run([str(python), "-c", PROGRAM], env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    module, library, message = r.stdout.splitlines()
    package = Path(module).parent
    assert package.parent.name == "site-packages" and str(venv) in module
    assert library == str(package / "libliner.so.0")  # the bundled copy
    assert (package / "py.typed").exists()
    assert message == "Message(to='B', from_='A', data=b'hello')"
