"""Build hooks of the ``liner`` package (metadata is in pyproject.toml).

``build_py`` copies the C library into the package, so an installed
``liner`` finds it without any configuration:

* the file named by the environment variable ``LINER_LIBRARY``, if set;
* else ``../build/lib/libliner.so.0`` next to this folder (the CMake build
  tree of the repository), if it exists.

It is installed as ``liner/libliner.so.0`` (symlinks resolved).

Nothing is written into the source tree: the build folder (``build/``) and
the metadata (``liner.egg-info/``) go to a temporary folder, removed when the
build ends, unless given explicitly (``--build-base``, ``--egg-base``). So
two installs at once from one checkout do not meet, and nothing stale from
an earlier build is shipped. (Both names are git-ignored anyway,
python/.gitignore.) With
``LINER_NO_BUNDLE=1``, or when no library is found, the package is pure
Python and looks for the library at run time (``LINER_LIBRARY``, then the
system loader). With a bundled library the wheel is tagged for this
platform (``py3-none-<platform>``).
"""
from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path
from typing import Optional

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.egg_info import egg_info

try:
    from setuptools.command.build import build
except ImportError:  # setuptools < 62.4
    from distutils.command.build import build  # type: ignore

HERE = Path(__file__).resolve().parent
BUNDLED_NAME = "libliner.so.0"


_scratch: Optional[str] = None


def scratch_dir() -> str:
    """A temporary folder for this build's files, removed at exit."""
    global _scratch
    if _scratch is None:
        _scratch = tempfile.mkdtemp(prefix="liner-build-")
        atexit.register(shutil.rmtree, _scratch, True)
    return _scratch


class build_outside_the_tree(build):
    """build, into a temporary folder unless ``--build-base`` is given."""

    def finalize_options(self) -> None:
        if self.build_base == "build":  # the default
            self.build_base = os.path.join(scratch_dir(), "build")
        super().finalize_options()


class egg_info_outside_the_tree(egg_info):
    """egg_info, into a temporary folder unless ``--egg-base`` is given
    (pip's metadata step gives its own)."""

    def finalize_options(self) -> None:
        if self.egg_base is None:
            self.egg_base = scratch_dir()
        super().finalize_options()


def library_to_bundle() -> Optional[Path]:
    if os.environ.get("LINER_NO_BUNDLE", "") not in ("", "0"):
        return None
    env = os.environ.get("LINER_LIBRARY", "").strip()
    if env:
        path = Path(env)
        if not path.is_file():
            raise SystemExit(f"LINER_LIBRARY={env} is not a file")
        return path.resolve()
    for name in ("libliner.so.0", "libliner.so"):
        path = HERE.parent / "build" / "lib" / name
        if path.is_file():
            return path.resolve()
    return None


class build_py_with_library(build_py):
    """build_py, plus the C library copied into the package."""

    def run(self) -> None:
        target_dir = Path(self.build_lib) / "liner"
        # Nothing from an earlier build may be shipped (with an explicit
        # --build-base): not a module since removed, not an older library.
        if target_dir.is_dir() and not target_dir.is_symlink():
            shutil.rmtree(target_dir)
        super().run()
        lib = library_to_bundle()
        if lib is None:
            self.announce("liner: no libliner.so to bundle; the package will look for "
                          "it at run time (LINER_LIBRARY, system loader)", level=2)
            return
        target_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy2(lib, target_dir / BUNDLED_NAME)
        self.announce(f"liner: bundling {lib} as liner/{BUNDLED_NAME}", level=2)


cmdclass = {"build": build_outside_the_tree, "egg_info": egg_info_outside_the_tree,
            "build_py": build_py_with_library}

try:
    from wheel.bdist_wheel import bdist_wheel

    class bdist_wheel_platform(bdist_wheel):
        """A wheel with a bundled library is for this platform only."""

        def finalize_options(self) -> None:
            super().finalize_options()
            if library_to_bundle() is not None:
                self.root_is_pure = False

        def get_tag(self):  # type: ignore[no-untyped-def]
            python, abi, plat = super().get_tag()
            if not self.root_is_pure:
                return "py3", "none", plat
            return python, abi, plat

    cmdclass["bdist_wheel"] = bdist_wheel_platform
except ImportError:  # pragma: no cover - wheel missing: setuptools decides
    pass

setup(cmdclass=cmdclass)
