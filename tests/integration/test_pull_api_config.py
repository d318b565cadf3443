"""bin/pull-api-config.sh against the shared deployment: the printed key works for its student only, --all is
a CSV of the published class list, --save writes the client's private config file."""

from __future__ import annotations

import csv
import io
import json
import stat
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from ops.deployment import load_settings
from tests.integration.harness import LocalAws, api_key

pytestmark = pytest.mark.integration


def pull(aws: LocalAws, *args: str, check: bool = True, **env: str) -> Any:
    return aws.run("bin/pull-api-config.sh", *args, check=check, timeout=120, **env)


def printed(stdout: str) -> tuple[str, str]:
    """(url, key) of the two lines the original service printed."""
    lines = dict(line.split(": ", 1) for line in stdout.splitlines() if ": " in line)
    return lines["API Endpoint URL"], lines["API Key"]


def list_open_tests(url: str, key: str) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        f"{url}/api/v1/tests", data=b"{}", method="POST", headers={"x-api-key": key, "Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_student_key_is_accepted_and_identifies_that_student_only(deployed: LocalAws) -> None:
    proc = pull(deployed, "--student", "student02")
    assert proc.stdout.splitlines()[0].startswith("API Endpoint URL: ")
    url, key = printed(proc.stdout)
    assert url == deployed.outputs()["ApiUrl"]
    assert key == api_key(deployed, "student02")
    assert key not in proc.stderr

    status, listing = list_open_tests(url, key)
    assert status == 200, listing
    assert listing["studentId"] == "student02"

    other_url, other_key = printed(pull(deployed, "--student", "student01").stdout)
    assert other_key != key
    assert list_open_tests(other_url, other_key)[1]["studentId"] == "student01"


def test_all_is_a_csv_of_the_published_class_list(deployed: LocalAws) -> None:
    proc = pull(deployed, "--all")
    rows = list(csv.reader(io.StringIO(proc.stdout)))
    assert rows[0][:3] == ["student_id", "email", "api_key"]  # the old columns first, in their order
    published = json.loads(
        deployed.client("s3")
        .get_object(Bucket=deployed.outputs()["DataBucketName"], Key="studentsList.json")["Body"]
        .read()
    )
    assert [row[:2] for row in rows[1:]] == [[entry["student_id"], entry["email"]] for entry in published]
    assert {"student01", "student02", "student03"} <= {row[0] for row in rows[1:]}
    for student_id, _email, key, *_ in rows[1:]:
        assert key == api_key(deployed, student_id)
    assert len({row[2] for row in rows[1:]}) == len(rows) - 1  # one key per student
    assert f"API Endpoint URL: {deployed.outputs()['ApiUrl']}" in proc.stderr  # stdout stays a clean CSV


def test_save_writes_a_private_config_file_atomically(deployed: LocalAws, tmp_path: Path) -> None:
    config = tmp_path / "home" / ".trainings" / "config"
    proc = pull(deployed, "--student", "student03", "--save", TRAININGS_CONFIG=str(config))
    url, key = printed(proc.stdout)
    assert proc.stdout.count(key) == 1  # the normal output only
    assert f"Saved to {config}" in proc.stdout
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert stat.S_IMODE(config.parent.stat().st_mode) == 0o700
    values = dict(
        line.split("=", 1) for line in config.read_text().splitlines() if line.strip() and not line.startswith("#")
    )
    # LANGUAGE: the class's language (group_vars/all.yml), which the client speaks whatever the API answers in.
    assert values == {"API_URL": url, "API_KEY": key, "STUDENT_ID": "student03", "LANGUAGE": load_settings().language}

    # Saving again replaces an existing (too open) file in one step, keeping no temporary file behind.
    config.write_text("API_URL=http://old.example\nAPI_KEY=old\n")
    config.chmod(0o644)
    pull(deployed, "--student", "student03", "--save", TRAININGS_CONFIG=str(config))
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert f"API_KEY={key}\n" in config.read_text()
    assert sorted(path.name for path in config.parent.iterdir()) == ["config"]


def test_unknown_student_is_one_clear_line(deployed: LocalAws, tmp_path: Path) -> None:
    config = tmp_path / "config"
    proc = pull(deployed, "--student", "nobody42", "--save", check=False, TRAININGS_CONFIG=str(config))
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.strip().count("\n") == 0
    assert "unknown student 'nobody42'" in proc.stderr
    assert not config.exists()


def test_usage_errors_exit_2(deployed: LocalAws) -> None:
    proc = pull(deployed, check=False)
    assert proc.returncode == 2
    assert "--student ID" in proc.stderr
    both = pull(deployed, "--all", "--student", "student01", check=False)
    assert both.returncode == 2
    assert "--student and --all" in both.stderr
