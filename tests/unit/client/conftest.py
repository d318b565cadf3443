from __future__ import annotations

from collections.abc import Iterator

import pytest
from client_harness import FakeApi
from test_time.i18n import reset_language


@pytest.fixture(autouse=True)
def english_first(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The client's language is one per run (a process): tests that run it in-process start and end in English.
    The console wraps to the terminal's width: the same 100 columns whatever terminal the tests run in."""
    monkeypatch.setenv("COLUMNS", "100")
    reset_language()
    yield
    reset_language()


@pytest.fixture
def fake_api() -> Iterator[FakeApi]:
    api = FakeApi()
    api.thread.start()
    try:
        yield api
    finally:
        api.server.shutdown()
        api.server.server_close()
