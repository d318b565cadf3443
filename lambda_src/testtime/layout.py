"""Every S3 key of the data bucket, in one place.

The layout of the original 2019 service is kept (``studentsList.json``, ``<subject>/<test>/questions.json``,
``questionsKey.json``, ``<studentId>/testResult.json`` and ``score.json``) so that its data stays readable.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

STUDENTS_LIST = "studentsList.json"
CATALOG = "catalog.json"
TRAINER = "trainer.json"
SUBMITTED_PREFIX = "submitted/"
SCORER_PREFIX = "scorer/"
INVITATIONS_PREFIX = "invitations/"  # the trainer's record of each student's invitation (ops/invitations.py)
SUBMISSION_FILE = "testResult.json"
SCORE_FILE = "score.json"
# A test with `resubmit` keeps every version a student sends: version 1 is SUBMISSION_FILE, version N >= 2
# testResult.<N>.json, each written create-only, so nothing is ever overwritten. The cap bounds the create-only
# attempts one submission may take.
MAX_SUBMISSION_VERSIONS = 50
_VERSIONED_SUBMISSION = re.compile(r"testResult\.([2-9]|[1-9][0-9]+)\.json")

# Ids become S3 key parts and email subjects: keep them to a safe, readable alphabet (ASCII only: no \d or \w,
# which match other scripts' digits and letters). The pattern is whole-string with re.match and re.search too,
# and in ECMA-262 (it is the OpenAPI Id pattern): a bare `$` in Python also matches before a trailing newline.
SAFE_ID = re.compile(r"^(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$(?!\n)")
SAFE_ID_MAX_LENGTH = 64


def is_safe_id(value: object) -> bool:
    """Whether ``value`` can be used as one S3 key part (subject, test or student id)."""
    return isinstance(value, str) and SAFE_ID.fullmatch(value) is not None


def test_prefix(subject: str, test_id: str) -> str:
    return f"{subject}/{test_id}/"


def questions_key(subject: str, test_id: str) -> str:
    return f"{subject}/{test_id}/questions.json"


def answer_key_key(subject: str, test_id: str) -> str:
    return f"{subject}/{test_id}/questionsKey.json"


def submission_key(subject: str, test_id: str, student_id: str) -> str:
    return f"{subject}/{test_id}/{student_id}/{SUBMISSION_FILE}"


def submission_version_key(subject: str, test_id: str, student_id: str, version: int) -> str:
    """Where version ``version`` (1, 2, ...) of a student's submission is kept; version 1 is testResult.json."""
    if version < 1:
        raise ValueError(f"submission versions count from 1, not {version}")
    leaf = SUBMISSION_FILE if version == 1 else f"testResult.{version}.json"
    return f"{subject}/{test_id}/{student_id}/{leaf}"


def submission_version_of(leaf: str) -> int | None:
    """The version a submission file's name holds (testResult.json: 1, testResult.7.json: 7); None for any other."""
    if leaf == SUBMISSION_FILE:
        return 1
    found = _VERSIONED_SUBMISSION.fullmatch(leaf)
    return int(found.group(1)) if found else None


def score_key(subject: str, test_id: str, student_id: str) -> str:
    return f"{subject}/{test_id}/{student_id}/{SCORE_FILE}"


def parse_test_folder_key(subject: str, test_id: str, key: str) -> tuple[str, str] | None:
    """``(student_id, leaf)`` of a key listed under :func:`test_prefix`, where leaf is a submission's file (any
    version: :func:`submission_version_of`) or :data:`SCORE_FILE`; None for any other key (the test's own files, a
    deeper key). The student id is returned as listed: whether it is usable (:func:`is_safe_id`) is the caller's to
    judge and report."""
    prefix = test_prefix(subject, test_id)
    if not key.startswith(prefix):
        return None
    parts = key[len(prefix) :].split("/")
    if len(parts) != 2 or not parts[0] or (parts[1] != SCORE_FILE and submission_version_of(parts[1]) is None):
        return None
    return parts[0], parts[1]


