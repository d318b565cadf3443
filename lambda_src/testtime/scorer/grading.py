"""The tests past their deadline: what a run reads of each, and the scoring of their submissions.

A student is scored once their own deadline (:meth:`CatalogTest.deadline_for`: an extension, else the due time)
has passed, on the highest version of their submission the one listing shows (a test with ``resubmit`` keeps
every version, create-only); until then they are waiting ("pending" to the trainer), never missing.

Request budget per submission: one ``GetObject`` of testResult.json and one ``PutObject`` of score.json (the
emails' records add about 0.05, see :mod:`.ledger`); per test and run a few more (answer key, questions, state,
summary ledger, one listing). ``score.json`` is not written again while the scoring version recorded in the
state cache (answer key digest + grade scale) is unchanged and the listing shows the file; a submission whose
score is current and whose email is known sent is not even read.

Threads: :func:`prepare` and everything that changes a :class:`TestProgress` run on the run's own thread; the
reading threads of :func:`score_submissions` only return a :class:`Scored` per submission.
"""

from __future__ import annotations

import dataclasses
import posixpath
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from botocore.exceptions import BotoCoreError, ClientError

from testtime import layout
from testtime.documents import scorer_records as records
from testtime.documents.catalog import CatalogTest
from testtime.documents.codec import MalformedDocument
from testtime.documents.questions import AnswerKey, Question, parse_answer_key, parse_questions
from testtime.documents.scores import Score, score_document
from testtime.documents.submissions import parse_submission
from testtime.emails import question_book
from testtime.log import log
from testtime.scorer.data import S3Data
from testtime.scorer.failures import Failure, FailureKind, FailureLog
from testtime.scoring import GradeScale, missing_students, score, scoring_version


def problem_of(error: MalformedDocument) -> str:
    """A document's problem named by its file, e.g. "testResult.json is not JSON: ..." (the test and student
    are named beside it)."""
    return f"{posixpath.basename(error.key)} {error.problem}"


@dataclass(frozen=True)
class SummaryLedger:
    """The summary ledger of a test as read: its record (None when unreadable) and the ETag to overwrite it."""

    record: records.SummaryRecord | None
    etag: str


@dataclass
class TestProgress:
    """One test past its deadline, as this invocation sees it; only the run's own thread touches it."""

    __test__ = False  # not a pytest test class, despite the name

    test: CatalogTest
    version: str  # the scoring version, or "unscored: <why>"
    key: AnswerKey | None = None  # None: the test cannot be scored
    book: dict[str, Question] = field(default_factory=dict)  # the questions by id, for the emails
    submitters: tuple[str, ...] = ()  # students with a submission, past their own deadline: scored now, sorted
    has_score: frozenset[str] = frozenset()  # students with a score.json
    versions: dict[str, int] = field(default_factory=dict)  # submitter -> highest submission version (else 1)
    as_of: datetime | None = None  # the run's as-of time (None: everybody's deadline counts as passed)
    listed: frozenset[str] = frozenset()  # every student with a submission, their deadline passed or not
    saved: records.TestState | None = None  # the state cache as stored
    summary: SummaryLedger | None = None  # None: the trainer's summary never covered the test
    rows: dict[str, records.ScoreRow] = field(default_factory=dict)
    corrupt: dict[str, str] = field(default_factory=dict)  # student id -> why the submission cannot be scored
    emailed: set[str] = field(default_factory=set)  # students whose score email is known sent
    pending: dict[str, Score] = field(default_factory=dict)  # scored, email not known sent
    # A new scoring version (a corrected key): the rows and key of the version before, to find changed scores.
    before: dict[str, records.ScoreRow] = field(default_factory=dict)
    before_key: dict[str, records.KeySnapshot] = field(default_factory=dict)
    regrading: tuple[str, ...] = ()  # regrade rounds whose notices are not all known sent (state cache)
    rounds: int = 0  # regrade rounds so far, and the latest one's id (state cache)
    last_regrade: str = ""
    deferred: bool = False  # a regrade could not be recorded: nothing of this test is saved, sent or reported now

    @property
    def name(self) -> str:
        return self.test.name

    def state(self) -> records.TestState:
        snapshot = key_snapshot(self.key) if self.key is not None else {}
        return records.TestState(
            self.version,
            dict(self.rows),
            dict(self.corrupt),
            tuple(sorted(self.emailed)),
            snapshot,
            self.regrading,
            self.rounds,
            self.last_regrade,
        )


