"""bin/test-time.sh, the student's terminal client, against the shared deployment: listing, piped answers, the
failures each with its own exit status, the history before and after a test closes for everybody, and whole
interactive runs in a real terminal (tmux): the first run, and a refused key asked again alone.

The module publishes a copy of content/ with students of its own (client01..client08, so that submissions never
collide with other tests), test01 due a week from now and a test whose deadline has passed; it publishes content/
again when done. The client runs with python3 from outside the .venv and without any AWS variable: it needs the
standard library only.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.integration.harness import ROOT, LocalAws, api_key, copy_sample_content, free_port, wait_until_listed

pytestmark = pytest.mark.integration

SUBJECT, TEST = "operating-systems", "test01"
SUBJECT_TITLE = "Systemy operacyjne"  # shown instead of the subject's id (issue 15)
CLOSED_TEST = "closed01"
CLIENTS = [f"client{number:02d}" for number in range(1, 9)]
# test01's questions, in order, with the published answer ids.
RIGHT_ANSWERS = ["a", "c", "a", "c", "a", "d"]
CLOSED_TEST_YAML = """\
title: A test whose deadline has passed
due: 2020-01-06T23:00:00+00:00
questions:
  - id: 1
    text: Is this test closed?
    choices:
      a: it is closed
      b: it is open
    answer: a
"""
# Issue 16: a shuffled test that takes multiple answers (partial credit, points) and resubmissions, and a test whose
# common deadline has passed but that client05 may still take (an extension).
RICH_TEST, EXTENDED_TEST, EXTENDED_STUDENT = "richer01", "extended01", "client05"
PRIVATE_RANGES = "Which are private IPv4 ranges?"
RICH_TEST_YAML = """\
title: Richer test
due: {due}
shuffle: true
resubmit: true
questions:
  - id: 1
    text: Which are private IPv4 ranges?
    choices: {{a: 10.0.0.0/8, b: 8.8.8.0/24, c: 192.168.0.0/16}}
    answer: [a, c]
    partial: true
    points: 2
  - id: 2
    text: What is a kernel?
    choices: {{a: the core of an operating system, b: a web browser}}
    answer: a
"""
EXTENDED_TEST_YAML = """\
title: A test extended for one student
due: 2020-01-06T23:00:00+00:00
extensions:
  {student}: {due}
questions:
  - id: 1
    text: Is this test open for you?
    choices: {{a: yes, b: no}}
    answer: a
"""


# Issue 15: a test scored while still open (the right answers hidden), then closed for everybody by publishing it
# again with a deadline in the past (the right answers and the explanation shown).
HISTORY_TEST, HISTORY_STUDENT = "history01", "client07"
HISTORY_TEST_YAML = """\
title: History of a test
due: {due}
questions:
  - id: 1
    text: What does a scheduler do?
    choices:
      a: it picks the process that runs next
      b: it formats disks
    answer: a
    explanation: The scheduler shares the processor between processes.
  - id: 2
    text: Which file system journals?
    choices:
      a: ext2
      b: ext4
    answer: b
