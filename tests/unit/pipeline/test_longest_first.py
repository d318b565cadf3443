"""The suite's own schedule (tests/support/longest_first.py): files longest first, a file's tests in their order,
times from the committed baseline overridden by this machine's records, and only whole runs recorded."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import longest_first


@dataclass
class Item:
    nodeid: str


def test_files_run_longest_first_and_a_files_tests_keep_their_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    baseline = tmp_path / "durations.json"
    baseline.write_text(json.dumps({"tests/a.py": 5, "tests/b.py": 50, "tests/c.py": 20}))
    recorded = tmp_path / "recorded"
    recorded.mkdir()
    (recorded / "gw0.json").write_text(json.dumps({"tests/c.py": 90}))  # this machine's last run: c is the longest
    (recorded / "gw1.json").write_text("{cut short")  # an interrupted write is ignored
    monkeypatch.setattr(longest_first, "BASELINE", baseline)
    monkeypatch.setattr(longest_first, "RECORDED", recorded)
    items = [Item(n) for n in ("tests/a.py::one", "tests/new.py::x", "tests/b.py::one", "tests/c.py::one",
                               "tests/b.py::two", "tests/a.py::two")]  # fmt: skip
    longest_first.pytest_collection_modifyitems(None, None, items)  # type: ignore[arg-type]
    assert [i.nodeid for i in items] == ["tests/c.py::one", "tests/b.py::one", "tests/b.py::two", "tests/a.py::one",
                                         "tests/a.py::two", "tests/new.py::x"]  # fmt: skip


def test_the_committed_baseline_names_only_files_that_exist() -> None:
    times = json.loads(longest_first.BASELINE.read_text())
    assert len(times) > 50 and all((longest_first.ROOT / name).is_file() for name in times)
    assert max(times, key=times.get).startswith(("tests/integration/", "tests/container/", "tests/unit/portal/"))


def test_a_run_of_some_tests_only_records_nothing(pytestconfig: pytest.Config) -> None:
    # This very run names files or tests (./run-tests.sh tests/unit/...) or selects with -k, or it is the whole
    # suite; only the whole suite's times may replace the baseline's.
    some = pytestconfig.args_source != pytest.Config.ArgsSource.TESTPATHS or bool(pytestconfig.option.keyword)
    some = some or bool(pytestconfig.option.markexpr)
    assert longest_first.whole_suite(pytestconfig) == (not some)
