"""Progress lines for the trainer during long runs (500 students' keys take ~100 s at AWS's quotas)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ops.i18n import TRAINER

_ = TRAINER.gettext
_n = TRAINER.ngettext

Say = Callable[[str], None]


def to_stderr(line: str) -> None:
    """The default: stderr, so that stdout keeps only the report (scripts and tests parse it)."""
    print(line, file=sys.stderr, flush=True)


@dataclass
class Progress:
    """``step()`` after each item; a line after ``every`` more items or ``seconds`` more, and one at the end.

    Silent for runs shorter than ``every`` items, so a small publish prints nothing extra.
    """

    what: str  # translated, e.g. _("API keys"): the line reads "API keys: 150 of 500 done, about 70 s left"
    total: int
    say: Say = to_stderr
    every: int = 50
    seconds: float = 10.0
    done: int = 0
    _done_at_last_line: int = 0
    _started: float = field(default_factory=time.monotonic)
    _last_line: float = field(default_factory=time.monotonic)

    def step(self, count: int = 1) -> None:
        self.done += count
        if self.total < self.every:
            return
        now = time.monotonic()
        if self.done >= self.total:
            seconds = round(now - self._started)
            self.say(_n("{what}: all {n} done in {seconds} s", "{what}: all {n} done in {seconds} s", self.total,
                        what=self.what, seconds=seconds))  # fmt: skip
        elif self.done - self._done_at_last_line >= self.every or now - self._last_line >= self.seconds:
            left = (now - self._started) / self.done * (self.total - self.done)
            self.say(_("{what}: {done} of {total} done, about {seconds} s left", what=self.what, done=self.done,
                       total=self.total, seconds=round(left)))  # fmt: skip
        else:
            return
        self._last_line, self._done_at_last_line = now, self.done
