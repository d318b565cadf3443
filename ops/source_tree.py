"""The one way the project hashes a tree of source files: the deploy's up-to-date check, the Lambda package, the
portal's image tag and the local portal's restart check all list files and digest them here, so that the same
tree gives the same digest everywhere and a cache folder or compiled file never counts as a change.

    python -m ops.source_tree PATH [PATH ...]    # prints the digest (hex) of the files under the paths
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

SKIP_DIRS = frozenset({"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"})
SKIP_SUFFIXES = frozenset({".pyc", ".pyo"})


def files(path: Path) -> list[Path]:
    """Every source file at or under ``path`` (a file is itself), sorted by POSIX path; caches left out."""
    if path.is_file():
        return [path]
    found = [
        item
        for item in path.rglob("*")
        if item.is_file() and not (set(item.relative_to(path).parts) & SKIP_DIRS) and item.suffix not in SKIP_SUFFIXES
    ]
    return sorted(found, key=lambda item: item.relative_to(path).as_posix())


def digest(paths: Iterable[Path], root: Path | None = None, extra: Iterable[str] = ()) -> str:
    """SHA-256 over each file's path (relative to ``root``, else to its own argument) and content, then ``extra``
    (settings that shape the result, as text). A missing path counts as empty."""
    hashed = hashlib.sha256()
    for path in paths:
        base = root if root is not None else (path.parent if path.is_file() else path)
        for item in files(path) if path.exists() else []:
            hashed.update(item.relative_to(base).as_posix().encode() + b"\0")
            hashed.update(hashlib.sha256(item.read_bytes()).digest())
    for text in extra:
        hashed.update(b"\1" + text.encode() + b"\0")
    return hashed.hexdigest()


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(__doc__.strip().splitlines()[-1].strip())
        return 0 if args else 2
    print(digest(Path(arg) for arg in args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
