"""The student client's config file that ``pull-api-config --save`` writes: the class's language goes in it."""

from __future__ import annotations

import stat
from pathlib import Path

from ops.pull_api_config import write_config


def values(path: Path) -> dict[str, str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if line.strip() and not line.startswith("#"))


def test_the_config_names_the_class_language(tmp_path: Path) -> None:
    path = tmp_path / "home" / ".trainings" / "config"
    write_config(path, "https://api.example/api", "k3y", "student03", "pl")
    assert values(path) == {
        "API_URL": "https://api.example/api",
        "API_KEY": "k3y",
        "STUDENT_ID": "student03",
        "LANGUAGE": "pl",
    }
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_without_a_language_the_key_is_left_out(tmp_path: Path) -> None:
    """The client then speaks the language of the API's last answer (contract: LANGUAGE is optional)."""
    path = tmp_path / "config"
    write_config(path, "https://api.example/api", "k3y", None)
    assert values(path) == {"API_URL": "https://api.example/api", "API_KEY": "k3y"}
