"""The client split into bin/test_time/: it runs from any folder on the student's plain python3 (the package is
found next to the script), and ops/smoke still loads it by its file path and takes a test with its Api."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from client_harness import BIN, KEY, FakeApi, listing, run_client, write_config

from ops.smoke.steps import _student_client


def test_the_script_finds_its_package_from_any_folder(fake_api: FakeApi, tmp_path: Path) -> None:
    fake_api.reply("POST", "/v1/tests", listing(("os", "test01")))
    elsewhere = tmp_path / "somewhere" / "else"
    elsewhere.mkdir(parents=True)
    proc = run_client(write_config(tmp_path / "config", fake_api.url), "--list", cwd=elsewhere)
    assert proc.returncode == 0, proc.stderr
    assert "Open tests for student01:" in proc.stdout and "1. os: Title of test01 [os/test01]" in proc.stdout


def test_the_script_runs_in_isolated_mode_on_the_standard_library(tmp_path: Path) -> None:
    """-I: no site-packages, no user site, no PYTHONPATH, no current folder on the path."""
    proc = subprocess.run(
        [sys.executable, "-I", "-S", str(BIN / "test_time_client.py"), "-h"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "exit status:" in proc.stdout and "already submitted" in proc.stdout


def test_ops_smoke_loads_the_client_by_its_path_and_uses_its_api(fake_api: FakeApi) -> None:
    fake_api.reply("POST", "/v1/tests", listing(("os", "test01")))
    client = _student_client()
    api = client.Api(fake_api.url, KEY)
    assert api.list_tests()["subjects"][0]["tests"][0]["testId"] == "test01"
    assert fake_api.seen[0].headers["x-api-key"] == KEY
    assert issubclass(client.Failure, Exception)