def _read_state(data: S3Data, key: str, failures: FailureLog, test: CatalogTest) -> records.TestState | None:
    try:
        return records.parse_state(key, data.get(key))
    except MalformedDocument as error:  # only a cache: scoring again costs requests, never a wrong email
        failures.add(Failure(FailureKind.READ_ERROR, problem_of(error), test.subject, test.test_id))
        return None


def _read_summary_ledger(data: S3Data, key: str) -> SummaryLedger | None:
    found = data.get_with_etag(key)
    if found is None:
        return None
    body, etag = found
    try:
        return SummaryLedger(records.parse_summary_record(key, body), etag)
    except MalformedDocument:
        return SummaryLedger(None, etag)  # taken over by the next claim


def _corrupt_version(why: str) -> int:
    """The submission version a stored "corrupt" reason is about: it starts with the file's name (problem_of)."""
    return layout.submission_version_of(why.split(" ", 1)[0]) or 1


def prepare(
    data: S3Data, test: CatalogTest, scale: GradeScale, failures: FailureLog, as_of: datetime | None = None
) -> TestProgress:
    """Per test: answer key, questions, state, summary ledger and one listing of the test's prefix."""
    subject, test_id = test.subject, test.test_id
    answer_key = layout.answer_key_key(subject, test_id)
    try:
        key: AnswerKey | None = parse_answer_key(answer_key, data.get(answer_key))
        version = scoring_version(key, scale)
    except MalformedDocument as error:
        key, version = None, f"unscored: {problem_of(error)}"
        failures.add(Failure(FailureKind.ANSWER_KEY, problem_of(error), subject, test_id))
    work = TestProgress(test, version, key, as_of=as_of)
    if key is not None:
        questions_key = layout.questions_key(subject, test_id)
        try:
            work.book = question_book(parse_questions(questions_key, data.get(questions_key)))
        except MalformedDocument as error:  # the emails then show answer ids only
            log("WARNING", "questions unreadable", subject=subject, testId=test_id, error=problem_of(error))
    work.saved = _read_state(data, layout.scorer_state_key(subject, test_id), failures, test)
    if work.saved is not None:
        work.emailed = set(work.saved.emailed)
        work.regrading = work.saved.regrading
        work.rounds, work.last_regrade = work.saved.rounds, work.saved.last_regrade
        if work.saved.version == version:
            work.rows = dict(work.saved.rows)
            work.corrupt = dict(work.saved.corrupt)
        elif key is not None:  # rescored at the new version; what changed is compared with these (regrading.py)
            work.before, work.before_key = dict(work.saved.rows), dict(work.saved.key)
    work.summary = _read_summary_ledger(data, layout.summary_ledger_key(subject, test_id))
    if key is None:
        return work
    latest: dict[str, int] = {}
    has_score: set[str] = set()
    for listed in data.list_keys(layout.test_prefix(subject, test_id)):
        parsed = layout.parse_test_folder_key(subject, test_id, listed)
        if parsed is None:
            continue
        sid, leaf = parsed
        submission_version = layout.submission_version_of(leaf)
        if submission_version is None:
            has_score.add(sid)
        else:
            latest[sid] = max(latest.get(sid, 0), submission_version)
    work.listed = frozenset(latest)
    due = {sid: v for sid, v in latest.items() if not is_waiting(work, sid)}
    work.submitters, work.has_score, work.versions = tuple(sorted(due)), frozenset(has_score), due
    # A cached row or corrupt reason of an older version is stale: the newer version is read and scored; so is a
    # row cached before rows kept the answers (the item analysis needs them).
    work.rows = {sid: row for sid, row in work.rows.items() if due.get(sid) == row.version and row.answers is not None}
    work.corrupt = {sid: why for sid, why in work.corrupt.items() if due.get(sid) == _corrupt_version(why)}
    return work


def is_waiting(work: TestProgress, student_id: str) -> bool:
    """Whether the student's own deadline (an extension) is still ahead of the run's as-of time."""
    return work.as_of is not None and work.test.deadline_for(student_id) > work.as_of


@dataclass(frozen=True)
class Job:
    """One submission to read: ``write`` its score.json too (no current one), or only score it for the email."""

    work: TestProgress
    student_id: str
    write: bool
    version: int = 1  # the submission version to read


@dataclass(frozen=True)
class Scored:
    """What a reading thread returns for a :class:`Job`: a score, or why there is none (neither: it is gone)."""

    job: Job
    score: Score | None = None
    corrupt: str | None = None
    read_error: str | None = None
    written: bool = False


