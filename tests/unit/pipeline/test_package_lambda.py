"""The Lambda package is deterministic: the same tree gives the same bytes, whatever the timestamps and modes
of the files, and any change of content gives another key."""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

from ops.package_lambda import build_zip, package

ROOT = Path(__file__).resolve().parents[3]


def make_tree(path: Path) -> Path:
    (path / "pkg" / "__pycache__").mkdir(parents=True)
    (path / "pkg" / "__init__.py").write_text("")
    (path / "pkg" / "mod.py").write_text("VALUE = 1\n")
    (path / "pkg" / "__pycache__" / "mod.cpython-311.pyc").write_bytes(b"\0bytecode")
    (path / "pkg" / "stray.pyc").write_bytes(b"\0")
    return path


def test_same_tree_same_bytes_whatever_mtimes_and_modes(tmp_path: Path) -> None:
    first = build_zip(make_tree(tmp_path / "a"))
    other = make_tree(tmp_path / "b")
    os.utime(other / "pkg" / "mod.py", (1_000_000_000, 1_000_000_000))
    (other / "pkg" / "mod.py").chmod(0o600)
    assert build_zip(other) == first


def test_entries_are_sorted_dated_1980_mode_644_and_without_bytecode(tmp_path: Path) -> None:
    data = build_zip(make_tree(tmp_path / "a"))
    path = tmp_path / "p.zip"
    path.write_bytes(data)
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
    names = [info.filename for info in infos]
    assert names == ["pkg/__init__.py", "pkg/mod.py"]
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {(info.external_attr >> 16) & 0o777 for info in infos} == {0o644}


def test_a_content_change_changes_the_key_and_an_unchanged_tree_writes_nothing(tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "src")
    out = tmp_path / "out"
    first = package(tree, out)
    again = package(tree, out)
    assert first["created"] is True and again["created"] is False
    assert again["s3_key"] == first["s3_key"]
    (tree / "pkg" / "mod.py").write_text("VALUE = 2\n")
    changed = package(tree, out)
    assert changed["s3_key"] != first["s3_key"] and changed["created"] is True


def test_the_real_lambda_src_packages_twice_to_the_same_bytes(tmp_path: Path) -> None:
    copy = tmp_path / "lambda_src"
    shutil.copytree(ROOT / "lambda_src", copy)
    assert build_zip(copy) == build_zip(ROOT / "lambda_src")
