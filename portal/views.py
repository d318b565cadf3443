"""The portal's pages. Each one is a call or two to the REST API with the signed-in user's key, rendered.

Students: sign in, open tests, take a test (all questions on one page), review, submit, confirmation.
Trainer: results per test. Who is who is the API's answer to the key, never the portal's decision.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import (
    Blueprint,
    abort,
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
from wtforms.validators import DataRequired, Length

from portal.api import ApiClient, ApiFailure

LOG = logging.getLogger(__name__)
blueprint = Blueprint("portal", __name__)

ANSWER_PREFIX = "answer."
STUDENT, TRAINER = "student", "trainer"

View = TypeVar("View", bound=Callable[..., Any])


class SignInForm(FlaskForm):
    api_key = PasswordField("API key", validators=[DataRequired(), Length(min=8, max=256)])


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
    status = failure.status if 400 <= failure.status < 600 else 502
    return render_template("error.html", title="Not possible", message=failure.message, code=failure.code), status


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
    error = None
    if form.validate_on_submit():
        key = str(form.api_key.data).strip()
        try:
            role, who = _identify(key)
        except ApiFailure as failure:
            LOG.info("sign-in refused (%s)", failure.code)
            error = (
                "This API key was not accepted. Check it and try again." if failure.status == 403 else failure.message
            )
        else:
            _new_session()  # a fresh session id (and CSRF token) for the new identity
            session.permanent = True
            session.update(api_key=key, role=role, who=who)
            LOG.info("signed in as %s %s", role, who)
            return redirect(url_for("portal.home"))
    elif request.method == "POST":
        error = "Enter your API key (8 characters or more)."
    notice = session.pop("notice", None)
    status = 403 if error and request.method == "POST" else 200
    return render_template("signin.html", form=form, error=error, notice=notice), status


def _identify(key: str) -> tuple[str, str]:
    """``(role, display name)``: a student if POST /api/v1/tests accepts the key, the trainer if the results do."""
    try:
        listing = api().list_tests(key)
        return STUDENT, str(listing.get("studentId") or "student")
    except ApiFailure as failure:
        if failure.status != 403:
            raise
        student_refusal = failure
    try:
        api().results(key)
    except ApiFailure as failure:
        raise student_refusal if failure.status == 403 else failure from None
    return TRAINER, "trainer"


@blueprint.post("/signout")
def sign_out() -> Response:
    _new_session()
    session["notice"] = "You are signed out."
    return redirect(url_for("portal.sign_in"))


@blueprint.get("/tests")
@signed_in(STUDENT)
def open_tests() -> Response | str | tuple[str, int]:
    try:
        listing = api().list_tests(_key())
    except ApiFailure as failure:
        return failure_page(failure)
    return render_template("tests.html", listing=listing, notice=session.pop("notice", None))


def _chosen(questions: list[dict[str, Any]]) -> dict[str, str]:
    """The choices posted in the form, for the questions of the test (anything else is ignored)."""
    chosen: dict[str, str] = {}
    for question in questions:
        value = request.form.get(ANSWER_PREFIX + str(question.get("questionId")))
        if value and any(value == choice.get("answerId") for choice in question.get("answers", [])):
            chosen[str(question["questionId"])] = value
    return chosen


@blueprint.route("/test/<subject>/<test_id>", methods=["GET", "POST"])
@signed_in(STUDENT)
def take_test(subject: str, test_id: str) -> Response | str | tuple[str, int]:
    """All questions on one page; a POST comes back from the review step with the answers to pre-select."""
    try:
        test = api().get_test(_key(), subject, test_id)
    except ApiFailure as failure:
        return failure_page(failure)
    chosen = _chosen(test.get("questions", [])) if request.method == "POST" else {}
    return render_template("test.html", test=test, chosen=chosen, prefix=ANSWER_PREFIX)


@blueprint.post("/test/<subject>/<test_id>/review")
@signed_in(STUDENT)
def review_test(subject: str, test_id: str) -> Response | str | tuple[str, int]:
    try:
        test = api().get_test(_key(), subject, test_id)
    except ApiFailure as failure:
        return failure_page(failure)
    questions = test.get("questions", [])
    chosen = _chosen(questions)
    unanswered = [q for q in questions if str(q.get("questionId")) not in chosen]
    return render_template(
        "review.html", test=test, chosen=chosen, unanswered=unanswered, prefix=ANSWER_PREFIX, questions=questions
    )


@blueprint.post("/test/<subject>/<test_id>/submit")
@signed_in(STUDENT)
def submit_test(subject: str, test_id: str) -> Response | str | tuple[str, int]:
    answers = {
        name.removeprefix(ANSWER_PREFIX): value
        for name, value in request.form.items()
        if name.startswith(ANSWER_PREFIX) and value
    }
    try:
        stored = api().submit_test(_key(), subject, test_id, answers)
    except ApiFailure as failure:
        return failure_page(failure)
    session["confirmation"] = {
        "subjectName": stored.get("subjectName", subject),
        "testId": stored.get("testId", test_id),
        "receivedAt": stored.get("receivedAt"),
        "answered": stored.get("answered"),
        "questionCount": stored.get("questionCount"),
    }
    return redirect(url_for("portal.submitted"))


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
    subject = (request.args.get("subjectName") or "").strip() or None
    test_id = (request.args.get("testId") or "").strip() or None
    if test_id and not subject:
        abort(400, "Choose the subject of the test too.")
    try:
        document = api().results(_key(), subject, test_id)
    except ApiFailure as failure:
        return failure_page(failure)
    return render_template("results.html", tests=document.get("tests", []), subject=subject, test_id=test_id)
