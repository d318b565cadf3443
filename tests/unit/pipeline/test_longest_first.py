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
    last_run = {"started": 2000.0, "times": {"tests/c.py": 90}}  # this machine's last run: c is the longest
    (recorded / "gw0.json").write_text(json.dumps(last_run))
    (recorded / "gw5.json").write_text(json.dumps({"started": 1000.0, "times": {"tests/a.py": 500}}))  # older run
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


class Config:
    """What ``whole_suite`` reads of pytest's configuration."""

    def __init__(self, source: pytest.Config.ArgsSource, keyword: str = "", markexpr: str = "") -> None:
        self.args_source = source
        self.option = type("Option", (), {"keyword": keyword, "markexpr": markexpr})()


@pytest.mark.parametrize(
    ("config", "recorded"),
    [
        (Config(pytest.Config.ArgsSource.TESTPATHS), True),  # ./run-tests.sh
        (Config(pytest.Config.ArgsSource.ARGS), False),  # ./run-tests.sh tests/unit
        (Config(pytest.Config.ArgsSource.TESTPATHS, keyword="scoring"), False),  # ./run-tests.sh -k scoring
        (Config(pytest.Config.ArgsSource.TESTPATHS, markexpr="browser"), False),  # ./run-tests.sh -m browser
    ],
)
def test_only_a_whole_run_records_its_times(config: Config, recorded: bool, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setattr(longest_first, "RECORDED", tmp_path / "recorded")
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw2")
    recorder = longest_first.Recorder()
    items = [Item("tests/x.py::one"), Item("tests/x.py::two"), Item("tests/y.py::one")]
    for item, following in zip(items, [*items[1:], None], strict=True):
        run = recorder.pytest_runtest_protocol(item, following)  # type: ignore[arg-type]
        next(run)
        next(run, None)
    recorder.pytest_sessionfinish(type("Session", (), {"config": config})())  # type: ignore[arg-type]
    written = tmp_path / "recorded" / "gw2.json"
    assert written.is_file() is recorded
    if recorded:
        assert sorted(json.loads(written.read_text())["times"]) == ["tests/x.py", "tests/y.py"]
        monkeypatch.setattr(longest_first, "BASELINE", tmp_path / "none.json")
        assert set(longest_first.known_durations()) == {"tests/x.py", "tests/y.py"}
