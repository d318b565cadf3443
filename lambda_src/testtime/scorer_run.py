"""One scorer run: score every test past its deadline, email each student once, summarise for the trainer.

AWS I/O is injected (S3 through :class:`S3Data`, SES through :class:`testtime.mailer.Mailer`, the hand-over
through an ``invoke`` callable) together with the clocks, so tests can simulate quotas and time budgets.

Request budget per submission: one ``GetObject`` of testResult.json and one ``PutObject`` of score.json; the
emails' outcomes are recorded in batches (one ``PutObject`` for up to LEDGER_BATCH_SIZE, 20, emails), so about
2.05; per test and run a few more (answer key, questions, state, summary ledger, listings, the sending lease).
``score.json`` is not written again while the scoring version recorded in the scorer's state (answer key
digest + grade scale) is unchanged and the listing shows the file; a submission whose score is current and
whose email is known sent is not even read.

Exactly once without a claim per email (which made it 4 requests): before sending any email of a test, the run
takes that test's sending lease (:func:`lease_key`): a create-only PUT, or an If-Match PUT over a lease that is
free or held longer than SENDING_CLAIM_TIMEOUT_S (900 s, Lambda's longest run: its holder is dead). Holding it,
the run lists the test's ledger once (per-student records, and the batches of records it reads). The argument:

* Only the lease holder sends emails of that test, and every holder recorded the outcome of each email it sent
  before releasing (a holder that could not record one keeps the lease until it expires; a holder that died
  keeps it too). So a student without a record in the ledger read under the lease has not been emailed for
  this test, and nobody else will email them while we hold it: send, then record it. A sent email's record
  goes into the next batch (create-only, a key of its own), written when it holds LEDGER_BATCH_SIZE records or
  is a second old, and always before the lease is released, also when the sending broke off.
* A student with a record of their own (failed earlier, or a per-email "sending" claim) goes through the
  per-email claim (:meth:`ScorerRun._claim`); a failed email is recorded on its own, at once.
* What remains is the window every ledger has: SES accepted an email and the invocation died (killed, not an
  exception) before its record was written; that email is sent again once the lease expired. With batches
  that is at most the last second's emails (20 at most), against the 4 in flight of a record per email.
"""

from __future__ import annotations

import json
import math
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from testtime import layout, s3io
from testtime.deadlines import effective_deadline, parse_instant, to_iso
from testtime.emails import (
    Failure,
    QuestionBook,
    SummaryCounts,
    SummaryRow,
    SummaryTest,
    TestInfo,
    combined_student_email,
    parse_questions,
    trainer_summary,
)
from testtime.mailer import DailyQuotaExceeded, Mailer, SendFailed
from testtime.scoring import (
    AnswerKey,
    CorruptAnswerKey,
    CorruptSubmission,
    GradeScale,
    Score,
    parse_answer_key,
    parse_grade_scale,
    parse_submission,
    score,
    scoring_version,
)

# Failures that follow from the stored data (re-found by every run): the summary names them with their test.
STATE_KINDS = {"corrupt-submission", "answer-key", "no-email-address"}
MAX_CARRIED_FAILURES = 200  # keeps the hand-over event far below the 256 KB of an asynchronous invocation


