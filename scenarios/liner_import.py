"""Imports the liner package: the installed one, else the source tree's."""

import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

try:
    import liner  # noqa: F401
except ImportError:
    sys.path.insert(0, os.path.join(REPO, "python"))
    import liner  # noqa: F401
