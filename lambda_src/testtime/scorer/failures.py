"""What can go wrong in a run, as a small enum of kinds, and the list of a run's failures.

Every failure is logged once, as it is found, with the ids a trainer searches by and the error text (which never
holds an answer, an answer key or an email body), and named in the trainer's summary.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import StrEnum

from testtime.log import log


class FailureKind(StrEnum):
    """The kinds the trainer's summary and the run's JSON name; the values are the strings used since 2026."""

    CORRUPT_SUBMISSION = "corrupt-submission"  # a testResult.json that cannot be scored
    ANSWER_KEY = "answer-key"  # a questionsKey.json that cannot be used: the test is not scored
    NO_EMAIL_ADDRESS = "no-email-address"  # a submitter not in the class list, or without an address
    READ_ERROR = "read-error"  # S3 could not be read, or a document of the run (class list, state) is unreadable
    EMAIL_FAILED = "email-failed"  # SES did not accept a student's email; the next run sends it again
    LEDGER = "ledger"  # the email ledger could not be read or written (no email is sent twice for it)
    HANDOVER = "handover"  # the rest of the emails could not be handed to a follow-up invocation
    CATALOG = "catalog"  # catalog.json, or an entry of it, cannot be read: that test (or every test) is not scored
    SUMMARY_FAILED = "summary-failed"  # SES did not accept the trainer's summary


# Failures that follow from the stored data (found again by every run): the summary names them with their test,
# only when it covers that test.
STATE_KINDS = frozenset({FailureKind.CORRUPT_SUBMISSION, FailureKind.ANSWER_KEY, FailureKind.NO_EMAIL_ADDRESS})


@dataclass(frozen=True)
class Failure:
    kind: FailureKind
    error: str
    subject: str = ""
    test_id: str = ""
    student_id: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", FailureKind(self.kind))  # a plain string of a known kind is accepted

    @property
    def test_name(self) -> str:
        return f"{self.subject}/{self.test_id}"

    def to_json(self) -> dict[str, str]:
        return {
            "kind": str(self.kind),
            "subject": self.subject,
            "testId": self.test_id,
            "studentId": self.student_id,
            "error": self.error,
        }


class FailureLog:
    """The failures of one invocation, in the order found. Any thread may :meth:`add`; one lock guards both lists.

    ``carried`` are those the next link of a handed-over run must still report (see :mod:`.handover`): the
    failures of sending, which no later link finds again. The others follow from the stored data.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._found: list[Failure] = []
        self._carried: list[Failure] = []

    def add(self, failure: Failure, carry: bool = False) -> None:
        log(
            "WARNING",
            "scorer failure",
            kind=str(failure.kind),
            subject=failure.subject,
            testId=failure.test_id,
            studentId=failure.student_id,
            error=failure.error,
        )
        with self._lock:
            self._found.append(failure)
            if carry:
                self._carried.append(failure)

    def found(self) -> list[Failure]:
        with self._lock:
            return list(self._found)

    def carried(self) -> list[Failure]:
        with self._lock:
            return list(self._carried)
