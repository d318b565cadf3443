"""Zip ``lambda_src/`` deterministically and name the zip after its content.

The same source tree always gives a byte-identical zip (sorted entries, fixed timestamps and modes, no
bytecode), so the S3 key ``lambda/<name>-<sha256 prefix>.zip`` changes exactly when the code does: a code
change makes CloudFormation update the functions, and an unchanged tree uploads nothing.

Usage: python -m ops.package_lambda SRC_DIR OUT_DIR [--name testtime]   (prints one JSON line)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import zipfile
from pathlib import Path

from ops.source_tree import files as source_files

# 1980-01-01 is the earliest timestamp a zip entry can hold.
FIXED_DATE = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o644


def build_zip(src: Path) -> bytes:
    """The zip's bytes: entries sorted, dated 1980-01-01, mode 0644, deflated at a fixed level."""
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in source_files(src):
            info = zipfile.ZipInfo(path.relative_to(src).as_posix(), date_time=FIXED_DATE)
            info.external_attr = (0o100000 | FILE_MODE) << 16  # regular file, rw-r--r--
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, whatever machine builds it
            archive.writestr(info, path.read_bytes(), compresslevel=9)
    return buffer.getvalue()


def package(src: Path, out_dir: Path, name: str = "testtime") -> dict[str, object]:
    """Write ``OUT_DIR/<name>-<sha>.zip`` unless it is already there; describe the result."""
    data = build_zip(src)
    digest = hashlib.sha256(data).hexdigest()
    filename = f"{name}-{digest[:16]}.zip"
    target = out_dir / filename
    created = not (target.exists() and target.read_bytes() == data)
    if created:
        out_dir.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(target)
    return {
        "path": str(target),
        "sha256": digest,
        "s3_key": f"lambda/{filename}",
        "created": created,
        "size": len(data),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src", type=Path)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--name", default="testtime")
    args = parser.parse_args(argv)
    if not args.src.is_dir():
        print(f"error: {args.src} is not a folder", file=sys.stderr)
        return 2
    print(json.dumps(package(args.src, args.out_dir, args.name)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
