"""Every ```python block of docs/python.md runs (each is a complete program),
and where an "Output:" block follows it, prints exactly that."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import List, Optional, Tuple

import pytest

from support import REPO, TIMEOUT, Store, child_env

DOC = REPO / "docs" / "python.md"

_BLOCK = re.compile(r"^```python\n(.*?)^```\n(?:\nOutput:\n\n```\n(.*?)^```\n)?", re.S | re.M)


def examples() -> List[Tuple[str, str, Optional[str]]]:
    text = DOC.read_text()
    out = []
    for m in _BLOCK.finditer(text):
        heading = [h for h in re.findall(r"^#+ (.*)$", text[:m.start()], re.M)][-1]
        out.append((heading, m.group(1), m.group(2)))
    return out


def test_the_doc_has_examples() -> None:
    assert len(examples()) >= 6


@pytest.mark.parametrize("index", range(len(examples())),
                         ids=[f"{i}-{h.lower().replace(' ', '-')}"
                              for i, (h, _, _) in enumerate(examples())])
def test_doc_example(index: int, tmp_path: Path) -> None:
    heading, code, expected = examples()[index]
    script = tmp_path / "example.py"
    script.write_text(code)
    env = child_env()
    pg = None
    if "new_postgres" in code:
        pg = Store("postgres", tmp_path)
        env["LINER_POSTGRES_URL"] = pg.location
    try:
        out = subprocess.run([sys.executable, str(script)], env=env, cwd=tmp_path,
                             capture_output=True, text=True, timeout=TIMEOUT)
    finally:
        if pg is not None:
            pg.close()
    assert out.returncode == 0, f"example under '{heading}' failed:\n{out.stdout}\n{out.stderr}"
    if expected is not None:
        assert out.stdout == expected, f"example under '{heading}' printed:\n{out.stdout}"
