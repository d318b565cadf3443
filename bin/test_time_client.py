#!/usr/bin/env python3
"""Test Time's terminal client for students: list your open tests, answer one, review, send.

Python 3 standard library only (no packages, no AWS credentials): run it through bin/test-time.sh. The code is
the package bin/test_time/, found next to this file whatever the current directory (ops/smoke loads this file by
its path and uses ``Api`` and ``Failure`` from it).
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from test_time.api import Api  # noqa: E402 (the package is importable only once its folder is on the path)
from test_time.main import main  # noqa: E402
from test_time.outcomes import Failure  # noqa: E402

__all__ = ["Api", "Failure", "main"]

if __name__ == "__main__":
    sys.exit(main())