"""


def in_days(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0).isoformat()


@pytest.fixture(scope="module")
def classroom_content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """content/ plus the students of this module and its tests (the history test publishes it again, changed)."""
    content = tmp_path_factory.mktemp("student-client") / "content"
    copy_sample_content(content)  # test01 due a week from now
    # The subject's display title (written after the copy, which gives every .yml under subjects/ a deadline).
    (content / "subjects" / SUBJECT / "subject.yml").write_text(f"title: {SUBJECT_TITLE}\n", encoding="utf-8")
    with (content / "students.yml").open("a", encoding="utf-8") as students:
        for student in CLIENTS:
            students.write(f"- id: {student}\n  name: Client {student[-2:]}\n  email: {student}@example.com\n")
    tests = content / "subjects" / SUBJECT
    (tests / f"{CLOSED_TEST}.yml").write_text(CLOSED_TEST_YAML, encoding="utf-8")
    (tests / f"{RICH_TEST}.yml").write_text(RICH_TEST_YAML.format(due=in_days(8)), encoding="utf-8")
    extended = EXTENDED_TEST_YAML.format(student=EXTENDED_STUDENT, due=in_days(10))
    (tests / f"{EXTENDED_TEST}.yml").write_text(extended, encoding="utf-8")
    # Due in 10 minutes: scored with --as-of just after that, so that no other test of the deployment is scored.
    history_due = (datetime.now(UTC) + timedelta(minutes=10)).replace(microsecond=0).isoformat()
    (tests / f"{HISTORY_TEST}.yml").write_text(HISTORY_TEST_YAML.format(due=history_due), encoding="utf-8")
    return content


@pytest.fixture(scope="module")
def classroom(deployed: LocalAws, classroom_content: Path) -> Iterator[LocalAws]:
    """The module's content published; content/ again afterwards."""
    deployed.run("update-subjects-or-students.sh", "--content", str(classroom_content))
    wait_until_served(deployed, api_key(deployed, CLIENTS[-1]))
    try:
        yield deployed
    finally:
        deployed.run("update-subjects-or-students.sh", check=False)


def api_status(aws: LocalAws, key: str, method: str, path: str, body: dict[str, Any] | None = None) -> int:
    request = urllib.request.Request(
        aws.outputs()["ApiUrl"] + path,
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={"x-api-key": key, "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def wait_until_served(aws: LocalAws, key: str, timeout: float = 90) -> None:
    """Each function caches the class list and the catalog for a while (CACHE_TTL_SECONDS, 15 s by default): wait
    until all three know the new students and the closed test, so that no test sees the previous publication."""
    closed = {"subjectName": SUBJECT, "testId": CLOSED_TEST}
    probes = [
        ("POST", "/api/v1/tests", {}, 200),
        ("GET", f"/api/v1/test?subjectName={SUBJECT}&testId={CLOSED_TEST}", None, 410),
        ("POST", "/api/v1/test", {**closed, "answers": []}, 410),  # closed: nothing can be stored
    ]
    deadline = time.monotonic() + timeout
    for method, path, body, expected in probes:
        while (status := api_status(aws, key, method, path, body)) != expected:
            assert time.monotonic() < deadline, f"{method} {path}: {status} instead of {expected} after publishing"
            time.sleep(1)


def client_env(aws: LocalAws, config: Path) -> dict[str, str]:
    """A student's environment: no AWS variable (the harness drops them), no .venv on PATH."""
    env = aws.env(TRAININGS_CONFIG=str(config))
    for name in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"):
        env.pop(name, None)
    env["PATH"] = os.pathsep.join(part for part in env["PATH"].split(os.pathsep) if ".venv" not in part)
    env.update(COLUMNS="100", LINES="24")  # the client wraps to the terminal: one width, whatever ran before
    return env


def client(aws: LocalAws, config: Path, *args: str, input: str | None = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ROOT / "bin" / "test-time.sh"), *args],
        cwd=ROOT,
        env=client_env(aws, config),
        input=input,
        text=True,
        capture_output=True,
        timeout=120,
    )


def save_config(aws: LocalAws, student: str, config: Path) -> Path:
    aws.run("bin/pull-api-config.sh", "--student", student, "--save", TRAININGS_CONFIG=str(config), timeout=120)
    return config


def write_config(path: Path, url: str, key: str) -> Path:
    path.write_text(f"API_URL={url}\nAPI_KEY={key}\n", encoding="utf-8")
    path.chmod(0o600)
    return path


def stored_submission(
    aws: LocalAws, student: str, test_id: str = TEST, leaf: str = "testResult.json"
) -> dict[str, Any]:
    body = aws.client("s3").get_object(
        Bucket=aws.outputs()["DataBucketName"], Key=f"{SUBJECT}/{test_id}/{student}/{leaf}"
    )["Body"]
    return json.loads(body.read())


