"""The smoke test's step runner: the steps in order, a pass/fail line with its time for each, the later steps
skipped once one failed, and the clean-up steps run whatever happened (unless the trainer asked to keep the copy).

A step is a callable returning one line of detail; it fails by raising :class:`StepFailed` with words for the
trainer. Any other exception fails the step too, with its type named, so a bug never skips the clean-up.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import Literal

Status = Literal["passed", "FAILED", "skipped"]


class StepFailed(Exception):
    """A step did not work: the message says why, in plain words."""


class Interrupted(BaseException):
    """SIGTERM or SIGHUP arrived: treated like Ctrl-C, so that the clean-up still runs."""


@dataclass(frozen=True)
class Step:
    title: str
    action: Callable[[], str]
    # Clean-up steps only: None runs the step; a text skips it and says why (e.g. nothing was deployed).
    skip_reason: Callable[[], str | None] = lambda: None


@dataclass(frozen=True)
class Outcome:
    title: str
    status: Status
    seconds: float
    detail: str


def duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def outcome_line(outcome: Outcome) -> str:
    timing = duration(outcome.seconds) if outcome.status != "skipped" else ""
    line = f"{outcome.status:<8} {outcome.title:<44} {timing:>10}"
    return f"{line}  {outcome.detail}" if outcome.detail else line.rstrip()


@contextmanager
def termination_as_interrupt() -> Iterator[None]:
    """While running the steps, SIGTERM and SIGHUP raise Interrupted instead of ending the process at once."""

    def raise_interrupted(signum: int, _frame: FrameType | None) -> None:
        raise Interrupted(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, raise_interrupted) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class StepRunner:
    """Runs the steps, then the clean-up; ``outcomes`` holds every line printed, ``failed`` whether any failed."""

    def __init__(self, say: Callable[[str], None] = print) -> None:
        self.say = say
        self.outcomes: list[Outcome] = []
        self.interrupted = False

    @property
    def failed(self) -> bool:
        return self.interrupted or any(outcome.status == "FAILED" for outcome in self.outcomes)

    def run(self, steps: Sequence[Step], cleanup: Sequence[Step], *, keep: bool = False) -> bool:
        """True when every step passed. The clean-up runs after a failure and after Ctrl-C too."""
        try:
            with termination_as_interrupt():
                self._run_all(steps)
        finally:
            if keep:
                for step in cleanup:
                    self._record(step.title, "skipped", 0.0, "kept, as --keep asked")
            else:
                with termination_as_interrupt():
                    self._run_cleanup(cleanup)
        return not self.failed

    def _run_all(self, steps: Sequence[Step]) -> None:
        for index, step in enumerate(steps):
            if self.failed:
                self._record(step.title, "skipped", 0.0, "an earlier step failed")
                continue
            try:
                self._run_one(step)
            except (KeyboardInterrupt, Interrupted):
                self.interrupted = True
                for later in steps[index + 1 :]:
                    self._record(later.title, "skipped", 0.0, "interrupted")
                return

    def _run_cleanup(self, cleanup: Sequence[Step]) -> None:
        for step in cleanup:
            reason = step.skip_reason()
            if reason:
                self._record(step.title, "skipped", 0.0, reason)
                continue
            try:
                self._run_one(step)
            except (KeyboardInterrupt, Interrupted):
                self.interrupted = True  # a second Ctrl-C: stop cleaning up; the summary says what is left

    def _run_one(self, step: Step) -> None:
        started = time.monotonic()
        try:
            detail = step.action()
        except StepFailed as error:
            self._record(step.title, "FAILED", time.monotonic() - started, str(error))
        except (KeyboardInterrupt, Interrupted):
            self._record(step.title, "FAILED", time.monotonic() - started, "interrupted")
            raise
        except Exception as error:  # a bug or an unexpected AWS answer: fail the step, keep cleaning up
            why = f"unexpected {type(error).__name__}: {error}"
            self._record(step.title, "FAILED", time.monotonic() - started, why)
        else:
            self._record(step.title, "passed", time.monotonic() - started, detail)

    def _record(self, title: str, status: Status, seconds: float, detail: str) -> None:
        outcome = Outcome(title, status, seconds, detail)
        self.outcomes.append(outcome)
        self.say(outcome_line(outcome))

    def summary(self, total_seconds: float) -> str:
        passed = sum(1 for outcome in self.outcomes if outcome.status == "passed")
        failed = [outcome.title for outcome in self.outcomes if outcome.status == "FAILED"]
        skipped = sum(1 for outcome in self.outcomes if outcome.status == "skipped")
        took = duration(total_seconds)
        if not self.failed:
            return f"Smoke test passed: all {passed} steps passed in {took}."
        why = f"failed: {', '.join(failed)}" if failed else "interrupted"
        return f"Smoke test FAILED ({why}); {passed} passed, {skipped} skipped, in {took}."
