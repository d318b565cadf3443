"""The portal's pages. Each one is a call or two to the REST API with the signed-in user's key, rendered.

Students: sign in, open tests, take a test (all questions on one page), review, submit, confirmation.
Trainer: results per test, with the item analysis (a grade chart, the class's figures, each question's facility,
discrimination and choices) and a CSV gradebook. Who is who is the API's answer to the key, never the portal's
decision.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import (
    Blueprint,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import PasswordField

from portal import trainer_report
from portal.api import ApiClient, ApiFailure
from portal.checks import (
    ANSWER_PREFIX,
    CHOICES_PREFIX,
    Answer,
    api_key_problem,
    chosen_answers,
    cleaned_key,
    id_parameter,
    posted_answers,
)
from portal.words import _, _p

LOG = logging.getLogger(__name__)
blueprint = Blueprint("portal", __name__)

STUDENT, TRAINER = "student", "trainer"
# When this session last sent each test ("subject/testId" -> receivedAt): the tests list shows it for a resubmit
# test, whose listing entry says only that it was submitted (the API's listing reads no submission).
SENT_AT, SENT_AT_KEPT = "sent_at", 50
FIELD_PREFIXES = {"prefix": ANSWER_PREFIX, "choices_prefix": CHOICES_PREFIX}  # the answer fields' names (checks.py)

View = TypeVar("View", bound=Callable[..., Any])


class SignInForm(FlaskForm):
    # Checked by portal.checks.api_key_problem (its own words for each way a key can be wrong), not by validators.
    api_key = PasswordField()  # its label is the template's (in the class's language)


@blueprint.app_template_filter("share")
def share(value: Any) -> str:
    return trainer_report.share_text(value)


@blueprint.app_template_filter("figure")
def figure(value: Any) -> str:
    """A figure of the analysis (mean, discrimination): as written, without trailing zeros, with the language's
    decimal sign ("66.67", "66,67"); a dash for none. The gradebook CSV keeps the point (spreadsheets' own rule)."""
    return trainer_report.number_text(value).replace(".", _p("decimal separator", ".")) or "–"


@blueprint.app_template_filter("grade_bars")
def grade_bars(analysis: Any) -> list[dict[str, Any]]:
    return trainer_report.grade_bars(analysis) if isinstance(analysis, dict) else []


@blueprint.app_template_filter("choices")
def choices(value: Any) -> str:
    return trainer_report.choices_text(value) if isinstance(value, dict) else "–"


def api() -> ApiClient:
    return cast(ApiClient, current_app.extensions["testtime_api"])


def _new_session() -> None:
    """Drop the stored session and start an empty one under a new id (Flask-Session's ``regenerate``): the old
    cookie then names nothing, so a saved copy of it signs nobody in, and no id is carried across a sign-in."""
    # Before clear(): regenerate() leaves an empty session alone.
    current_app.session_interface.regenerate(session)  # type: ignore[attr-defined]
    session.clear()


def _key() -> str:
    return str(session["api_key"])


def signed_in(role: str) -> Callable[[View], View]:
    """Only for a signed-in user of ``role``; others go to the sign-in page (or their own start page)."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if "api_key" not in session:
                return redirect(url_for("portal.sign_in"))
            if session.get("role") != role:
                return redirect(url_for("portal.home"))
            return view(*args, **kwargs)

        return cast(View, wrapper)

    return decorate


def failure_page(failure: ApiFailure) -> Response | tuple[str, int]:
    """The API's own message; a key the API no longer accepts ends the session."""
    if failure.status == 403:
        _new_session()
        session["notice"] = failure.message
        return redirect(url_for("portal.sign_in"))
    # The API's failures (5xx, no answer) are the upstream's: 502 Bad Gateway, never the portal's own 500.
    status = failure.status if 400 <= failure.status < 500 else 502
    return render_template("error.html", title=_("Not possible"), message=failure.message), status


@blueprint.get("/")
def home() -> Response:
    role = session.get("role") if "api_key" in session else None
    if role == STUDENT:
        return redirect(url_for("portal.open_tests"))
    if role == TRAINER:
        return redirect(url_for("portal.results"))
    return redirect(url_for("portal.sign_in"))


@blueprint.route("/signin", methods=["GET", "POST"])
def sign_in() -> Response | str | tuple[str, int]:
    form = SignInForm()
    error, status = None, 200
    if request.method == "POST":
        # CSRFProtect refused a POST without its token already. The key is checked before it goes into the
        # x-api-key header: requests encodes headers as Latin-1 (a Cyrillic key raised UnicodeEncodeError), and
        # CR/LF would split the header.
        key = cleaned_key(form.api_key.data)
        error = api_key_problem(key) if form.validate() else _("The form could not be read. Reload it and try again.")
        status = 400
    if request.method == "POST" and not error:
        try:
            role, who, student = _identify(key)
        except ApiFailure as failure:
            LOG.info("sign-in refused (%s)", failure.code)
            refused = _("This API key was not accepted. Check it and try again.")
            error = refused if failure.status == 403 else failure.message
            status = 403
        else:
            _new_session()  # a fresh session id (and CSRF token) for the new identity
            session.permanent = True
            session.update(api_key=key, role=role, who=who, student=student)
            LOG.info("signed in as %s %s", role, student or role)
            return redirect(url_for("portal.home"))
    notice = session.pop("notice", None)
    return render_template("signin.html", form=form, error=error, notice=notice), status


def _identify(key: str) -> tuple[str, str, str]:
    """``(role, name, student id)``: a student (the class list's name, else the id) if POST /api/v1/tests accepts
    the key, the trainer (no name: the header says "trainer" in the class's language) if the results do."""
    try:
        listing = api().list_tests(key)
        student = str(listing.get("studentId") or "")
        return STUDENT, str(listing.get("studentName") or student), student
    except ApiFailure as failure:
        if failure.status != 403:
            raise
        student_refusal = failure
    try:
        api().results(key)
    except ApiFailure as failure:
        raise student_refusal if failure.status == 403 else failure from None
    return TRAINER, "", ""


@blueprint.post("/signout")
def sign_out() -> Response:
    _new_session()
    session["notice"] = _("You are signed out.")
    return redirect(url_for("portal.sign_in"))


@blueprint.get("/tests")
@signed_in(STUDENT)
def open_tests() -> Response | str | tuple[str, int]:
    try:
        listing = api().list_tests(_key())
    except ApiFailure as failure:
        return failure_page(failure)
    sent = session.get(SENT_AT, {})
    return render_template("tests.html", listing=listing, notice=session.pop("notice", None), sent_at=sent)


def _closed(test: dict[str, Any]) -> bool:
    """Submitted, and a test that takes one submission only: its page says when, and shows no form."""
    return test.get("submitted") is True and test.get("resubmit") is not True


def _store_key(subject: str, test_id: str) -> str:
    """Where the browser keeps a test's answers until they are sent (static/taking.js): one place per student and
    test, so two students sharing a browser never see each other's answers."""
    return f"testtime:answers:{session.get('student', '')}:{subject}:{test_id}"


def _test_form(test: dict[str, Any], chosen: dict[str, Answer], problems: list[str]) -> tuple[str, int]:
    """The test's page again, with the answers that were choices checked and why the others were not taken.
    Questions and choices come in the order the API gave them (its own order for each student, when shuffled)."""
    store = _store_key(str(test.get("subjectName")), str(test.get("testId")))
    page = render_template(
        "test.html", test=test, chosen=chosen, problems=problems, closed=_closed(test), store=store, **FIELD_PREFIXES
    )
    return page, 400 if problems else 200


@blueprint.route("/test/<safe_id:subject>/<safe_id:test_id>", methods=["GET", "POST"])
@signed_in(STUDENT)
def take_test(subject: str, test_id: str) -> Response | str | tuple[str, int]:
    """All questions on one page; a POST comes back from the review step with the answers to pre-select."""
    try:
        test = api().get_test(_key(), subject, test_id)
    except ApiFailure as failure:
        return failure_page(failure)
    if request.method == "GET":
        return _test_form(test, {}, [])
    return _test_form(test, *chosen_answers(test.get("questions", []), request.form))


@blueprint.post("/test/<safe_id:subject>/<safe_id:test_id>/review")
@signed_in(STUDENT)
def review_test(subject: str, test_id: str) -> Response | str | tuple[str, int]:
    try:
        test = api().get_test(_key(), subject, test_id)
    except ApiFailure as failure:
        return failure_page(failure)
    questions = test.get("questions", [])
    chosen, problems = chosen_answers(questions, request.form)
    if problems or _closed(test):
        return _test_form(test, chosen, problems)
    # The confirmation page names the test; sending reads no test (see submit_test).
    session["reviewing"] = {
        "test": f"{subject}/{test_id}",
        "title": test.get("title"),
        "subjectTitle": test.get("subjectTitle"),
    }
    unanswered = [q for q in questions if str(q.get("questionId")) not in chosen]
    return render_template(
        "review.html", test=test, chosen=chosen, unanswered=unanswered, questions=questions, **FIELD_PREFIXES
    )


@blueprint.post("/test/<safe_id:subject>/<safe_id:test_id>/submit")
@signed_in(STUDENT)
def submit_test(subject: str, test_id: str) -> Response | str | tuple[str, int]:
    # One request on the way that works: the API checks the answers. The test is read only when the form or the
    # API refused them, to show the test's page again saying why (each student key has a rate of its own).
    answers = posted_answers(request.form)
    refusal: ApiFailure | None = None
    if answers is not None:
        try:
            stored = api().submit_test(_key(), subject, test_id, answers)
        except ApiFailure as failure:
            if failure.status != 400:
                return failure_page(failure)
            refusal = failure
        else:
            names = session.pop("reviewing", None) or {}
            if names.get("test") != f"{subject}/{test_id}":
                names = {}
            session["confirmation"] = {
                "subjectName": stored.get("subjectName", subject),
                "testId": stored.get("testId", test_id),
                "title": names.get("title") or test_id,
                "subjectTitle": names.get("subjectTitle") or subject,
                "store": _store_key(subject, test_id),
                "receivedAt": stored.get("receivedAt"),
                "answered": stored.get("answered"),
                "questionCount": stored.get("questionCount"),
                # 200 "replaced" (a test with resubmit): the new version replaced the earlier one
                "replaced": stored.get("status") == "replaced",
                "version": stored.get("version"),
            }
            _remember_sent(subject, test_id, stored.get("receivedAt"))
            return redirect(url_for("portal.submitted"))
    try:
        test = api().get_test(_key(), subject, test_id)
    except ApiFailure as failure:
        return failure_page(failure)
    chosen, problems = chosen_answers(test.get("questions", []), request.form)
    if problems or refusal is None:
        return _test_form(test, chosen, problems)
    return failure_page(refusal)  # the answers are choices, refused for another reason: the API's words


def _remember_sent(subject: str, test_id: str, received_at: object) -> None:
    if not isinstance(received_at, str):
        return
    sent = {name: at for name, at in dict(session.get(SENT_AT, {})).items() if name != f"{subject}/{test_id}"}
    sent[f"{subject}/{test_id}"] = received_at
    session[SENT_AT] = dict(list(sent.items())[-SENT_AT_KEPT:])  # the latest few: a session stays small


@blueprint.get("/submitted")
@signed_in(STUDENT)
def submitted() -> Response | str:
    confirmation = session.pop("confirmation", None)
    if not confirmation:
        return redirect(url_for("portal.open_tests"))
    return render_template("submitted.html", confirmation=confirmation)


@blueprint.get("/results")
@signed_in(TRAINER)
def results() -> Response | str | tuple[str, int]:
    typed = {name: request.args.get(name, "") for name in ("subjectName", "testId")}
    subject, subject_problem = id_parameter(typed["subjectName"], "subject")
    test_id, test_problem = id_parameter(typed["testId"], "test")
    problem = subject_problem or test_problem
    if not problem and test_id and not subject:
        problem = _("Choose the subject of the test too.")
    if problem:  # the filter form again with the reason; the API is not asked
        return render_template(
            "results.html", tests=[], error=problem, subject=typed["subjectName"][:64], test_id=typed["testId"][:64]
        ), 400
    try:
        document = api().results(_key(), subject, test_id)
    except ApiFailure as failure:
        return failure_page(failure)
    return render_template("results.html", tests=document.get("tests", []), subject=subject, test_id=test_id)


@blueprint.get("/results/gradebook.csv")
@signed_in(TRAINER)
def gradebook() -> Response | tuple[str, int]:
    """Every test's scores as one CSV (the rules of portal/trainer_report.py), downloaded as a file."""
    try:
        document = api().results(_key())
    except ApiFailure as failure:
        return failure_page(failure)
    response = Response(trainer_report.gradebook_csv(document), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="gradebook.csv"'
    return response
