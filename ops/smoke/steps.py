"""The steps of the smoke test on one throwaway copy of the service, each through the trainer's own scripts.

The copy has a project name of its own (``testtime-smoke-<6 hex digits>``) and a build folder of its own, so its
stacks, buckets, functions, log groups and keys never share a name with the trainer's deployment: the deploy and
remove playbooks get it as ``-e project_name=...`` (extra vars beat group_vars/all.yml), the Python tools as
``TT_PROJECT_NAME`` (ops.deployment.project_name()).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import yaml
from botocore.exceptions import BotoCoreError, ClientError

from ops.deployment import REPO_ROOT, SETTINGS_FILE
from ops.smoke import checks
from ops.smoke.runner import Step, StepFailed
from testtime import layout
from testtime.deadlines import to_iso
from testtime.documents.scores import parse_score

SUBJECT, TEST_ID, STUDENT_ID = "smoke", "check", "smoke-student"
QUESTION = {"id": 1, "text": "Does the smoke test reach the API?", "choices": {"a": "yes", "b": "no"}, "answer": "a"}
# Time the student has between publishing and the deadline; the scorer then runs "as of" just after it.
ANSWER_WINDOW = timedelta(minutes=20)
# The deploy of a real account can take half an hour (the portal's Fargate service, its VPC link).
SCRIPT_TIMEOUT = {"local": 1800, "aws": 3600}
PORTAL_WAIT = {"local": 30.0, "aws": 300.0}
_KEY_LINE = re.compile(r"^API Key: (\S+)$", re.MULTILINE)


def new_project_name() -> str:
    return f"testtime-smoke-{secrets.token_hex(3)}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def failure_reason(output: str) -> str:
    """The line of a failed script's output that says why: our scripts' "error: ...", else Ansible's failed task."""
    lines = [line.strip() for line in output.splitlines() if line.strip() and not line.startswith("[exit")]
    chosen = next((line for line in lines if line.startswith("error:")), None)
    chosen = chosen or next((line for line in reversed(lines) if "FAILED!" in line or line.startswith("fatal:")), None)
    return (chosen or (lines[-1] if lines else "no output"))[:300]


