"""The hand-over: what one invocation of a run passes to the next when its time budget runs out.

The email ledger carries what was sent; the event carries the run's id, which link comes next, the counts of the
earlier links (for the one trainer's summary the last link sends) and the failures of sending they found, which
no later link would find again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from testtime.scorer.failures import Failure, FailureKind

_KINDS = frozenset(kind.value for kind in FailureKind)
MAX_CARRIED_FAILURES = 200  # keeps the hand-over event far below the 256 KB of an asynchronous invocation


@dataclass(frozen=True)
class Continuation:
    """A run's totals up to (and without) the current link: read from the event, extended by :meth:`plus`."""

    run_id: str
    link: int = 0
    emails_sent: int = 0
    emails_failed: int = 0
    sent_by_test: Mapping[str, int] = field(default_factory=dict)  # "subject/testId" -> emails sent
    failures: tuple[Failure, ...] = ()

    @classmethod
    def from_event(cls, raw: Any, fallback_run_id: str) -> Continuation:
        if not isinstance(raw, dict):
            return cls(fallback_run_id, link=1 if raw else 0)
        failures = []
        for item in raw.get("failures") or []:
            if not isinstance(item, dict) or str(item.get("kind", "")) not in _KINDS:
                continue  # not one of ours: nothing to report it as
            failures.append(
                Failure(
                    FailureKind(str(item["kind"])),
                    str(item.get("error", "")),
                    str(item.get("subject", "")),
                    str(item.get("testId", "")),
                    str(item.get("studentId", "")),
                )
            )
        sent = {str(k): int(v) for k, v in (raw.get("sentByTest") or {}).items() if isinstance(v, int)}
        return cls(
            str(raw.get("runId") or fallback_run_id),
            int(raw.get("link") or 0),
            int(raw.get("emailsSent") or 0),
            int(raw.get("emailsFailed") or 0),
            sent,
            tuple(failures),
        )

    def plus(
        self, emails_sent: int, emails_failed: int, sent_by_test: Mapping[str, int], failures: Sequence[Failure]
    ) -> Continuation:
        """These totals with those of the current link added (same link number)."""
        merged = dict(self.sent_by_test)
        for name, count in sent_by_test.items():
            merged[name] = merged.get(name, 0) + count
        return replace(
            self,
            emails_sent=self.emails_sent + emails_sent,
            emails_failed=self.emails_failed + emails_failed,
            sent_by_test=merged,
            failures=self.failures + tuple(f for f in failures if f not in self.failures),
        )

    def next_link(self) -> Continuation:
        return replace(self, link=self.link + 1)

    def to_event(self) -> dict[str, Any]:
        return {
            "runId": self.run_id,
            "link": self.link,
            "emailsSent": self.emails_sent,
            "emailsFailed": self.emails_failed,
            "sentByTest": dict(self.sent_by_test),
            "failures": [f.to_json() for f in self.failures[:MAX_CARRIED_FAILURES]],
        }