def answers_of(submission: dict[str, Any]) -> list[str]:
    return [item["answer"] for item in submission["answers"]]


def lines(*answers: str) -> str:
    return "".join(f"{answer}\n" for answer in answers)


# ------------------------------------------------------------------------------------------ listing and piped runs


def test_list_prints_open_tests_with_deadlines_in_words(classroom: LocalAws, tmp_path: Path) -> None:
    config = save_config(classroom, "client01", tmp_path / "config")  # pull-api-config's file, used as it is
    proc = client(classroom, config, "--list")
    assert proc.returncode == 0, proc.stderr
    assert "Open tests for Client 01:" in proc.stdout  # the class list's name
    assert f"{SUBJECT_TITLE}: Operating systems basics (6 questions) [{SUBJECT}/{TEST}]" in proc.stdout
    assert re.search(
        r"deadline \w+day \d+ \w+ \d{4}, \d\d:\d\d \S+, "
        r"closes in (\d+ (days?|hours?|minutes?)( \d+ (hours?|minutes?))?|less than)",
        proc.stdout,
    )
    assert CLOSED_TEST not in proc.stdout
    assert proc.stderr == ""

    polish = tmp_path / "config-pl"  # the class's language given in the config (pull-api-config writes it)
    polish.write_text(config.read_text() + "LANGUAGE=pl\n", encoding="utf-8")
    polish.chmod(0o600)
    listed = client(classroom, polish, "--list")
    assert listed.returncode == 0, listed.stderr
    assert "Otwarte testy – Client 01:" in listed.stdout
    assert f"{SUBJECT_TITLE}: Operating systems basics (6 pytań) [{SUBJECT}/{TEST}]" in listed.stdout
    assert re.search(r"termin: \w+, \d+ \w+ \d{4}, \d\d:\d\d \S+, zamyka się za ", listed.stdout), listed.stdout


def test_piped_answers_are_stored_once(classroom: LocalAws, tmp_path: Path) -> None:
    config = save_config(classroom, "client03", tmp_path / "config")
    # Upper case is fine; 'e' is not a choice: the next line is the retry.
    answers = lines("a", "C", "e", "a", "c", "A", "d", "y")
    proc = client(classroom, config, "--subject", SUBJECT, "--test", TEST, input=answers)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "'e' is not one of a, b, c, d — type one of them" in proc.stdout
    assert "Question 3/6" in proc.stdout
    assert "Sending is final: once sent, these answers cannot be changed." in proc.stdout
    assert re.search(r"Stored: your answers to Operating systems basics were received on .+\d", proc.stdout)
    first = stored_submission(classroom, "client03")
    assert answers_of(first) == RIGHT_ANSWERS

    again = client(classroom, config, "--subject", SUBJECT, "--test", TEST, input=answers)
    assert again.returncode == 7
    assert "already submitted" in again.stderr
    assert "You submitted Operating systems basics on " in again.stdout  # before any question
    assert "Question" not in again.stdout and "Stored:" not in again.stdout
    assert stored_submission(classroom, "client03") == first
    assert TEST not in client(classroom, config, "--list").stdout


def test_no_confirmation_sends_nothing(classroom: LocalAws, tmp_path: Path) -> None:
    config = save_config(classroom, "client04", tmp_path / "config")
    ended = client(classroom, config, "--subject", SUBJECT, "--test", TEST, input=lines(*RIGHT_ANSWERS))
    assert ended.returncode == 1
    assert "Nothing was sent." in ended.stderr
    declined = client(classroom, config, "--subject", SUBJECT, "--test", TEST, input=lines(*RIGHT_ANSWERS, "n"))
    assert declined.returncode == 1
    assert "Nothing was sent." in declined.stderr
    assert f"{SUBJECT}/{TEST}" in client(classroom, config, "--list").stdout  # still open for this student


