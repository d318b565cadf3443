"""Test files run longest first, so the test workers end together (pytest plugin, loaded by tests/conftest.py).

pytest-xdist's ``--dist loadfile`` hands out whole files in the order they were collected: a long file collected
late (tests/integration/test_teardown.py comes after a hundred quick ones) ran alone at the end while the other
workers had nothing left to do. Sorting the files by their last known time, longest first, is the classic
longest-processing-time schedule. The times come from tests/durations.json (committed: a fresh clone has them),
overridden by those this machine recorded in build/test-durations/ on its last runs. A file with no known time
runs after the known ones, in the usual order. Only the order of files changes, never the order within a file.

    python -m tests.support.longest_first     # write the times of the last ./run-tests.sh into tests/durations.json
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "tests" / "durations.json"
RECORDED = Path(os.environ.get("TT_BUILD_ROOT") or ROOT / "build") / "test-durations"
RUN_SPREAD_SECONDS = 600  # the workers of one run start within seconds of each other


def known_durations() -> dict[str, float]:
    """The baseline's times, and over them those of the last whole run recorded here (each worker's file of it:
    files of older runs, such as a worker a later run did not have, are left out)."""
    times = _read(BASELINE)
    runs = [(record.get("started", 0.0), record.get("times", {})) for record in map(_read, RECORDED.glob("*.json"))]
    last = max((started for started, _ in runs), default=0.0)
    for started, recorded in runs:
        if started >= last - RUN_SPREAD_SECONDS:
            times.update(recorded)
    return {str(name): float(seconds) for name, seconds in times.items()}


def _read(path: Path) -> dict:
    try:
        found = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}  # missing, or cut short by an interrupted write: the order is only an optimisation
    return found if isinstance(found, dict) else {}


def module_of(item: pytest.Item) -> str:
    return item.nodeid.split("::", 1)[0]


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    times = known_durations()
    items.sort(key=lambda item: -times.get(module_of(item), 0.0))  # stable: within a file, the usual order


def whole_suite(config: pytest.Config) -> bool:
    """The configured test paths, every test of them (no paths or test ids given, no -k or -m)."""
    from_testpaths = config.args_source == pytest.Config.ArgsSource.TESTPATHS
    return from_testpaths and not (config.option.keyword or config.option.markexpr)


class Recorder:
    """Each file's time on this process (an xdist worker runs whole files), written at the end of a whole run."""

    def __init__(self) -> None:
        self.started = time.time()
        self.times: dict[str, float] = {}
        self.current: tuple[str, float] | None = None

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None):  # type: ignore[no-untyped-def]
        module = module_of(item)
        if self.current is None or self.current[0] != module:
            self.current = (module, time.monotonic())
        yield
        if nextitem is None or module_of(nextitem) != module:
            self.times[module] = round(self.times.get(module, 0.0) + time.monotonic() - self.current[1], 1)
            self.current = None

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if not self.times or not whole_suite(session.config):
            return  # a file run in part (-k, a test's id) would record a time too short
        RECORDED.mkdir(parents=True, exist_ok=True)
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        record = {"started": self.started, "times": dict(sorted(self.times.items()))}
        (RECORDED / f"{worker}.json").write_text(json.dumps(record, indent=1) + "\n")


def main() -> int:
    times = {k: v for k, v in sorted(known_durations().items()) if (ROOT / k).is_file()}
    BASELINE.write_text(json.dumps(times, indent=1, sort_keys=True) + "\n")
    print(f"{BASELINE.relative_to(ROOT)}: {len(times)} files, {sum(times.values()):.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
