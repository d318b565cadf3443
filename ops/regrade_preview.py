"""What a publish that changes the answer key of an already scored test would do to the students' scores.

The scorer keeps every scored student's answers in its state cache (``scorer/tests/<subject>/<test>.json``), so the
publisher can score the same answers under the new key before writing anything: ``--check`` names per test the
questions whose key changed and how many scores would change, and a real publish asks the trainer to confirm
(``--yes`` skips the question). The scorer's next run rescores such a test and emails each student whose score
changed; nobody else gets anything.

Reading is one GET of the published answer key per test of the content, and one GET of the state cache per test
whose key changed; the comparison itself is pure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ops.content.model import Test
from ops.deployment import SETTINGS_FILE, load_settings
from ops.i18n import TRAINER
from testtime import layout, s3io
from testtime.documents.codec import MalformedDocument
from testtime.documents.questions import AnswerKey, KeyEntry, answer_key_document, normalise, parse_answer_key
from testtime.documents.scorer_records import TestState, parse_state
from testtime.scoring import GradeScale, same_score, score_answers

_ = TRAINER.gettext
_n = TRAINER.ngettext

READ_WORKERS = 8
Getter = Callable[[str, str], bytes | None]  # (bucket, key) -> the object's bytes, None when there is none


@dataclass(frozen=True)
class TestRegrade:
    """A test whose answer key this publish changes; a regrade when the scorer scored it already (``rescored``)."""

    __test__ = False  # a domain class, not a pytest test case

    name: str  # <subject>/<testId>
    questions: tuple[str, ...]  # ids of the questions whose answer, points or partial credit changed (or new/gone)
    scored: int  # students the scorer has scored
    changed: tuple[str, ...]  # students whose score the new key changes, sorted
    unknown: int  # scored before the scorer kept answers: not previewed
    unreadable: str = ""  # why the scorer's state cache could not be read (nothing previewed)

    @property
    def rescored(self) -> bool:
        """Whether the scorer scored the test already (or its record of that cannot be read): publishing the new key
        needs the trainer's confirmation, and the scorer's next run rescores it. A key changed before any score is
        just a change of the test (:func:`read_key_changes`)."""
        return self.scored > 0 or bool(self.unreadable)

    def line(self, *, check: bool) -> str:
        """The test in the trainer's words, e.g. "networks/test01: answer key changed for questions 2, 5; 3 of 18
        students' scores would change; they get an email with the new score"."""
        which = ", ".join(self.questions)
        if self.unreadable:
            return _n(
                "{test}: answer key changed for question {questions}; the scorer's record of its scores could not be "
                "read ({why}), so no score was previewed: it is rescored and each changed score emailed",
                "{test}: answer key changed for questions {questions}; the scorer's record of its scores could not be "
                "read ({why}), so no score was previewed: it is rescored and each changed score emailed",
                len(self.questions),
                test=self.name,
                questions=which,
                why=self.unreadable,
            )
        parts = [
            _n(
                "{test}: answer key changed for question {questions}",
                "{test}: answer key changed for questions {questions}",
                len(self.questions),
                test=self.name,
                questions=which,
            )
        ]
        previewed = self.scored - self.unknown
        if self.changed and check:
            parts.append(
                _n(
                    "{changed} of {n} student's score would change; they get an email with the new score",
                    "{changed} of {n} students' scores would change; they get an email with the new score",
                    previewed,
                    changed=len(self.changed),
                )
            )
        elif self.changed:
            parts.append(
                _n(
                    "{changed} of {n} student's score changes at the scorer's next run; they get an email with the "
                    "new score",
                    "{changed} of {n} students' scores change at the scorer's next run; they get an email with the "
                    "new score",
                    previewed,
                    changed=len(self.changed),
                )
            )
        elif previewed and check:
            parts.append(
                _n(
                    "no score of the {n} scored student would change",
                    "no score of the {n} scored students would change",
                    previewed,
                )
            )
        elif previewed:
            parts.append(
                _n(
                    "no score of the {n} scored student changes",
                    "no score of the {n} scored students changes",
                    previewed,
                )
            )
        if self.unknown:
            parts.append(
                _n(
                    "{n} score could not be previewed (scored before this version): it is rescored and emailed if it "
                    "changed",
                    "{n} scores could not be previewed (scored before this version): they are rescored and emailed if "
                    "they changed",
                    self.unknown,
                )
            )
        return "; ".join(parts)


class NotConfirmed(Exception):
    """The trainer did not confirm (or could not be asked): nothing may be written."""


# -- pure ------------------------------------------------------------------------------------------------------


def _meaning(entry: KeyEntry) -> tuple[object, ...]:
    """What of a key entry decides scores: the right choice(s) as the scorer compares them, points, partial."""
    answer = frozenset(map(normalise, entry.answer)) if entry.multiple else normalise(entry.answer)
    return (answer, entry.multiple, float(entry.points), entry.partial)