def test_closed_test_is_refused(classroom: LocalAws, tmp_path: Path) -> None:
    config = save_config(classroom, "client05", tmp_path / "config")
    proc = client(classroom, config, "--subject", SUBJECT, "--test", CLOSED_TEST, input=lines("a", "y"))
    assert proc.returncode == 6
    assert proc.stderr.startswith("test-time.sh: test closed: ")
    assert "2020" in proc.stderr  # the API says when it closed
    assert proc.stderr.count("\n") == 1


def test_failures_each_have_one_line_and_their_own_exit_status(classroom: LocalAws, tmp_path: Path) -> None:
    url = classroom.outputs()["ApiUrl"]
    refused = client(
        classroom, write_config(tmp_path / "refused", f"http://127.0.0.1:{free_port()}/api", "k"), "--list"
    )
    assert (refused.returncode, refused.stderr.count("\n")) == (4, 1)
    assert "connection refused" in refused.stderr
    wrong_key = client(classroom, write_config(tmp_path / "wrong", url, "not-a-key-of-this-api"), "--list")
    assert (wrong_key.returncode, wrong_key.stderr.count("\n")) == (5, 1)
    assert "API key was not accepted" in wrong_key.stderr
    assert "Forbidden" not in wrong_key.stderr and "403" not in wrong_key.stderr
    (tmp_path / "broken").write_text("this is not a config\n")
    (tmp_path / "broken").chmod(0o600)
    broken = client(classroom, tmp_path / "broken", "--list")
    assert (broken.returncode, broken.stderr.count("\n")) == (3, 1)
    assert "invalid config" in broken.stderr
    missing = client(classroom, tmp_path / "missing", "--list")  # no terminal to ask in
    assert (missing.returncode, missing.stderr.count("\n")) == (3, 1)
    assert not (tmp_path / "missing").exists()
    unknown = client(
        classroom,
        write_config(tmp_path / "ok", url, api_key(classroom, "client01")),
        "--subject",
        SUBJECT,
        "--test",
        "nope",
    )
    assert unknown.returncode == 9
    assert "has no test 'nope'" in unknown.stderr
    usage = client(classroom, tmp_path / "ok", "--test", TEST)
    assert usage.returncode == 2
    helped = client(classroom, tmp_path / "ok", "-h")
    assert helped.returncode == 0
    assert "exit status:" in helped.stdout
    assert "already submitted" in helped.stdout


def test_ids_and_keys_are_checked_before_any_request(classroom: LocalAws, tmp_path: Path) -> None:
    """Issue 18 point 2: an id with a trailing newline (which a ``$`` anchor lets through) or a path in it is refused
    as a usage error; a key no API key is, as a config error; both in one line, and nothing is stored."""
    config = save_config(classroom, "client04", tmp_path / "config")
    for args in (["--subject", f"{SUBJECT}\n", "--test", TEST], ["--subject", SUBJECT, "--test", f"{TEST}\n"]):
        proc = client(classroom, config, *args, input=lines(*RIGHT_ANSWERS, "y"))
        assert (proc.returncode, proc.stderr.count("\n")) == (2, 1), proc.stderr
        assert "is not an id: an id is 1 to 64 letters" in proc.stderr
        assert proc.stdout == ""
    traversal = client(classroom, config, "--subject", "..", "--test", TEST, input=lines(*RIGHT_ANSWERS, "y"))
    assert traversal.returncode == 2
    url = classroom.outputs()["ApiUrl"]
    cyrillic = client(classroom, write_config(tmp_path / "cyrillic", url, "ключ-" + api_key(classroom, "client04")))
    assert (cyrillic.returncode, cyrillic.stderr.count("\n")) == (3, 1), cyrillic.stderr
    assert "API_KEY has characters no API key has" in cyrillic.stderr
    assert f"{SUBJECT}/{TEST}" in client(classroom, config, "--list").stdout  # still open: nothing was stored


# ------------------------------------------------------------------------------------------ issue 16: richer tests