def _env_bool(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def _env_int(env: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be an integer, not {raw!r}") from None
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}")
    return value


@dataclass(frozen=True)
class Settings:
    bucket: str
    sender: str
    trainer: str
    scale: GradeScale = field(default_factory=GradeScale)
    one_per_student: bool = False
    safety_margin_ms: int = 20_000  # room for the summary, the state writes and the hand-over invocation
    read_concurrency: int = 16
    send_concurrency: int = 4
    claim_timeout_s: int = 900  # Lambda's maximum timeout: an older "sending" claim belongs to a dead invocation
    # Invocations per run (the first and its hand-overs). Lambda's recursive loop detection stops a chain of
    # direct Invokes of one function at about 16 (Lambda guide, "Use Lambda recursive loop detection"): stay
    # well below it, and stop the chain ourselves, loudly, instead of having it dropped.
    max_links: int = 10
    ledger_batch: int = 20  # records of fresh sends written together (see the module docstring)
    ledger_batch_s: float = 1.0  # ... or after this long, whichever comes first

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        missing = [name for name in ("DATA_BUCKET", "SENDER_EMAIL", "TRAINER_EMAIL") if not env.get(name)]
        if missing:
            raise ValueError(f"missing settings: {', '.join(missing)}")
        return cls(
            bucket=env["DATA_BUCKET"],
            sender=env["SENDER_EMAIL"],
            trainer=env["TRAINER_EMAIL"],
            scale=parse_grade_scale(env.get("GRADE_SCALE")),
            one_per_student=_env_bool(env.get("EMAIL_ONE_PER_STUDENT")),
            safety_margin_ms=_env_int(env, "SEND_SAFETY_MARGIN_MS", 20_000, 0),
            read_concurrency=_env_int(env, "READ_CONCURRENCY", 16, 1),
            send_concurrency=_env_int(env, "SEND_CONCURRENCY", 4, 1),
            claim_timeout_s=_env_int(env, "SENDING_CLAIM_TIMEOUT_S", 900, 1),
            ledger_batch=_env_int(env, "LEDGER_BATCH_SIZE", 20, 1),
        )


def lease_key(subject: str, test_id: str) -> str:
    """The test's sending lease (see the module docstring); under scorer/ like the other ledgers."""
    return f"{layout.SCORER_PREFIX}leases/{subject}/{test_id}.json"


def email_ledger_prefix(subject: str, test_id: str) -> str:
    """The folder of :func:`testtime.layout.email_ledger_key` records of one test."""
    return layout.email_ledger_key(subject, test_id, "x").rpartition("/")[0] + "/"


def email_ledger_listing(data: S3Data, subject: str, test_id: str) -> tuple[dict[str, str], list[str]]:
    """One listing of a test's email ledger: the key of each student's own record by student id, and the keys
    of the batches."""
    prefix = email_ledger_prefix(subject, test_id)
    own: dict[str, str] = {}
    batches: list[str] = []
    for key in data.list_keys(prefix):
        name = key[len(prefix) :]
        if name.startswith("batches/"):
            batches.append(key)
        elif "/" not in name:
            own[name.removesuffix(".json")] = key
    return own, batches


def batch_records(data: S3Data, key: str) -> dict[str, Any] | None:
    """The records of one ledger batch by student id; None when the batch is unreadable."""
    found = data.get_json_etag(key)
    records = found[0].get("records") if found and isinstance(found[0], dict) else None
    return records if isinstance(records, dict) else None


def read_email_ledger(data: S3Data, subject: str, test_id: str) -> dict[str, Any]:
    """Every email record of one test by student id: those of the batches, overridden by a student's own record
    (a claim or failure, and its later outcome). The ledger's format read in one place for anyone looking at it
    from outside a run (tests, an operator's script); a run reads it under the lease (:meth:`ScorerRun._take_lease`).
    """
    own, batches = email_ledger_listing(data, subject, test_id)
    merged: dict[str, Any] = {}
    for key in batches:
        merged.update(batch_records(data, key) or {})
    for sid, key in own.items():
        found = data.get_json_etag(key)
        merged[sid] = found[0] if found else None
    return merged


class S3Data:
    """The data bucket as the run uses it: JSON objects through ``objects`` (the scorer's lean client, see
    testtime.s3direct; by default s3io's boto3 client), listings through boto3 (paginated)."""

    def __init__(self, bucket: str, objects: s3io.Objects | None = None) -> None:
        self.bucket = bucket
        self.objects = objects or s3io.BucketObjects(bucket)

    def get(self, key: str) -> bytes | None:
        found = self.objects.get(key)
        return None if found is None else found[0]

    def get_json_etag(self, key: str) -> tuple[Any, str] | None:
        """The parsed object (None when not JSON) and its ETag for a conditional overwrite; None when absent."""
        found = self.objects.get(key)
        if found is None:
            return None
        body, etag = found
        try:
            value = json.loads(body)
        except ValueError:
            value = None
        return value, etag

    def put_json(self, key: str, value: Any) -> None:
        self.objects.put(key, s3io.dumps(value))

    def put_if_absent(self, key: str, value: Any) -> bool:
        return self.objects.put(key, s3io.dumps(value), if_none_match=True) is not None

    def put_if_match(self, key: str, value: Any, etag: str) -> bool:
        """Overwrite only the version we read; False when another writer got there first."""
        return self.put_conditional(key, value, etag) is not None

    def put_conditional(self, key: str, value: Any, etag: str | None = None) -> str | None:
        """Create (``etag`` None) or overwrite the version ``etag``; the new ETag, or None when refused."""
        return self.objects.put(key, s3io.dumps(value), if_none_match=etag is None, if_match=etag) or None

    def list_keys(self, prefix: str) -> Iterator[str]:
        return s3io.list_keys(self.bucket, prefix)


@dataclass
class Runtime:
    """What the run needs from its surroundings; all injectable."""

    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    remaining_ms: Callable[[], float] = lambda: float("inf")
    invoke: Callable[[dict[str, Any]], None] | None = None  # asynchronous self-invocation for the hand-over
    report_failure: Callable[[str], None] | None = None  # records a run the scorer had to stop (failure queue)
    request_id: str = ""


@dataclass
class Continuation:
    """What one link of a handed-over run passes to the next (the ledger carries everything else)."""

    run_id: str
    link: int = 0
    emails_sent: int = 0
    emails_failed: int = 0
    sent_by_test: dict[str, int] = field(default_factory=dict)  # "subject/testId" -> emails sent
    failures: list[Failure] = field(default_factory=list)

    @classmethod
    def from_event(cls, raw: Any, fallback_run_id: str) -> Continuation:
        if not isinstance(raw, dict):
            return cls(fallback_run_id, link=1 if raw else 0)
        failures = [
            Failure(
                str(f.get("kind", "")),
                str(f.get("error", "")),
                str(f.get("subject", "")),
                str(f.get("testId", "")),
                str(f.get("studentId", "")),
            )
            for f in raw.get("failures") or []
            if isinstance(f, dict)
        ]
        sent = {str(k): int(v) for k, v in (raw.get("sentByTest") or {}).items() if isinstance(v, int)}
        return cls(
            str(raw.get("runId") or fallback_run_id),
            int(raw.get("link") or 0),
            int(raw.get("emailsSent") or 0),
            int(raw.get("emailsFailed") or 0),
            sent,
            failures,
        )

    def to_event(self) -> dict[str, Any]:
        return {
            "runId": self.run_id,
            "link": self.link,
            "emailsSent": self.emails_sent,
            "emailsFailed": self.emails_failed,
            "sentByTest": self.sent_by_test,
            "failures": [f.to_json() for f in self.failures[:MAX_CARRIED_FAILURES]],
        }


@dataclass
class Student:
    student_id: str
    email: str
    name: str


@dataclass
class TestWork:
    """One test past its deadline, as this run sees it."""

    __test__ = False  # not a pytest test class, despite the name

    info: TestInfo
    key: AnswerKey | None = None
    version: str = ""  # scoring version, or why the test could not be scored
    book: QuestionBook = field(default_factory=dict)
    submitters: list[str] = field(default_factory=list)
    has_score: set[str] = field(default_factory=set)
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    corrupt: dict[str, str] = field(default_factory=dict)
    emailed: set[str] = field(default_factory=set)
    pending: dict[str, Score] = field(default_factory=dict)  # scored, email not known sent
    saved_state: dict[str, Any] = field(default_factory=dict)
    summary_ledger: tuple[Any, str] | None = None
    sent_now: int = 0
    lease_etag: str | None = None  # our sending lease of this test (ETag of our write) while we hold it
    ledgers: set[str] = field(default_factory=set)  # students with a ledger record when the lease was taken
    keep_lease: bool = False  # an outcome could not be recorded: let the lease expire instead of releasing it
    unrecorded: dict[str, dict[str, Any]] = field(default_factory=dict)  # fresh sends awaiting their batch
    unrecorded_since: float = 0.0  # monotonic time of the oldest of them
    batches: int = 0  # ledger batches this invocation wrote for the test

    @property
    def name(self) -> str:
        return f"{self.info.subject}/{self.info.test_id}"


@dataclass
class RunResult:
    as_of: str
    run_id: str
    link: int
    tests_scored: int = 0
    submissions_scored: int = 0
    scores_written: int = 0
    missing: int = 0
    emails_sent: int = 0
    emails_failed: int = 0
    emails_deferred: int = 0
    summary_sent: bool = False
    handed_over: bool = False
    failures: list[Failure] = field(default_factory=list)
    # Metrics only (wall seconds per phase, for the handler's summary and bench/scorer.py); not in to_json.
    timings: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "asOf": self.as_of,
            "testsScored": self.tests_scored,
            "submissionsScored": self.submissions_scored,
            "missing": self.missing,
            "emailsSent": self.emails_sent,
            "emailsFailed": self.emails_failed,
            "failures": [f.to_json() for f in self.failures],
            "handedOver": self.handed_over,
            "scoresWritten": self.scores_written,
            "emailsDeferred": self.emails_deferred,
            "summarySent": self.summary_sent,
            "runId": self.run_id,
            "link": self.link,
        }


