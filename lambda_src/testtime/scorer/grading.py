"""The tests past their deadline: what a run reads of each, and the scoring of their submissions.

Request budget per submission: one ``GetObject`` of testResult.json and one ``PutObject`` of score.json (the
emails' records add about 0.05, see :mod:`.ledger`); per test and run a few more (answer key, questions, state,
summary ledger, one listing). ``score.json`` is not written again while the scoring version recorded in the
state cache (answer key digest + grade scale) is unchanged and the listing shows the file; a submission whose
score is current and whose email is known sent is not even read.

Threads: :func:`prepare` and everything that changes a :class:`TestProgress` run on the run's own thread; the
reading threads of :func:`score_submissions` only return a :class:`Scored` per submission.
"""

from __future__ import annotations

import posixpath
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

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
    submitters: tuple[str, ...] = ()  # students with a testResult.json, sorted
    has_score: frozenset[str] = frozenset()  # students with a score.json
    saved: records.TestState | None = None  # the state cache as stored
    summary: SummaryLedger | None = None  # None: the trainer's summary never covered the test
    rows: dict[str, records.ScoreRow] = field(default_factory=dict)
    corrupt: dict[str, str] = field(default_factory=dict)  # student id -> why the submission cannot be scored
    emailed: set[str] = field(default_factory=set)  # students whose score email is known sent
    pending: dict[str, Score] = field(default_factory=dict)  # scored, email not known sent

    @property
    def name(self) -> str:
        return self.test.name

    def state(self) -> records.TestState:
        return records.TestState(self.version, dict(self.rows), dict(self.corrupt), tuple(sorted(self.emailed)))


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


def prepare(data: S3Data, test: CatalogTest, scale: GradeScale, failures: FailureLog) -> TestProgress:
    """Per test: answer key, questions, state, summary ledger and one listing of the test's prefix."""
    subject, test_id = test.subject, test.test_id
    answer_key = layout.answer_key_key(subject, test_id)
    try:
        key: AnswerKey | None = parse_answer_key(answer_key, data.get(answer_key))
        version = scoring_version(key, scale)
    except MalformedDocument as error:
        key, version = None, f"unscored: {problem_of(error)}"
        failures.add(Failure(FailureKind.ANSWER_KEY, problem_of(error), subject, test_id))
    work = TestProgress(test, version, key)
    if key is not None:
        questions_key = layout.questions_key(subject, test_id)
        try:
            work.book = question_book(parse_questions(questions_key, data.get(questions_key)))
        except MalformedDocument as error:  # the emails then show answer ids only
            log("WARNING", "questions unreadable", subject=subject, testId=test_id, error=problem_of(error))
    work.saved = _read_state(data, layout.scorer_state_key(subject, test_id), failures, test)
    if work.saved is not None:
        work.emailed = set(work.saved.emailed)
        if work.saved.version == version:
            work.rows = dict(work.saved.rows)
            work.corrupt = dict(work.saved.corrupt)
    work.summary = _read_summary_ledger(data, layout.summary_ledger_key(subject, test_id))
    if key is None:
        return work
    submitters: set[str] = set()
    has_score: set[str] = set()
    for listed in data.list_keys(layout.test_prefix(subject, test_id)):
        parsed = layout.parse_test_folder_key(subject, test_id, listed)
        if parsed is not None:
            (submitters if parsed[1] == layout.SUBMISSION_FILE else has_score).add(parsed[0])
    work.submitters, work.has_score = tuple(sorted(submitters)), frozenset(has_score)
    work.rows = {sid: row for sid, row in work.rows.items() if sid in submitters}
    work.corrupt = {sid: why for sid, why in work.corrupt.items() if sid in submitters}
    return work


@dataclass(frozen=True)
class Job:
    """One submission to read: ``write`` its score.json too (no current one), or only score it for the email."""

    work: TestProgress
    student_id: str
    write: bool


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
            write = not (sid in work.rows and sid in work.has_score)
            if write or sid not in work.emailed:
                jobs.append(Job(work, sid, write))
    return jobs


def _score_one(data: S3Data, job: Job, scale: GradeScale, scored_at: str) -> Scored:
    test, sid = job.work.test, job.student_id
    assert job.work.key is not None
    submission_key = layout.submission_key(test.subject, test.test_id, sid)
    try:
        body = data.get(submission_key)
        if body is None:
            return Scored(job)  # listed, then gone: nothing to score
        result = score(parse_submission(submission_key, body, sid), job.work.key, scale, test.subject, test.test_id)
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
                work.rows[sid] = records.ScoreRow(
                    outcome.score.correct, outcome.score.questions, outcome.score.percent, outcome.score.grade
                )
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


def missing(work: TestProgress, class_ids: Sequence[str]) -> list[str]:
    """Students of the class list without a submission, sorted."""
    return missing_students(class_ids, work.submitters)


def save_state(data: S3Data, work: TestProgress) -> None:
    """Write the test's state cache when it changed (once after scoring, once after sending)."""
    if work.key is None:
        return
    state = work.state()
    if state != work.saved:
        data.put(layout.scorer_state_key(work.test.subject, work.test.test_id), records.state_document(state))
        work.saved = state