def _student_client() -> ModuleType:
    """The student's terminal client (bin/test_time_client.py): the test is taken the way a student takes it."""
    spec = importlib.util.spec_from_file_location("test_time_client", REPO_ROOT / "bin" / "test_time_client.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class SmokeCopy:
    """One throwaway copy: its name, folders and state, and a method per step."""

    def __init__(self, target: str, work_root: Path, name: str | None = None) -> None:
        self.target = target
        self.name = name or new_project_name()
        self.work = work_root / self.name
        self.build_root = self.work / "build"
        self.log = self.work / "smoke-test.log"
        settings = yaml.safe_load(SETTINGS_FILE.read_text(encoding="utf-8")) or {}
        self.trainer_email = str(settings.get("trainer_email") or "trainer@example.com")
        # The SES sandbox delivers only to verified addresses: on AWS the student is the (verified) trainer.
        self.student_email = self.trainer_email if target == "aws" else f"{STUDENT_ID}@example.com"
        self.portal_port = _free_port()
        self.deploy_started = False
        self.portal_started = False
        self.student_key = ""
        self.outputs: dict[str, Any] = {}
        self.key_names: set[str] = set()
        self.due = datetime.now(UTC).replace(second=0, microsecond=0) + ANSWER_WINDOW
        # The region the target selected (ops.target.enter exports AWS_REGION and AWS_DEFAULT_REGION).
        self.session = boto3.session.Session(region_name=os.environ.get("AWS_REGION") or None)
        self._env = self.env()

    # ------------------------------------------------------------------------------------------------ plumbing

    def env(self) -> dict[str, str]:
        """The trainer's environment, pointed at the copy: its own project name, build folder and portal."""
        env = {k: v for k, v in os.environ.items() if k not in ("TT_BUILD_DIR", "TT_TARGET")}
        env.update(
            TT_PROJECT_NAME=self.name,
            TT_BUILD_ROOT=str(self.build_root),
            PORTAL_AUTOSTART="0",
            PORTAL_PORT=str(self.portal_port),
            PORTAL_STATE_DIR=str(self.work / "portal"),
            PORTAL_SESSION_DIR=str(self.work / "portal" / "sessions"),
            TRAININGS_CONFIG=str(self.work / "student-config"),
        )
        env.setdefault("PORTAL_SECRET_KEY", secrets.token_urlsafe(32))
        return env

    def script(self, *argv: str, capture: bool = False, secret_output: bool = False) -> str:
        """Run a project script with --target and the copy's environment. Its output goes to the log as it runs
        (``tail -f`` it during a long deploy); with ``capture`` its stdout is returned instead (and logged after,
        unless it holds a secret)."""
        command = [str(REPO_ROOT / argv[0]), *argv[1:]]
        if argv[0] != "bin/portal.sh":
            command.insert(1, f"--target={self.target}")
        with self.log.open("a", encoding="utf-8") as log:
            log.write(f"\n$ {' '.join(argv)}\n")
            log.flush()
            start = log.tell()
            try:
                proc = subprocess.run(
                    command,
                    cwd=REPO_ROOT,
                    env=self._env,
                    text=True,
                    stdout=subprocess.PIPE if capture else log,
                    stderr=log,
                    timeout=SCRIPT_TIMEOUT[self.target],
                )
            except subprocess.TimeoutExpired:
                minutes = SCRIPT_TIMEOUT[self.target] // 60
                raise StepFailed(f"{argv[0]} did not finish within {minutes} minutes (output: {self.log})") from None
            if capture:
                log.write("(output not logged: it holds an API key)\n" if secret_output else proc.stdout)
            log.write(f"[exit {proc.returncode}]\n")
        if proc.returncode != 0:
            with self.log.open(encoding="utf-8", errors="replace") as log:
                log.seek(start)
                said = log.read()
            raise StepFailed(f"{argv[0]} failed: {failure_reason(said)} (its output: {self.log})")
        return proc.stdout or ""

    def prepare(self) -> None:
        self.work.mkdir(parents=True, exist_ok=True)

    def remove_command(self) -> str:
        """How the trainer removes a kept (or half-removed) copy by hand."""
        return (
            f"TT_BUILD_ROOT={self.build_root} TT_PROJECT_NAME={self.name} ./remove-api-gateway.sh "
            f"--target {self.target} -e project_name={self.name} -e manage_ses_identities=false --purge-data --yes"
        )

    # --------------------------------------------------------------------------------------------------- steps

    def check_names(self) -> str:
        """The copy's names are its own, so nothing it creates or deletes can be the trainer's."""
        probe = (
            "import json; from ops.deployment import project_name; from ops.apikeys import key_name; "
            f"print(json.dumps([project_name(), key_name({STUDENT_ID!r})]))"
        )
        proc = subprocess.run(
            [sys.executable, "-c", probe], cwd=REPO_ROOT, env=self._env, text=True, capture_output=True, check=False
        )
        if proc.returncode != 0:
            raise StepFailed(f"could not check how the copy's API keys are named: {proc.stderr.strip()[-300:]}")
        tools_name, key_name = json.loads(proc.stdout)
        self.key_names = {key_name}
        if tools_name != self.name or not key_name.startswith(f"{self.name}-"):
            # Publishing would then sync, and removing with the data delete, the keys of the project the tools
            # name: the trainer's. ops.deployment.project_name() must honour TT_PROJECT_NAME.
            raise StepFailed(
                f"the trainer tools would not use the copy's name (they use {tools_name!r}; its student's API key "
                f"would be {key_name!r}), so the copy could change the trainer's API keys: nothing was deployed"
            )
        return f"stacks, buckets, functions and API keys named {self.name}-…"

    def deploy(self) -> str:
        self.deploy_started = True
        self.script("deploy-api-gateway.sh", "-e", f"project_name={self.name}")
        path = self.build_root / self.target / "stack-outputs.json"
        try:
            self.outputs = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise StepFailed(f"the deploy saved no readable outputs ({error})") from None
        scorer = str(self.outputs.get("ScorerFunctionName") or "")
        if not scorer.startswith(f"{self.name}-"):
            raise StepFailed(f"the copy's scorer is named {scorer!r}, not after the copy: its names are not its own")
        return f"stacks {', '.join(self._stack_names())}"

    def publish(self) -> str:
        content = self.work / "content"
        (content / "subjects" / SUBJECT).mkdir(parents=True, exist_ok=True)
        students = [{"id": STUDENT_ID, "name": "Smoke Test Student", "email": self.student_email}]
        (content / "students.yml").write_text(yaml.safe_dump(students), encoding="utf-8")
        test = {"title": "Smoke test", "due": to_iso(self.due), "questions": [QUESTION]}
        (content / "subjects" / SUBJECT / f"{TEST_ID}.yml").write_text(yaml.safe_dump(test), encoding="utf-8")
        self.script("update-subjects-or-students.sh", "--content", str(content))
        return f"one question for {STUDENT_ID} ({self.student_email}), due {to_iso(self.due)}"

    def check_portal(self) -> str:
        if self.target == "local":
            self.portal_started = True
            self.script("bin/portal.sh", "start")
            return checks.check_portal(f"http://127.0.0.1:{self.portal_port}", PORTAL_WAIT["local"])
        url = str(self.outputs.get("PortalUrl") or "").rstrip("/")
        if not url:
            raise StepFailed("portal: no URL (the deployment saved no PortalUrl output)")
        return checks.check_portal(url, PORTAL_WAIT["aws"])

    def take_test(self) -> str:
        pulled = self.script("bin/pull-api-config.sh", "--student", STUDENT_ID, capture=True, secret_output=True)
        found = _KEY_LINE.search(pulled)
        if not found:
            raise StepFailed("bin/pull-api-config.sh printed no API key for the student")
        self.student_key = found.group(1)
        client = _student_client()
        api = client.Api(str(self.outputs["ApiUrl"]), self.student_key)
        self._wait_until_listed(client, api)
        try:
            test = api.get_test(SUBJECT, TEST_ID)
            question_ids = [str(question.get("questionId")) for question in test["questions"]]
            if question_ids != [str(QUESTION["id"])]:
                raise StepFailed(f"the API served the questions {question_ids}, not the one published")
            reply = api.submit(SUBJECT, TEST_ID, [{"questionId": question_ids[0], "answer": QUESTION["answer"]}])
        except client.Failure as failure:
            raise StepFailed(f"the student's call failed: {failure.message}") from None
        if reply.get("status") != "stored":
            raise StepFailed(f"the API did not store the answers: {reply}")
        return f"{STUDENT_ID} listed the test, read it and submitted the answer over HTTP"

    def portal_session(self) -> str:
        if self.target == "local":
            return checks.portal_sign_in_and_out(f"http://127.0.0.1:{self.portal_port}", self.student_key, secure=False)
        return checks.portal_sign_in_and_out(str(self.outputs["PortalUrl"]).rstrip("/"), self.student_key, secure=True)

    def _wait_until_listed(self, client: ModuleType, api: Any) -> None:
        """A fresh key and a fresh catalog take a moment (usage plan, the functions' 15 s cache)."""
        problem = ""
        for _ in range(45):
            try:
                listing = api.list_tests()
                if any(
                    group.get("subjectName") == SUBJECT and any(t.get("testId") == TEST_ID for t in group["tests"])
                    for group in listing["subjects"]
                ):
                    return
                problem = "the test is not listed yet"
            except client.Failure as failure:
                problem = failure.message
            time.sleep(2)
        raise StepFailed(f"the student never saw the published test within 90 s: {problem}")

    def score(self) -> str:
        as_of = to_iso(self.due + timedelta(minutes=1))  # ahead of the clock: --yes, as nobody else takes the test
        summary = json.loads(self.script("bin/score-now.sh", "--json", "--as-of", as_of, "--yes", capture=True))
        problems = [
            words
            for words, bad in (
                ("no submission scored", summary.get("submissionsScored", 0) < 1),
                ("no score email sent", summary.get("emailsSent", 0) < 1),
                (f"{summary.get('emailsFailed')} email(s) failed", summary.get("emailsFailed", 0) > 0),
                ("the trainer's summary was not sent", not summary.get("summarySent")),
                (f"failures: {summary.get('failures')}", bool(summary.get("failures"))),
            )
            if bad
        ]
        if problems:
            raise StepFailed("the scorer ran but " + "; ".join(problems))
        s3 = self.session.client("s3")
        key = layout.score_key(SUBJECT, TEST_ID, STUDENT_ID)
        score = parse_score(key, s3.get_object(Bucket=self.outputs["DataBucketName"], Key=key)["Body"].read())
        if score.correct != 1:
            raise StepFailed(f"the right answer was scored {score.correct} of {score.questions}")
        return f"scored as of {as_of}: 1 of 1 correct"

    def check_emails(self) -> str:
        sent = checks.sent_emails(self.outputs["DataBucketName"], SUBJECT, TEST_ID, STUDENT_ID)
        if self.target == "local":
            checks.check_local_outbox(os.environ["AWS_ENDPOINT_URL"], sent, self.student_email, self.trainer_email)
            return f"both emails are in the local outbox ({self.student_email}, {self.trainer_email})"
        return (
            f"SES accepted the student's and the trainer's email (message ids {sent.student_message_id}, "
            f"{sent.trainer_message_id}); both go to {self.trainer_email}"
        )

    # ------------------------------------------------------------------------------------------------ clean-up

    def stop_portal(self) -> str:
        self.script("bin/portal.sh", "stop")
        return "stopped"

    def remove(self) -> str:
        # The SES identities (sender_email, trainer_email) are account-wide and the trainer's too: a purge would
        # delete them (roles/account_settings) and the trainer would have to verify them again.
        self.script(
            "remove-api-gateway.sh", "-e", f"project_name={self.name}", "-e", "manage_ses_identities=false",
            "--purge-data", "--yes",
        )  # fmt: skip
        return "stacks, buckets with their data, API keys and log groups removed; SES identities kept"

    def check_nothing_left(self) -> str:
        try:
            left = checks.leftovers(self.session, self.name, self.key_names)
        except (BotoCoreError, ClientError) as error:
            raise StepFailed(f"could not look for what is left of the copy ({error})") from None
        if left:
            raise StepFailed(f"still there: {', '.join(left)}; remove by hand with: {self.remove_command()}")
        return f"no stack, bucket, API key or log group of {self.name} is left"

    def _stack_names(self) -> list[str]:
        stacks = self.outputs.get("Stacks")
        return [str(s) for s in stacks] if isinstance(stacks, list) else [f"{self.name}-data", f"{self.name}-service"]

    def steps(self) -> list[Step]:
        return [
            Step("the copy's names are its own", self.check_names),
            Step(f"deploy the copy {self.name}", self.deploy),
            Step("publish a one-question test", self.publish),
            Step("the portal answers over its URL", self.check_portal),
            Step("the student takes the test", self.take_test),
            Step("the student signs in to the portal and out again", self.portal_session),
            Step("score it after the deadline", self.score),
            Step("SES accepted both emails", self.check_emails),
        ]

    def cleanup(self) -> list[Step]:
        return [
            Step("stop the copy's local portal", self.stop_portal, self._unless_portal_started),
            Step("remove the copy with its data", self.remove, self._unless_deployed),
            Step("nothing of the copy is left", self.check_nothing_left, self._unless_deployed),
        ]

    def _unless_portal_started(self) -> str | None:
        return None if self.portal_started else "not started"

    def _unless_deployed(self) -> str | None:
        return None if self.deploy_started else "nothing was deployed"
