"""The fixture folders of the original 2019 service's data, for the documents' readers."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


@pytest.fixture
def legacy_content() -> Path:
    """The 2019 service's content files (class list, questions, answer key): tests/fixtures/legacy-content."""
    return FIXTURES / "legacy-content"


@pytest.fixture
def legacy_stored() -> Path:
    """The 2019 service's stored submissions and scores, one file per bucket key: tests/fixtures/legacy-stored."""
    return FIXTURES / "legacy-stored"