def parse_catalog(raw: Any, as_of: datetime) -> tuple[list[TestInfo], list[Failure]]:
    """Tests whose effective deadline (min(due, closedAt)) is at or before ``as_of``, in catalog order."""
    if raw is None:
        return [], []
    entries = raw.get("tests") if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        return [], [Failure("catalog", "catalog.json has no list of tests")]
    due: list[TestInfo] = []
    seen: set[tuple[str, str]] = set()
    failures: list[Failure] = []
    for entry in entries:
        if not isinstance(entry, dict):
            failures.append(Failure("catalog", "catalog entry is not an object"))
            continue
        subject, test_id = entry.get("subject"), entry.get("testId")
        if not layout.is_safe_id(subject) or not layout.is_safe_id(test_id):
            failures.append(Failure("catalog", f"catalog entry with unusable ids {subject!r}/{test_id!r}"))
            continue
        assert isinstance(subject, str) and isinstance(test_id, str)
        try:
            deadline = effective_deadline(entry.get("due"), entry.get("closedAt"))  # type: ignore[arg-type]
        except (TypeError, ValueError) as error:
            failures.append(Failure("catalog", f"bad deadline: {error}", subject, test_id))
            continue
        if deadline > as_of or (subject, test_id) in seen:
            continue
        seen.add((subject, test_id))
        due.append(TestInfo(subject, test_id, str(entry.get("title") or ""), to_iso(deadline)))
    return due, failures


def parse_students(raw: Any) -> dict[str, Student]:
    """The class list by student id; entries without a usable id are skipped (the legacy file has no names)."""
    students: dict[str, Student] = {}
    for entry in raw if isinstance(raw, list) else []:
        if isinstance(entry, dict) and layout.is_safe_id(entry.get("student_id")):
            sid = str(entry["student_id"])
            students.setdefault(sid, Student(sid, str(entry.get("email") or "").strip(), str(entry.get("name") or "")))
    return students