def served_test(aws: LocalAws, student: str, test_id: str) -> dict[str, Any]:
    """The test as the API serves it to ``student``: their own order of questions and choices."""
    request = urllib.request.Request(
        f"{aws.outputs()['ApiUrl']}/api/v1/test?subjectName={SUBJECT}&testId={test_id}",
        headers={"x-api-key": api_key(aws, student)},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def rich_answers(served: dict[str, Any], several: str, one: str) -> str:
    """Piped lines in the student's own order: ``several`` for the multiple-answer question, then y."""
    return lines(*(several if q.get("multiple") else one for q in served["questions"]), "y")


def answers_by_question(submission: dict[str, Any]) -> dict[str, Any]:
    return {item["questionId"]: item["answer"] for item in submission["answers"]}


def test_multiple_answers_points_own_order_and_a_replacement(classroom: LocalAws, tmp_path: Path) -> None:
    config = write_config(tmp_path / "config", classroom.outputs()["ApiUrl"], api_key(classroom, "client01"))
    served = served_test(classroom, "client01", RICH_TEST)
    proc = client(classroom, config, "--subject", SUBJECT, "--test", RICH_TEST, input=rich_answers(served, "C, a", "A"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert f"Richer test ({SUBJECT_TITLE}): 2 questions, 3 points" in out
    assert re.search(r"Question \d/2 \(2 points, partial credit\)\nWhich are private IPv4 ranges\?\n", out)
    assert re.search(r"Your answer \([abc], [abc], [abc] — choose one or more, e\.g\. [abc],[abc]\): C, a\n", out)
    shown = [out.index(str(question["question"])) for question in served["questions"]]
    assert shown == sorted(shown)  # the API's order, which is the student's own
    assert re.search(r"Stored: your answers to Richer test were received on .+\d", out)
    first = stored_submission(classroom, "client01", RICH_TEST)
    assert answers_by_question(first) == {"1": ["a", "c"], "2": "a"}

    listed = client(classroom, config, "--list").stdout
    assert re.search(
        rf": Richer test.*\[{SUBJECT}/{RICH_TEST}\]\n.*deadline .*\n\s+submitted.*; a new submission replaces", listed
    )

    again = client(classroom, config, "--subject", SUBJECT, "--test", RICH_TEST, input=rich_answers(served, "c", "b"))
    assert again.returncode == 0, again.stdout + again.stderr
    said = " ".join(again.stdout.split())
    assert "You submitted this test on " in said and "Sending these answers replaces the answers you submitted" in said
    assert "Replaced: version 2 of your answers to Richer test, received on " in said
    replaced = stored_submission(classroom, "client01", RICH_TEST, "testResult.2.json")
    assert replaced["version"] == 2 and answers_by_question(replaced) == {"1": ["c"], "2": "b"}
    assert stored_submission(classroom, "client01", RICH_TEST) == first  # every version kept


def test_an_extension_is_the_students_own_deadline(classroom: LocalAws, tmp_path: Path) -> None:
    wait_until_listed(classroom, EXTENDED_STUDENT, SUBJECT, EXTENDED_TEST)  # the API lists it to them: now the client
    url = classroom.outputs()["ApiUrl"]
    extended = write_config(tmp_path / "extended", url, api_key(classroom, EXTENDED_STUDENT))
    listed = client(classroom, extended, "--list")
    said = " ".join(listed.stdout.split())  # the client wraps to the terminal's width, whatever runs the tests
    assert re.search(rf"\[{SUBJECT}/{EXTENDED_TEST}\] deadline [^\[]+?, closes in (9|10) days", said), said
    other = write_config(tmp_path / "other", url, api_key(classroom, "client06"))
    assert EXTENDED_TEST not in client(classroom, other, "--list").stdout
    refused = client(classroom, other, "--subject", SUBJECT, "--test", EXTENDED_TEST, input=lines("a", "y"))
    assert refused.returncode == 6 and "test closed" in refused.stderr
    taken = client(classroom, extended, "--subject", SUBJECT, "--test", EXTENDED_TEST, input=lines("a", "y"))
    assert taken.returncode == 0, taken.stdout + taken.stderr
    assert re.search(r"\ndeadline .+, closes in (9|10) days\n", taken.stdout)
    assert answers_of(stored_submission(classroom, EXTENDED_STUDENT, EXTENDED_TEST)) == ["a"]


# ------------------------------------------------------------------------------------------ issue 15: the history


def history_of(aws: LocalAws, student: str) -> dict[str, Any]:
    request = urllib.request.Request(
        aws.outputs()["ApiUrl"] + "/api/v1/history", headers={"x-api-key": api_key(aws, student)}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def flat(text: str) -> str:
    return " ".join(text.split())  # the client wraps to the terminal's width, whatever runs the tests


def test_history_before_scoring_after_scoring_and_once_closed_for_everybody(
    classroom: LocalAws, classroom_content: Path, tmp_path: Path
) -> None:
    config = save_config(classroom, HISTORY_STUDENT, tmp_path / "config")
    wait_until_listed(classroom, HISTORY_STUDENT, SUBJECT, HISTORY_TEST)
    empty = client(classroom, config, "--history")
    assert (empty.returncode, empty.stdout) == (0, "Client 07 has not submitted any test yet.\n"), empty.stderr
    # Question 1 right, question 2 wrong (the test is not shuffled: the content's order).
    sent = client(classroom, config, "--subject", SUBJECT, "--test", HISTORY_TEST, input=lines("a", "a", "y"))
    assert sent.returncode == 0, sent.stdout + sent.stderr

    waiting = client(classroom, config, "--history")
    assert waiting.returncode == 0, waiting.stderr
    out = flat(waiting.stdout)
    assert out.startswith(f"Tests submitted by Client 07, newest first: {SUBJECT_TITLE}: History of a test ")
    assert re.search(r"Submitted on \w+day \d+ \w+ \d{4}, \d\d:\d\d", out), out
    assert "Not scored yet: your score appears here once it is scored." in out

    path = classroom_content / "subjects" / SUBJECT / f"{HISTORY_TEST}.yml"
    due = datetime.fromisoformat(re.search(r"^due: (.+)$", path.read_text(), re.MULTILINE).group(1))
    classroom.run("bin/score-now.sh", "--as-of", (due + timedelta(seconds=1)).isoformat(), "--yes")
    scored = client(classroom, config, "--history")
    assert scored.returncode == 0, scored.stderr
    out = flat(scored.stdout)
    assert "Score: 1 of 2 points (50%)" in out, out
    # Others may still submit: the score only, not even the student's own answers (they would give the key away).
    assert "your answer:" not in out and "right answer:" not in out and "The scheduler shares" not in out
    assert re.search(r"Your answers and the right answers are shown once the test closes for everybody: \w+day", out)

    # Closed for everybody: the same content published again with the test's deadline in the past.
    path.write_text(re.sub(r"^due: .+$", "due: 2020-01-06T23:00:00+00:00", path.read_text(), flags=re.MULTILINE))
    classroom.run("update-subjects-or-students.sh", "--content", str(classroom_content))
    deadline = time.monotonic() + 90  # each function keeps the catalog for a while (CACHE_TTL_SECONDS)
    while not history_of(classroom, HISTORY_STUDENT)["tests"][0]["closedForEverybody"]:
        assert time.monotonic() < deadline, "the history never said the test closed for everybody"
        time.sleep(1)
    closed = client(classroom, config, "--history")
    assert closed.returncode == 0, closed.stderr
    out = flat(closed.stdout)
    assert "Score: 1 of 2 points (50%)" in out
    assert (
        "your answer: a) it picks the process that runs next right answer: a) it picks the process that runs next "
        "(right) The scheduler shares the processor between processes." in out
    ), out
    assert "your answer: a) ext2 right answer: b) ext4 (wrong)" in out
    assert "shown once the test closes" not in out


# ------------------------------------------------------------------------------------------ a real terminal (tmux)


class Terminal:
    """One tmux server on its own socket (-L), 120x40, running one command; killed by close()."""

    def __init__(self, tmp_path: Path) -> None:
        self.socket = f"tt-client-{uuid.uuid4().hex[:12]}"
        self.tmp_path = tmp_path

    def tmux(self, *args: str) -> str:
        proc = subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args], capture_output=True, text=True, timeout=30
        )
        assert proc.returncode == 0, f"tmux {' '.join(args)}: {proc.stderr}"
        return proc.stdout

    def start(self, env: dict[str, str], *argv: str) -> None:
        script = self.tmp_path / f"{self.socket}.sh"
        exports = "".join(
            f"export {name}={shlex.quote(value)}\n"
            for name, value in sorted(env.items())
            if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name)
        )
        command = shlex.join(argv)
        script.write_text(f'{exports}cd {shlex.quote(str(ROOT))}\n{command}\necho "[exit $?]"\nexec sleep 600\n')
        self.tmux("new-session", "-d", "-x", "120", "-y", "40", "bash", "--noprofile", "--norc", str(script))

    def screen(self) -> str:
        """The whole scrollback, without trailing blanks (so ``$`` in a pattern means: the end of the output)."""
        captured = self.tmux("capture-pane", "-p", "-J", "-S", "-1000")
        return "\n".join(line.rstrip() for line in captured.splitlines()).rstrip()

    def type(self, text: str) -> None:
        if text:
            self.tmux("send-keys", "-l", text)
        self.tmux("send-keys", "Enter")

    def wait_for(self, pattern: str, timeout: float = 30) -> str:
        """The screen once ``pattern`` (a regex) is on it; a pattern ending in ``$`` is a prompt the program waits
        at now (nothing after it)."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if re.search(pattern, screen):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {pattern!r}; screen:\n{screen}")
            time.sleep(0.05)

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=30)
        # kill-server leaves the socket file behind: tmux keeps it in $TMUX_TMPDIR (else /tmp)/tmux-<uid>/.
        folder = Path(os.environ.get("TMUX_TMPDIR") or "/tmp") / f"tmux-{os.getuid()}"
        (folder / self.socket).unlink(missing_ok=True)


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    if shutil.which("tmux") is None:
        pytest.fail("tmux is needed for the terminal tests (./run-tests.sh installs it)")
    term = Terminal(tmp_path)
    try:
        yield term
    finally:
        term.close()


ANSWER_PROMPT = r"Your answer \(a, b, c, d\):$"


def test_interactive_first_run_typo_change_and_confirmation(
    classroom: LocalAws, terminal: Terminal, tmp_path: Path
) -> None:
    config = tmp_path / "home" / ".trainings" / "config"  # neither the file nor its folder exists yet
    url, key = classroom.outputs()["ApiUrl"], api_key(classroom, "client02")
    terminal.start(client_env(classroom, config), "bin/test-time.sh")

    terminal.wait_for(r"API URL:$")
    terminal.type(url)
    terminal.wait_for(r"API key \(not shown while you type\):$")
    terminal.type("wrong-key")
    # The URL answered: only the key is asked again.
    asked = terminal.wait_for(r"That did not work: your API key was not accepted.*\n(?:.*\n)*API key \(not shown.*:$")
    assert asked.count("API URL:") == 1
    assert not config.exists()  # nothing saved before the API accepts a key
    terminal.type(key)
    screen = terminal.wait_for(r"Which test\? Type its number \(1(-\d+)?\)(, or press Enter)?:$")
    assert key not in screen and "wrong-key" not in screen  # typed without echo
    assert f"OK, you are Client 02. Saved to {config}" in " ".join(screen.split())
    assert re.search(rf"\[{SUBJECT}/{TEST}\]\n\s+deadline .+, closes in \d+", screen)
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert stat.S_IMODE(config.parent.stat().st_mode) == 0o700
    assert f"API_KEY={key}\n" in config.read_text() and "STUDENT_ID=client02\n" in config.read_text()
    listed = re.search(rf"(\d+)\. [^\n]*\[{SUBJECT}/{TEST}\]", screen)  # content/ may hold other open tests
    assert listed, screen
    terminal.type(listed.group(1))

    for number, answer in enumerate(["b", "c", "e", "c", "a", "d"], start=1):  # 'e' is a typo
        terminal.wait_for(rf"Question {number}/6\n(?:.*\n)*{ANSWER_PROMPT}")
        terminal.type(answer)
        if answer == "e":
            terminal.wait_for(r"'e' is not one of a, b, c, d — type one of them\n" + ANSWER_PROMPT)
            terminal.type("A")

    review = terminal.wait_for(r"Send these answers\? y = send, n = cancel, 1-6 = change that answer:$")
    assert re.search(r"1\. What is a kernel\?\n\s+-> b\) a web application", review)
    assert re.search(r"3\. .*journaling\?\n\s+-> a\) ext2", review)
    terminal.type("1")  # change the first answer
    terminal.wait_for(r"Your answer \(a, b, c, d; Enter keeps b\):$")
    terminal.type("a")
    review = terminal.wait_for(r"Send these answers\? .*:$")
    assert re.search(r"1\. What is a kernel\?\n\s+-> a\) the core component", review.split("Review your answers")[-1])
    terminal.type("y")

    screen = terminal.wait_for(r"\[exit \d+\]")
    assert re.search(r"Stored: your answers to Operating systems basics were received on .+\d", screen), screen
    assert "[exit 0]" in screen
    assert key not in screen
    assert answers_of(stored_submission(classroom, "client02")) == RIGHT_ANSWERS


def test_ctrl_c_sends_nothing(classroom: LocalAws, terminal: Terminal, tmp_path: Path) -> None:
    config = save_config(classroom, "client06", tmp_path / "config")
    terminal.start(client_env(classroom, config), "bin/test-time.sh", "--subject", SUBJECT, "--test", TEST)
    terminal.wait_for(r"Question 1/6\n(.*\n)*" + ANSWER_PROMPT)
    terminal.type("a")
    terminal.wait_for(r"Question 2/6\n(.*\n)*" + ANSWER_PROMPT)
    terminal.tmux("send-keys", "C-c")
    screen = terminal.wait_for(r"\[exit \d+\]")
    assert "Nothing was sent." in screen
    assert "[exit 130]" in screen
    assert f"{SUBJECT}/{TEST}" in client(classroom, config, "--list").stdout


def test_a_refused_key_is_asked_again_alone_and_saved_once_accepted(
    classroom: LocalAws, terminal: Terminal, tmp_path: Path
) -> None:
    url, key = classroom.outputs()["ApiUrl"], api_key(classroom, "client08")
    config = write_config(tmp_path / "config", url, "not-the-key-of-client08")
    terminal.start(client_env(classroom, config), "bin/test-time.sh", "--list")
    terminal.wait_for(
        r"Your API key was not accepted\. Paste the key .*\n(?:.*\n)*API key \(not shown while you type\):$"
    )
    terminal.type("still-not-the-key-of-client08")
    terminal.wait_for(r"That did not work: your API key was not accepted.*\n(?:.*\n)*API key \(not shown.*\):$")
    assert "API_KEY=not-the-key-of-client08\n" in config.read_text()  # nothing written before a key is accepted
    terminal.type(key)
    screen = terminal.wait_for(r"\[exit \d+\]")
    assert "[exit 0]" in screen, screen
    assert "API URL:" not in screen  # the URL answered: only the key was asked
    assert "Forbidden" not in screen and "403" not in screen
    assert key not in screen and "still-not-the-key" not in screen  # typed without echo
    assert "Open tests for Client 08:" in screen
    saved = config.read_text()
    assert f"API_URL={url}\n" in saved and f"API_KEY={key}\n" in saved and "STUDENT_ID=client08\n" in saved
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
