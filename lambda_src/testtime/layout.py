"""Every S3 key of the data bucket, in one place.

The layout of the original 2019 service is kept (``studentsList.json``, ``<subject>/<test>/questions.json``,
``questionsKey.json``, ``<studentId>/testResult.json`` and ``score.json``) so that its data stays readable.
"""

from __future__ import annotations

import re

STUDENTS_LIST = "studentsList.json"
CATALOG = "catalog.json"
TRAINER = "trainer.json"
SUBMITTED_PREFIX = "submitted/"
SCORER_PREFIX = "scorer/"

# Ids become S3 key parts and email subjects: keep them to a safe, readable alphabet.
SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def is_safe_id(value: object) -> bool:
    """Whether ``value`` can be used as one S3 key part (subject, test or student id)."""
    return isinstance(value, str) and bool(SAFE_ID.match(value)) and ".." not in value


def test_prefix(subject: str, test_id: str) -> str:
    return f"{subject}/{test_id}/"


def questions_key(subject: str, test_id: str) -> str:
    return f"{subject}/{test_id}/questions.json"


def answer_key_key(subject: str, test_id: str) -> str:
    return f"{subject}/{test_id}/questionsKey.json"


def submission_key(subject: str, test_id: str, student_id: str) -> str:
    return f"{subject}/{test_id}/{student_id}/testResult.json"


def score_key(subject: str, test_id: str, student_id: str) -> str:
    return f"{subject}/{test_id}/{student_id}/score.json"


def submitted_marker_prefix(student_id: str) -> str:
    return f"{SUBMITTED_PREFIX}{student_id}/"


def submitted_marker_key(student_id: str, subject: str, test_id: str) -> str:
    return f"{SUBMITTED_PREFIX}{student_id}/{subject}/{test_id}"


def parse_submitted_marker(key: str) -> tuple[str, str, str] | None:
    """``(student_id, subject, test_id)`` of a marker key, or None for any other key."""
    if not key.startswith(SUBMITTED_PREFIX):
        return None
    parts = key[len(SUBMITTED_PREFIX) :].split("/")
    if len(parts) != 3 or not all(parts):
        return None
    return parts[0], parts[1], parts[2]


def parse_submission_key(key: str) -> tuple[str, str, str] | None:
    """``(subject, test_id, student_id)`` of a ``testResult.json`` key, or None for any other key."""
    parts = key.split("/")
    if len(parts) != 4 or parts[3] != "testResult.json" or not all(parts[:3]):
        return None
    return parts[0], parts[1], parts[2]


def email_ledger_key(subject: str, test_id: str, recipient_id: str) -> str:
    """Where the scorer records that the score email of one student for one test was sent."""
    return f"{SCORER_PREFIX}emails/{subject}/{test_id}/{recipient_id}.json"


def email_ledger_batch_key(subject: str, test_id: str, batch_id: str) -> str:
    """A batch of ledger records (emails sent by the holder of the test's sending lease, recorded together)."""
    return f"{SCORER_PREFIX}emails/{subject}/{test_id}/batches/{batch_id}.json"


def summary_ledger_key(subject: str, test_id: str) -> str:
    """Where the scorer records that the trainer's summary covered this test."""
    return f"{SCORER_PREFIX}summaries/{subject}/{test_id}.json"


def scorer_state_key(subject: str, test_id: str) -> str:
    """The scorer's cache of one test's derived state (scoring version, score rows, emails known sent).

    Only a cache: ``score.json`` and the email ledger stay the truth, so a lost or stale state costs requests,
    never a wrong or duplicate email.
    """
    return f"{SCORER_PREFIX}tests/{subject}/{test_id}.json"