def _jobs(works: Sequence[TestProgress]) -> list[Job]:
    """Only what is needed: a score to write, an email to send, a row to know."""
    jobs = []
    for work in works:
        for sid in work.submitters:
            if not layout.is_safe_id(sid):
                work.corrupt[sid] = "student id not usable in keys and emails"
                continue
            if sid in work.corrupt:
                continue  # immutable submission, same version: still corrupt
            write = not (sid in work.rows and sid in work.has_score)  # rows hold the latest version only
            if write or sid not in work.emailed:
                jobs.append(Job(work, sid, write, work.versions.get(sid, 1)))
    return jobs


def _score_one(data: S3Data, job: Job, scale: GradeScale, scored_at: str) -> Scored:
    test, sid = job.work.test, job.student_id
    assert job.work.key is not None
    submission_key = layout.submission_version_key(test.subject, test.test_id, sid, job.version)
    try:
        body = data.get(submission_key)
        if body is None:
            return Scored(job)  # listed, then gone: nothing to score
        result = score(parse_submission(submission_key, body, sid), job.work.key, scale, test.subject, test.test_id)
        if result.version != job.version:  # the key names the version; the document's own field is only a copy
            result = dataclasses.replace(result, version=job.version)
        if job.write:
            data.put(layout.score_key(test.subject, test.test_id, sid), score_document(result, scored_at))
        return Scored(job, score=result, written=job.write)
    except MalformedDocument as error:
        return Scored(job, corrupt=problem_of(error))
    except (ClientError, BotoCoreError) as error:
        return Scored(job, read_error=f"S3: {error}")


def score_submissions(
    data: S3Data,
    works: Sequence[TestProgress],
    scale: GradeScale,
    concurrency: int,
    scored_at: str,
    failures: FailureLog,
) -> Counter[str]:
    """Score what needs it, reading ``concurrency`` submissions at a time; the score.json written per test."""
    written: Counter[str] = Counter()
    score_job: Callable[[Job], Scored] = lambda job: _score_one(data, job, scale, scored_at)  # noqa: E731
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        for outcome in pool.map(score_job, _jobs(works)):
            work, sid = outcome.job.work, outcome.job.student_id
            written[work.name] += outcome.written
            if outcome.score is not None:
                work.rows[sid] = score_row(outcome.score)
                if sid not in work.emailed:
                    work.pending[sid] = outcome.score
            elif outcome.corrupt is not None:
                work.corrupt[sid] = outcome.corrupt
                work.rows.pop(sid, None)
            elif outcome.read_error is not None:
                failures.add(
                    Failure(FailureKind.READ_ERROR, outcome.read_error, work.test.subject, work.test.test_id, sid)
                )
    return written


def score_row(result: Score) -> records.ScoreRow:
    return records.ScoreRow(
        result.correct,
        result.questions,
        result.percent,
        result.grade,
        result.points,
        result.max_points,
        result.version,
        dict(result.answers),
    )


def key_snapshot(key: AnswerKey) -> dict[str, records.KeySnapshot]:
    """The answer key as the state cache keeps it beside the rows scored with it."""
    return {entry.question_id: records.KeySnapshot(entry.answer, entry.points, entry.partial) for entry in key.entries}


def missing(work: TestProgress, class_ids: Sequence[str]) -> list[str]:
    """Students of the class list without a submission whose own deadline has passed, sorted."""
    return [sid for sid in missing_students(class_ids, work.submitters) if not is_waiting(work, sid)]


def waiting(work: TestProgress, class_ids: Iterable[str]) -> list[tuple[str, datetime]]:
    """Students of the class list, or with a submission, whose own deadline is still ahead: (id, deadline),
    sorted by id. Their submission, if any, is scored by a run after that deadline."""
    candidates = set(class_ids) | set(work.listed)
    return [(sid, work.test.deadline_for(sid)) for sid in sorted(candidates) if is_waiting(work, sid)]


def settled(work: TestProgress, class_ids: Iterable[str]) -> frozenset[str]:
    """The students whose outcome the trainer's summary reports as final: scored, corrupt, or missing after an
    extension of their own (a missing student without one is as today: reported with the test)."""
    late_missing = {sid for sid in missing(work, list(class_ids)) if work.test.extension_for(sid) is not None}
    return frozenset(work.rows) | frozenset(work.corrupt) | late_missing


def save_state(data: S3Data, work: TestProgress) -> None:
    """Write the test's state cache when it changed (once after scoring, once after sending)."""
    if work.key is None or work.deferred:
        return
    state = work.state()
    if state != work.saved:
        data.put(layout.scorer_state_key(work.test.subject, work.test.test_id), records.state_document(state))
        work.saved = state