def changed_questions(old: AnswerKey | None, new: AnswerKey) -> tuple[str, ...]:
    """Ids of the questions whose scoring differs between ``old`` and ``new``, in ``new``'s order, then those
    ``new`` dropped; an explanation alone changes no score. ``old`` None (unreadable): every question."""
    if old is None:
        return tuple(entry.question_id for entry in new.entries)
    before = {entry.question_id: _meaning(entry) for entry in old.entries}
    after = {entry.question_id: _meaning(entry) for entry in new.entries}
    return (
        *(qid for qid, meaning in after.items() if before.get(qid) != meaning),
        *(qid for qid in before if qid not in after),
    )


def preview(
    subject: str, test_id: str, old: AnswerKey | None, new: AnswerKey, state: TestState | None, scale: GradeScale
) -> TestRegrade | None:
    """The regrade of one test, or None when nobody was scored or no question's scoring changed."""
    questions = changed_questions(old, new)
    if state is None or not state.rows or not questions:
        return None
    changed, unknown = [], 0
    for student_id, row in sorted(state.rows.items()):
        if row.answers is None:  # cached before the scorer kept answers
            unknown += 1
            continue
        after = score_answers(row.answers, new, scale, subject, test_id, student_id, row.version)
        if not same_score(row, after):
            changed.append(student_id)
    return TestRegrade(f"{subject}/{test_id}", questions, len(state.rows), tuple(changed), unknown)


# -- reading the bucket ------------------------------------------------------------------------------------------


def read_key_changes(
    bucket: str, tests: Sequence[Test], scale: GradeScale, get: Getter = s3io.get_bytes
) -> list[TestRegrade]:
    """Every published test of ``tests`` whose answer key this publication changes, in the tests' order: the
    questions whose scoring changes (none: only an explanation or the file's layout did) and, for a test already
    scored, the regrade (``rescored``: what the publisher confirms first); ``scored`` is 0 for a test nobody was
    scored on yet. Reads only. A published key that cannot be read counts as changed on every question; a state
    cache that cannot be read gives a regrade nothing of which was previewed (the scorer rescores it anyway), not a
    stop."""

    def one(test: Test) -> TestRegrade | None:
        name = f"{test.subject}/{test.test_id}"
        key_name = layout.answer_key_key(test.subject, test.test_id)
        body = answer_key_document(test.key_entries())  # the bytes the publisher renders (ops.content.render)
        published = get(bucket, key_name)
        if published is None or published == body:
            return None
        new = parse_answer_key(key_name, body)
        try:
            old: AnswerKey | None = parse_answer_key(key_name, published)
        except MalformedDocument:
            old = None
        questions = changed_questions(old, new)
        if not questions:
            return TestRegrade(name, (), 0, (), 0)  # an explanation or the layout changed, no score can
        state_key = layout.scorer_state_key(test.subject, test.test_id)
        try:
            state = parse_state(state_key, get(bucket, state_key))
        except MalformedDocument as error:  # the scorer's to mend (it rescores); it must not stop a publication
            return TestRegrade(name, questions, 0, (), 0, unreadable=str(error))
        return preview(test.subject, test.test_id, old, new, state, scale) or TestRegrade(name, questions, 0, (), 0)

    with ThreadPoolExecutor(READ_WORKERS) as pool:
        found = list(pool.map(one, tests))
    return [change for change in found if change is not None]


def deployed_grade_scale(settings: Path = SETTINGS_FILE) -> GradeScale:
    """The grade scale the scorer is deployed with: ``grade_scale`` of group_vars/all.yml, which the service stack
    hands to the scorer as GRADE_SCALE (templates/cfn/service.yaml.j2)."""
    return load_settings(settings).grade_scale


# -- asking the trainer ------------------------------------------------------------------------------------------


def confirmation(*, yes: bool, stdin: IO[str], stdout: IO[str]) -> Callable[[Iterable[TestRegrade]], None]:
    """What a real publish calls with the regrades it would cause, before it writes anything: returns to go on,
    raises NotConfirmed to publish nothing. ``yes`` (``--yes``) goes on without asking; without a terminal to ask
    on, it refuses."""

    def confirm(regrades: Iterable[TestRegrade]) -> None:
        regrades = list(regrades)
        if yes or not regrades:
            return
        names = ", ".join(regrade.name for regrade in regrades)
        if not stdin.isatty():
            raise NotConfirmed(
                _(
                    "the answer key of {tests} changed after it was scored, and there is no terminal to ask whether "
                    "to rescore: run again with --yes to publish and rescore",
                    tests=names,
                )
            )
        for regrade in regrades:
            print(regrade.line(check=True), file=stdout)
        print(_("Publish and rescore? [y/N] "), end="", file=stdout, flush=True)
        answer = stdin.readline()
        # "y" always works; the language's own word for yes too ("t"/"tak" in Polish).
        yes_words = {"y", "yes", *_("y, yes").replace(" ", "").split(",")}
        if answer.strip().lower() not in yes_words:
            if not answer:
                print(file=stdout)  # end of input (Ctrl-D): end the prompt's line
            raise NotConfirmed(_("you did not confirm"))

    return confirm