class ScorerRun:
    def __init__(
        self,
        settings: Settings,
        data: S3Data,
        mailer: Mailer,
        runtime: Runtime,
        as_of: datetime,
        continuation: Continuation | None = None,
    ) -> None:
        self.settings = settings
        self.data = data
        self.mailer = mailer
        self.runtime = runtime
        self.as_of = as_of
        self.chain = continuation or Continuation(runtime.request_id or uuid.uuid4().hex)
        self.result = RunResult(to_iso(as_of), self.chain.run_id, self.chain.link)
        self.students: dict[str, Student] = {}
        self._lock = threading.Lock()
        # Names this invocation's ledger batches apart: a retried asynchronous invocation keeps its request id.
        self._invocation = uuid.uuid4().hex[:12]

    # -- the run ---------------------------------------------------------------------------------------------

    def execute(self) -> RunResult:
        started = lap = time.monotonic()
        cpu_lap = time.process_time()

        def phase(name: str) -> None:  # wall seconds of the phase, and CPU seconds of this process (all threads)
            nonlocal lap, cpu_lap
            now, cpu = time.monotonic(), time.process_time()
            self.result.timings[name] = round(now - lap, 3)
            self.result.timings[name.replace("Seconds", "CpuSeconds")] = round(cpu - cpu_lap, 3)
            self.result.timings["totalSeconds"] = round(now - started, 3)
            lap, cpu_lap = now, cpu

        tests, failures = parse_catalog(self._get_json(layout.CATALOG), self.as_of)
        self.result.failures += failures
        self.students = parse_students(self._get_json(layout.STUDENTS_LIST))
        works = []
        for info in tests:
            try:
                works.append(self._prepare(info))
            except (ClientError, BotoCoreError) as error:  # this test waits for the next run, the others go on
                self.result.failures.append(Failure("read-error", f"S3: {error}", info.subject, info.test_id))
        phase("prepareSeconds")
        self._score(works)
        for work in works:
            self._save_state(work)
        phase("scoringSeconds")
        pending = self._send_student_emails(works)
        for work in works:
            self._save_state(work)
        phase("sendingSeconds")
        if pending and self._hand_over(pending):
            return self.result
        self._send_summary(works)
        phase("summarySeconds")
        return self.result

    def _get_json(self, key: str) -> Any:
        body = self.data.get(key)
        if body is None:
            return None
        try:
            return json.loads(body)
        except ValueError as error:
            self.result.failures.append(Failure("read-error", f"{key} is not JSON: {error}"))
            return None

    # -- scoring ---------------------------------------------------------------------------------------------

    def _prepare(self, info: TestInfo) -> TestWork:
        """Per test: answer key, questions, state, summary ledger and one listing of the test's prefix."""
        work = TestWork(info)
        subject, test_id = info.subject, info.test_id
        body = self.data.get(layout.answer_key_key(subject, test_id))
        try:
            if body is None:
                raise CorruptAnswerKey("questionsKey.json is missing")
            work.key = parse_answer_key(body)
            work.version = scoring_version(work.key, self.settings.scale)
        except CorruptAnswerKey as error:
            work.version = f"unscored: {error}"
            self.result.failures.append(Failure("answer-key", str(error), subject, test_id))
        questions = self.data.get(layout.questions_key(subject, test_id)) if work.key else None
        try:
            work.book = parse_questions(questions) if questions else {}
        except ValueError:
            work.book = {}  # emails then show answer ids only
        state = self._get_json(layout.scorer_state_key(subject, test_id))
        work.saved_state = state if isinstance(state, dict) else {}
        work.emailed = {str(s) for s in work.saved_state.get("emailed") or []}
        if work.saved_state.get("version") == work.version:
            work.rows = dict(work.saved_state.get("rows") or {})
            work.corrupt = dict(work.saved_state.get("corrupt") or {})
        work.summary_ledger = self.data.get_json_etag(layout.summary_ledger_key(subject, test_id))
        if work.key is None:
            return work
        prefix = layout.test_prefix(subject, test_id)
        submitters: set[str] = set()
        for key in self.data.list_keys(prefix):
            student, _, leaf = key[len(prefix) :].partition("/")
            if leaf == "testResult.json":
                submitters.add(student)
            elif leaf == "score.json":
                work.has_score.add(student)
        work.submitters = sorted(submitters)
        known = set(work.submitters)
        work.rows = {sid: row for sid, row in work.rows.items() if sid in known}
        work.corrupt = {sid: err for sid, err in work.corrupt.items() if sid in known}
        return work

    def _score(self, works: Sequence[TestWork]) -> None:
        """Read (concurrently) only what is needed: a score to write, an email to send, a row to know."""
        jobs: list[tuple[TestWork, str, bool]] = []
        for work in works:
            for sid in work.submitters:
                if not layout.is_safe_id(sid):
                    work.corrupt[sid] = "student id not usable in keys and emails"
                    continue
                if sid in work.corrupt:
                    continue  # immutable submission, same version: still corrupt
                write = not (sid in work.rows and sid in work.has_score)
                if write or sid not in work.emailed:
                    jobs.append((work, sid, write))
        scored_at = to_iso(self.runtime.now())
        with ThreadPoolExecutor(max_workers=self.settings.read_concurrency) as pool:
            for work, sid, outcome in pool.map(lambda job: self._score_one(*job, scored_at), jobs):
                if isinstance(outcome, Score):
                    work.rows[sid] = outcome.row()
                    if sid not in work.emailed:
                        work.pending[sid] = outcome
                elif isinstance(outcome, CorruptSubmission):
                    work.corrupt[sid] = str(outcome)
                    work.rows.pop(sid, None)
                elif outcome is not None:
                    self.result.failures.append(
                        Failure("read-error", str(outcome), work.info.subject, work.info.test_id, sid)
                    )
        for work in works:
            if work.key is None:
                continue
            self.result.tests_scored += 1
            self.result.submissions_scored += len(work.rows)
            self.result.missing += len(self._missing(work))
            for sid, error in sorted(work.corrupt.items()):
                self.result.failures.append(
                    Failure("corrupt-submission", error, work.info.subject, work.info.test_id, sid)
                )

    def _score_one(
        self, work: TestWork, sid: str, write: bool, scored_at: str
    ) -> tuple[TestWork, str, Score | Exception | None]:
        subject, test_id = work.info.subject, work.info.test_id
        assert work.key is not None
        try:
            body = self.data.get(layout.submission_key(subject, test_id, sid))
            if body is None:
                return work, sid, None  # listed, then gone: nothing to score
            result = score(parse_submission(body, sid), work.key, self.settings.scale, subject, test_id)
            if write:
                self.data.put_json(layout.score_key(subject, test_id, sid), result.to_json(scored_at))
                with self._lock:
                    self.result.scores_written += 1
            return work, sid, result
        except CorruptSubmission as error:
            return work, sid, error
        except (ClientError, BotoCoreError) as error:
            return work, sid, RuntimeError(f"S3: {error}")

    def _missing(self, work: TestWork) -> list[str]:
        submitted = set(work.submitters)
        return sorted(sid for sid in self.students if sid not in submitted)

    def _save_state(self, work: TestWork) -> None:
        """Write the test's state cache when it changed (once after scoring, once after sending)."""
        if work.key is None:
            return
        state = {
            "version": work.version,
            "rows": dict(sorted(work.rows.items())),
            "corrupt": dict(sorted(work.corrupt.items())),
            "emailed": sorted(work.emailed),
        }
        if state != work.saved_state:
            self.data.put_json(layout.scorer_state_key(work.info.subject, work.info.test_id), state)
            work.saved_state = state

    # -- student emails --------------------------------------------------------------------------------------

    def _groups(self, works: Sequence[TestWork]) -> list[tuple[Student, list[tuple[TestWork, Score]]]]:
        """Who gets which email: one per student and test, or one per student (EMAIL_ONE_PER_STUDENT)."""
        by_student: dict[str, list[tuple[TestWork, Score]]] = defaultdict(list)
        groups: list[tuple[Student, list[tuple[TestWork, Score]]]] = []
        for work in works:
            for sid, result in sorted(work.pending.items()):
                student = self.students.get(sid)
                if student is None or not student.email:
                    why = "not in the class list" if student is None else "no email address in the class list"
                    self.result.failures.append(
                        Failure("no-email-address", why, work.info.subject, work.info.test_id, sid)
                    )
                    continue
                if self.settings.one_per_student:
                    by_student[sid].append((work, result))
                else:
                    groups.append((student, [(work, result)]))
        groups += [(self.students[sid], items) for sid, items in sorted(by_student.items())]
        return groups

    def _send_student_emails(self, works: Sequence[TestWork]) -> int:
        """Send within the time budget and the daily quota; the number of emails left for a hand-over."""
        leased = [work for work in works if work.pending and self._take_lease(work)]
        for work in works:
            if work.lease_etag is None:
                work.pending = {}  # nothing to send, or another invocation is sending this test's emails now
        try:
            left = self._send_under_leases(works)
        finally:
            for work in leased:  # record what was sent even when something unexpected broke off the sending
                self._flush_ledger(work)
        for work in leased:  # not reached after an unexpected error: those leases expire
            self._release_lease(work)
        return left

    def _send_under_leases(self, works: Sequence[TestWork]) -> int:
        groups = self._groups(works)
        if not groups:
            return 0
        quota = self.mailer.quota()
        per_email_ms = 1000.0 / quota.max_send_rate
        daily_left = quota.remaining_24h
        queue = iter(groups)
        state: dict[str, Any] = {"stop": ""}  # "budget" or "quota" once sending must end

        def take() -> tuple[Student, list[tuple[TestWork, Score]]] | None:
            nonlocal daily_left
            with self._lock:
                if state["stop"]:
                    return None
                # Time for the wait of the pacing and one email; the margin keeps room for what follows.
                needed_ms = self.mailer.wait_s() * 1000 + per_email_ms
                if self.runtime.remaining_ms() - self.settings.safety_margin_ms < needed_ms:
                    state["stop"] = "budget"
                    return None
                if daily_left < 1:
                    state["stop"] = "quota"
                    return None
                group = next(queue, None)
                if group is not None:
                    daily_left -= 1
                return group

        def worker() -> None:
            while (group := take()) is not None:
                try:
                    self._send_group(*group, stop=state)
                except (ClientError, BotoCoreError) as error:
                    # The ledger could not be written; s3io already retried. A claim left "sending", and the
                    # lease we then keep, are taken over after SENDING_CLAIM_TIMEOUT_S, so say so instead of
                    # failing the whole run.
                    with self._lock:
                        for work, _ in group[1]:
                            work.keep_lease = True
                    self._fail(Failure("ledger", f"S3: {error}", student_id=group[0].student_id), chain=True)

        workers = max(1, min(self.settings.send_concurrency, math.ceil(quota.max_send_rate), len(groups)))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for future in [pool.submit(worker) for _ in range(workers)]:
                future.result()
        left = sum(1 for _ in queue)
        if state["stop"] == "budget":
            return left
        self.result.emails_deferred += left  # daily quota: the next scheduled run carries on
        return 0

    def _send_group(self, student: Student, items: list[tuple[TestWork, Score]], stop: dict[str, Any]) -> None:
        claimed: list[tuple[TestWork, Score, int]] = []
        fresh: set[str] = set()  # tests of this group whose record is created after sending (see _claim)
        for work, result in items:
            outcome, attempts = self._claim(work, student.student_id)
            if outcome in ("claimed", "fresh"):
                claimed.append((work, result, attempts))
                if outcome == "fresh":
                    fresh.add(work.name)
            elif outcome == "sent":
                with self._lock:
                    work.emailed.add(student.student_id)
        if not claimed:
            return
        email = combined_student_email([(result, work.info, work.book) for work, result, _ in claimed], student.name)
        try:
            message_id = self.mailer.send(student.email, email.subject, email.text, email.html)
        except SendFailed as error:
            if isinstance(error, DailyQuotaExceeded):
                with self._lock:
                    stop["stop"] = "quota"
            for work, _, attempts in claimed:
                self._ledger_put(
                    work,
                    student.student_id,
                    work.name in fresh,
                    {
                        "status": "failed",
                        "error": str(error),
                        "attempts": attempts + error.attempts,
                        "failedAt": to_iso(self.runtime.now()),
                        "runId": self.chain.run_id,
                    },
                )
                self._fail(
                    Failure("email-failed", str(error), work.info.subject, work.info.test_id, student.student_id),
                    chain=True,
                )
            with self._lock:
                self.result.emails_failed += 1
                self.chain.emails_failed += 1
            return
        for work, _, _ in claimed:
            self._ledger_put(
                work,
                student.student_id,
                work.name in fresh,
                {
                    "status": "sent",
                    "messageId": message_id,
                    "sentAt": to_iso(self.runtime.now()),
                    "runId": self.chain.run_id,
                },
            )
            with self._lock:
                work.emailed.add(student.student_id)
                self.chain.sent_by_test[work.name] = self.chain.sent_by_test.get(work.name, 0) + 1
        with self._lock:
            self.result.emails_sent += 1
            self.chain.emails_sent += 1

    def _ledger_put(self, work: TestWork, sid: str, fresh: bool, record: dict[str, Any]) -> None:
        if fresh and record["status"] == "sent":
            with self._lock:
                if not work.unrecorded:
                    work.unrecorded_since = time.monotonic()
                work.unrecorded[sid] = record
                due = len(work.unrecorded) >= self.settings.ledger_batch or (
                    time.monotonic() - work.unrecorded_since >= self.settings.ledger_batch_s
                )
            if due:
                self._flush_ledger(work)
            return
        key = layout.email_ledger_key(work.info.subject, work.info.test_id, sid)
        if not fresh:
            self.data.put_json(key, record)  # over our own claim
        elif not self.data.put_if_absent(key, record):
            # Under our lease nobody writes a new record, except a scorer version without leases (module doc).
            why = f"{key} was written by an invocation ignoring the sending lease; the email may have gone twice"
            self._fail(Failure("ledger", why, work.info.subject, work.info.test_id, sid), chain=True)

    def _flush_ledger(self, work: TestWork) -> None:
        """Write the records of the fresh sends not yet recorded as one batch (create-only, a key of its own)."""
        with self._lock:
            records, work.unrecorded = work.unrecorded, {}
            if not records:
                return
            work.batches += 1
            batch_id = f"{self.chain.run_id}-{self.chain.link}-{self._invocation}-{work.batches:05d}"
        key = layout.email_ledger_batch_key(work.info.subject, work.info.test_id, batch_id)
        try:
            written = self.data.put_if_absent(key, {"records": dict(sorted(records.items()))})
        except (ClientError, BotoCoreError) as error:
            written, why = False, f"S3: {error}"
        else:
            why = f"{key} existed already"
        if not written:
            # Sent without a record: keep the lease so it expires rather than letting another run resend now.
            with self._lock:
                work.keep_lease = True
            names = ", ".join(list(records)[:10]) + (", ..." if len(records) > 10 else "")
            only = next(iter(records)) if len(records) == 1 else ""
            why = f"sent, not recorded ({names}): {why}"
            self._fail(Failure("ledger", why, work.info.subject, work.info.test_id, only), chain=True)

    def _take_lease(self, work: TestWork) -> bool:
        """Take the test's sending lease and list its ledger records; False when another invocation holds it."""
        key = lease_key(work.info.subject, work.info.test_id)
        lease = {
            "status": "held",
            "claimedAt": to_iso(self.runtime.now()),
            "runId": self.chain.run_id,
            "link": self.chain.link,
        }
        try:
            etag = self.data.put_conditional(key, lease)
            if etag is None:
                found = self.data.get_json_etag(key)
                if found is None:  # released by deletion between the two requests
                    etag = self.data.put_conditional(key, lease)
                else:
                    record, current = found
                    held = isinstance(record, dict) and record.get("status") == "held"
                    if held and not self._stale(record.get("claimedAt")):
                        return False
                    etag = self.data.put_conditional(key, lease, current)
            if etag is None:
                return False  # another invocation took it between our requests
            work.lease_etag = etag
            own, batches = email_ledger_listing(self.data, work.info.subject, work.info.test_id)
            work.ledgers = set(own)
            for batch in batches:
                self._read_batch(work, batch)
        except (ClientError, BotoCoreError) as error:
            # Without the listing we cannot send; a lease we took expires (its emails wait for the next run).
            work.lease_etag = None
            self._fail(Failure("ledger", f"sending lease: S3: {error}", work.info.subject, work.info.test_id))
            return False
        return True

    def _read_batch(self, work: TestWork, key: str) -> None:
        """The students a ledger batch records as sent: emailed, so no longer pending."""
        records = batch_records(self.data, key)
        if records is None:
            # Unknown who is in it: hold back this test's emails rather than risk second ones; the trainer is told.
            work.pending = {}
            self._fail(
                Failure("ledger", f"{key} is unreadable; the test's emails wait", work.info.subject, work.info.test_id)
            )
            return
        for sid, record in records.items():
            if isinstance(record, dict) and record.get("status") == "sent":
                work.emailed.add(str(sid))
                work.pending.pop(str(sid), None)

    def _release_lease(self, work: TestWork) -> None:
        if work.lease_etag is None:
            return
        etag, work.lease_etag = work.lease_etag, None
        if work.keep_lease:
            return  # an email without its record: the lease expires after SENDING_CLAIM_TIMEOUT_S
        free = {"status": "free", "releasedAt": to_iso(self.runtime.now()), "runId": self.chain.run_id}
        try:
            self.data.put_conditional(lease_key(work.info.subject, work.info.test_id), free, etag)
        except (ClientError, BotoCoreError) as error:  # it expires instead
            self._fail(
                Failure("ledger", f"sending lease not released: S3: {error}", work.info.subject, work.info.test_id)
            )

    def _fail(self, failure: Failure, chain: bool = False) -> None:
        with self._lock:
            self.result.failures.append(failure)
            if chain:
                self.chain.failures.append(failure)

    def _claim(self, work: TestWork, sid: str) -> tuple[str, int]:
        """("claimed", earlier attempts) when this run may send; "fresh" when it may send without a claim (no
        record when our lease was taken: the record is created after sending); "sent", "busy" or "later"
        otherwise."""
        if work.lease_etag is not None and sid not in work.ledgers:
            return "fresh", 0
        key = layout.email_ledger_key(work.info.subject, work.info.test_id, sid)
        claim = {"status": "sending", "claimedAt": to_iso(self.runtime.now()), "runId": self.chain.run_id}
        if work.lease_etag is None and self.data.put_if_absent(key, claim):
            return "claimed", 0
        found = self.data.get_json_etag(key)
        if found is None:  # deleted between the two requests
            return ("claimed", 0) if self.data.put_if_absent(key, claim) else ("busy", 0)
        record, etag = found
        if not isinstance(record, dict):
            # Unknown whether it was sent: better no email than a second one; the trainer is told.
            self._fail(Failure("ledger", f"{key} is unreadable; not sent", work.info.subject, work.info.test_id, sid))
            return "busy", 0
        status, attempts = record.get("status"), int(record.get("attempts") or 0)
        if status == "sent":
            return "sent", attempts
        if status == "failed" and record.get("runId") == self.chain.run_id:
            return "later", attempts  # failed in this run already: the next scheduled run retries it
        if status == "sending" and not self._stale(record.get("claimedAt")):
            return "busy", attempts  # another invocation is sending it right now
        # Failed in an earlier run, or a claim of an invocation that died: take it over, atomically.
        return ("claimed", attempts) if self.data.put_if_match(key, claim, etag) else ("busy", attempts)

    def _stale(self, claimed_at: Any) -> bool:
        try:
            moment = parse_instant(claimed_at)
        except (TypeError, ValueError):
            return True
        return self.runtime.now() - moment > timedelta(seconds=self.settings.claim_timeout_s)

    # -- hand-over and summary -------------------------------------------------------------------------------

    def _hand_over(self, pending: int) -> bool:
        """Invoke the next link for the ``pending`` emails; False (and named) when that is not possible."""
        if self.runtime.invoke is None or self.chain.link + 1 >= self.settings.max_links:
            why = "no way to invoke a follow-up" if self.runtime.invoke is None else "too many hand-overs"
            self._fail(Failure("handover", f"{pending} emails left for the next run: {why}"), chain=True)
            self.result.emails_deferred += pending
            if self.runtime.invoke is not None and self.runtime.report_failure is not None:
                self.runtime.report_failure(
                    f"stopped after {self.chain.link + 1} invocations (the most one run may chain) with {pending} "
                    "emails still to send; the next scheduled run sends them"
                )
            return False
        following = Continuation(
            self.chain.run_id,
            self.chain.link + 1,
            self.chain.emails_sent,
            self.chain.emails_failed,
            self.chain.sent_by_test,
            self.chain.failures,
        )
        try:
            self.runtime.invoke({"asOf": to_iso(self.as_of), "continuation": following.to_event()})
        except (ClientError, BotoCoreError) as error:
            self._fail(Failure("handover", f"{pending} emails left for the next run: {error}"), chain=True)
            self.result.emails_deferred += pending
            return False
        self.result.handed_over = True
        return True

    def _covered(self, work: TestWork) -> bool:
        if work.summary_ledger is None:
            return False
        record, _ = work.summary_ledger
        return isinstance(record, dict) and record.get("status") == "sent" and record.get("version") == work.version

    def _claim_summary(self, work: TestWork) -> bool:
        key = layout.summary_ledger_key(work.info.subject, work.info.test_id)
        claim = {
            "status": "sending",
            "version": work.version,
            "claimedAt": to_iso(self.runtime.now()),
            "runId": self.chain.run_id,
        }
        if work.summary_ledger is None:
            return self.data.put_if_absent(key, claim)
        record, etag = work.summary_ledger
        if isinstance(record, dict) and record.get("status") == "sending" and not self._stale(record.get("claimedAt")):
            return False
        return self.data.put_if_match(key, claim, etag)

    def _send_summary(self, works: Sequence[TestWork]) -> None:
        """One trainer email per run with anything new; ledgers record which tests it covered."""
        new = [work for work in works if not self._covered(work)]
        chain_news = self.chain.emails_sent or self.chain.emails_failed or self.chain.failures
        if not new and not chain_news:
            return
        new = [work for work in new if self._claim_summary(work)]  # another run may be covering some
        if not new and not chain_news:
            return
        names = {work.name for work in new}
        failures = [f for f in self.result.failures if f.kind not in STATE_KINDS or f"{f.subject}/{f.test_id}" in names]
        seen = set(failures)
        failures += [f for f in self.chain.failures if f not in seen]  # those of earlier links of this run
        sections = [self._section(work) for work in new]
        counts = SummaryCounts(
            self.chain.emails_sent, self.chain.emails_failed, self.result.emails_deferred, dict(self.chain.sent_by_test)
        )
        email = trainer_summary(to_iso(self.as_of), sections, failures, counts)
        try:
            message_id = self.mailer.send(self.settings.trainer, email.subject, email.text, email.html)
        except SendFailed as error:
            self.result.failures.append(Failure("summary-failed", str(error)))
            for work in new:
                self.data.put_json(
                    layout.summary_ledger_key(work.info.subject, work.info.test_id),
                    {
                        "status": "failed",
                        "version": work.version,
                        "error": str(error),
                        "failedAt": to_iso(self.runtime.now()),
                        "runId": self.chain.run_id,
                    },
                )
            return
        self.result.summary_sent = True
        for work in new:
            self.data.put_json(
                layout.summary_ledger_key(work.info.subject, work.info.test_id),
                {
                    "status": "sent",
                    "version": work.version,
                    "messageId": message_id,
                    "coveredAt": to_iso(self.runtime.now()),
                    "runId": self.chain.run_id,
                },
            )

    def _section(self, work: TestWork) -> SummaryTest:
        if work.key is None:
            return SummaryTest(work.info, note=f"Not scored: {work.version.removeprefix('unscored: ')}")
        rows = []
        for sid, row in sorted(work.rows.items()):
            student = self.students.get(sid)
            rows.append(
                SummaryRow(
                    sid,
                    student.name if student else "",
                    int(row.get("correct", 0)),
                    int(row.get("questions", 0)),
                    float(row.get("percent", 0.0)),
                    row.get("grade", 0),
                )
            )
        missing = [(sid, self.students[sid].name) for sid in self._missing(work)]
        return SummaryTest(work.info, rows, missing)


def run(
    settings: Settings,
    data: S3Data,
    mailer: Mailer,
    runtime: Runtime,
    as_of: datetime,
    continuation: Continuation | None = None,
) -> RunResult:
    return ScorerRun(settings, data, mailer, runtime, as_of, continuation).execute()
