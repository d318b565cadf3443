"""group_vars/all.yml as the trainer's tools read it (ops.deployment.load_settings): the class's language."""

from __future__ import annotations

from pathlib import Path

import pytest

from ops.deployment import SETTINGS_FILE, DeploymentError, load_settings


def _settings(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "all.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_settings_speak_english() -> None:
    assert load_settings(SETTINGS_FILE).language == "en"


def test_english_without_the_setting_and_polish_when_asked(tmp_path: Path) -> None:
    assert load_settings(_settings(tmp_path, "trainer_timezone: Europe/Warsaw\n")).language == "en"
    assert load_settings(_settings(tmp_path, "language: pl\n")).language == "pl"
    assert load_settings(_settings(tmp_path, "language: PL\n")).language == "pl"


@pytest.mark.parametrize("value", ["de", "''", "[pl]", "7"])
def test_a_language_without_translations_is_refused_naming_the_shipped_ones(tmp_path: Path, value: str) -> None:
    with pytest.raises(DeploymentError) as refused:
        load_settings(_settings(tmp_path, f"language: {value}\n"))
    message = str(refused.value)
    assert "language in" in message and "(en, pl)" in message