def submitters_among(subject: str, test_id: str, keys: Iterable[str]) -> frozenset[str]:
    """The students with a submission (any version) among the listed keys of a test's folder."""
    found = set()
    for key in keys:
        parsed = parse_test_folder_key(subject, test_id, key)
        if parsed is not None and submission_version_of(parsed[1]) is not None:
            found.add(parsed[0])
    return frozenset(found)


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


@dataclass(frozen=True)
class LedgerPlace:
    """Where one test's email ledger of one kind lives: the folder of its records (a student's own record
    ``<prefix><studentId>.json``, batches ``<prefix>batches/<id>.json``) and its sending lease."""

    prefix: str
    lease: str

    def record_key(self, recipient_id: str) -> str:
        return f"{self.prefix}{recipient_id}.json"

    @property
    def batch_prefix(self) -> str:
        return f"{self.prefix}batches/"

    def batch_key(self, batch_id: str) -> str:
        return f"{self.batch_prefix}{batch_id}.json"

    def parse(self, key: str) -> tuple[str, str] | None:
        """``("own", student_id)`` for a student's own record, ``("batch", batch_id)`` for a batch, else None."""
        if key.startswith(self.batch_prefix):
            name, kind = key[len(self.batch_prefix) :], "batch"
        elif key.startswith(self.prefix):
            name, kind = key[len(self.prefix) :], "own"
        else:
            return None
        if "/" in name or not name.endswith(".json") or not name.removesuffix(".json"):
            return None
        return kind, name.removesuffix(".json")


def score_emails(subject: str, test_id: str) -> LedgerPlace:
    """The ledger of the students' score emails of one test."""
    return LedgerPlace(f"{SCORER_PREFIX}emails/{subject}/{test_id}/", f"{SCORER_PREFIX}leases/{subject}/{test_id}.json")


def reminder_emails(subject: str, test_id: str) -> LedgerPlace:
    """The ledger of the reminders of one test (one per student, before their own deadline)."""
    return LedgerPlace(
        f"{SCORER_PREFIX}reminders/{subject}/{test_id}/", f"{SCORER_PREFIX}reminder-leases/{subject}/{test_id}.json"
    )


def regrade_emails(subject: str, test_id: str, version: str) -> LedgerPlace:
    """The ledger of the regrade notices of one test at one scoring version (a later correction: another)."""
    return LedgerPlace(
        f"{SCORER_PREFIX}regrades/{subject}/{test_id}/{version}/",
        f"{SCORER_PREFIX}regrade-leases/{subject}/{test_id}.json",
    )


def regrade_record_key(subject: str, test_id: str, version: str) -> str:
    """The scores a regrade changed (before and after), written once by the run that found it."""
    return f"{SCORER_PREFIX}regrades/{subject}/{test_id}/{version}.json"


def email_ledger_prefix(subject: str, test_id: str) -> str:
    """The folder of one test's score email ledger: each student's own record and the batches."""
    return score_emails(subject, test_id).prefix


def email_ledger_key(subject: str, test_id: str, recipient_id: str) -> str:
    """Where the scorer records that the score email of one student for one test was sent."""
    return score_emails(subject, test_id).record_key(recipient_id)


def lease_key(subject: str, test_id: str) -> str:
    """The test's sending lease: who may send its score emails now (testtime.scorer's ledger)."""
    return score_emails(subject, test_id).lease


def summary_ledger_key(subject: str, test_id: str) -> str:
    """Where the scorer records that the trainer's summary covered this test."""
    return f"{SCORER_PREFIX}summaries/{subject}/{test_id}.json"


def scorer_state_key(subject: str, test_id: str) -> str:
    """The scorer's cache of one test's derived state (scoring version, score rows, emails known sent).

    Only a cache: ``score.json`` and the email ledger stay the truth, so a lost or stale state costs requests,
    never a wrong or duplicate email.
    """
    return f"{SCORER_PREFIX}tests/{subject}/{test_id}.json"
