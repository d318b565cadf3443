"""The deploy's progress, like ``sam deploy``: runs ``ansible-playbook`` with its whole output in
``build/<target>/deploy.log`` and prints, instead, a line per phase with its time, each stack's resource events as
they happen, a line per stack with its result, and on a failure the failing resources and their reasons.

Where the playbook is comes from the callback plugin ``callback_plugins/testtime_events.py`` (a JSON line per task
start and result, in ``deploy-events.jsonl`` next to the log); the stack events from CloudFormation itself, polled
every 2 s in a thread for the stack being deployed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from ops.deployment import REPO_ROOT
from ops.i18n import TRAINER

_ = TRAINER.gettext
_n = TRAINER.ngettext

POLL_SECONDS = 2.0
CLOCK_MARGIN_SECONDS = 2.0  # an event stamped this long before its phase began still counts as the phase's
QUIET_SECONDS = 10.0  # not on a terminal: at most one progress line per stack this often (failures: each)
# The playbook's roles, by phase; a role not named here is a phase of its own, named after the role.
PHASES = {"account_settings": "account", "artifacts_bucket": "package", "lambda_package": "package",
          "data_stack": "data", "service_stack": "service", "portal_stack": "portal",
          "service_outputs": "outputs"}  # fmt: skip
STACK_PHASES = {"data": "-data", "service": "-service", "portal": "-portal"}


def phase_labels() -> dict[str, str]:
    return {"local-aws": _("embedded AWS"), "account": _("account settings"), "package": _("package"),
            "data": _("data stack"), "service": _("service stack"), "ses": _("SES identities"),
            "portal": _("portal stack"), "outputs": _("stack outputs"), "local-portal": _("local portal")}  # fmt: skip


def phase_of(event: dict[str, Any]) -> str | None:
    """The phase a task belongs to, by the role that holds it (outermost first); None: the current one goes on."""
    roles = event.get("roles") or []
    if not roles:
        return None
    outer = roles[-1]
    if outer == "account_settings" and event.get("file") == "ses_identities.yml":
        return "ses"
    return PHASES.get(outer, outer)


class Screen:
    """The terminal: permanent lines, and on a terminal one transient line (the event or phase going on now)."""

    def __init__(self, out: TextIO = sys.stdout, live: bool | None = None) -> None:
        self.out = out
        self.live = out.isatty() if live is None else live
        self.lock = threading.Lock()
        self._transient = False

    def line(self, text: str = "") -> None:
        with self.lock:
            self._clear()
            self.out.write(text + "\n")
            self.out.flush()

    def status(self, text: str) -> None:
        if not self.live:
            return
        with self.lock:
            self._clear()
            # One terminal row: "\r" and erase-line clear only the row the cursor is on.
            width = shutil.get_terminal_size((120, 24)).columns - 1
            self.out.write(text[:width])
            self.out.flush()
            self._transient = True

    def _clear(self) -> None:
        if self._transient:
            self.out.write("\r\033[K")
            self._transient = False


def event_line(event: dict[str, Any]) -> str:
    """One stack event in one short line: status, type, logical id, and the reason of a failure."""
    line = f"{event['ResourceStatus']:<20} {event['ResourceType']:<36} {event['LogicalResourceId']}"
    if "FAILED" in event["ResourceStatus"] and event.get("ResourceStatusReason"):
        line += f": {event['ResourceStatusReason']}"
    return line


@dataclass
class StackWatch:
    """Polls one stack's events in a thread; shows the new ones (not those there before the phase began)."""

    name: str
    screen: Screen
    cfn: Any
    started: float = field(default_factory=time.monotonic)
    events: list[dict[str, Any]] = field(default_factory=list)
    _seen: set[str] = field(default_factory=set)
    _stop: threading.Event = field(default_factory=threading.Event)
    _polling: threading.Lock = field(default_factory=threading.Lock)
    _thread: threading.Thread | None = None
    _last_line: float = 0.0
    since: float | None = None  # when the phase began (epoch seconds): events from then on are the phase's own
    action: str = ""  # what the stack's task says it did (create, update, none), once it says so

    def start(self) -> None:
        # The phase's task may have begun the stack's operation before this first look (the embedded AWS creates a
        # small stack within a second): events stamped after the phase began are new, whatever came first.
        baseline = self._fetch(baseline=True)
        # A margin for this machine's clock against CloudFormation's (the result line comes from the task anyway).
        since = None if self.since is None else self.since - CLOCK_MARGIN_SECONDS
        self._seen = {e["EventId"] for e in baseline if since is None or e["Timestamp"].timestamp() < since}
        self._thread = threading.Thread(target=self._run, name=f"events-{self.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=30)
        self.poll()  # the events of the last two seconds

    def _run(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            self.poll()

    def _fetch(self, baseline: bool = False) -> list[dict[str, Any]]:
        """The newest events first, down to the first one already seen (a first page only for the baseline)."""
        from botocore.exceptions import BotoCoreError, ClientError

        found: list[dict[str, Any]] = []
        token: str | None = None
        try:
            while True:
                page = self.cfn.describe_stack_events(StackName=self.name, **({"NextToken": token} if token else {}))
                for event in page["StackEvents"]:
                    if event["EventId"] in self._seen:
                        return found
                    found.append(event)
                token = page.get("NextToken")
                if baseline or not token:
                    return found
        except (ClientError, BotoCoreError):
            return found  # no such stack (yet), or a hiccup: the next poll tries again

    def poll(self) -> None:
        with self._polling:  # one poll at a time (the thread's, or the last one from stop())
            new = list(reversed(self._fetch()))
            self._seen.update(e["EventId"] for e in new)
            self.events += new
        for event in new:
            if "FAILED" in event["ResourceStatus"]:
                self.screen.line("    " + event_line(event))
            else:
                self.screen.status("    " + event_line(event))
        now = time.monotonic()
        # Not on a terminal: a line now and then, less often as the stack takes longer (a stack of 5 minutes on AWS
        # gets some ten lines).
        if new and not self.screen.live and now - self._last_line >= max(QUIET_SECONDS, (now - self.started) / 2):
            self.screen.line("    " + self.summary(now))
            self._last_line = now

    def summary(self, now: float) -> str:
        latest: dict[str, str] = {}
        for event in self.events:
            if event["LogicalResourceId"] != self.name:
                latest[event["LogicalResourceId"]] = event["ResourceStatus"]
        done = sum(1 for status in latest.values() if status.endswith("_COMPLETE"))
        last = self.events[-1]
        return _("{seconds} s: {done} of {seen} resources complete, latest {status} {logical}",
                 seconds=round(now - self.started), done=done, seen=len(latest), status=last["ResourceStatus"],
                 logical=last["LogicalResourceId"])  # fmt: skip

    def failures(self) -> list[dict[str, Any]]:
        return [e for e in self.events if "FAILED" in e["ResourceStatus"]]

    def outcome(self) -> str:
        own = [e["ResourceStatus"] for e in self.events if e["LogicalResourceId"] == self.name]
        last = own[-1] if own else ""
        if "FAILED" in last or "ROLLBACK" in last:
            return _("failed ({status})", status=last)
        if self.action == "create" or (not self.action and last == "CREATE_COMPLETE"):
            return _("created")
        if self.action == "update" or (not self.action and last.startswith("UPDATE_COMPLETE")):
            return _("updated")
        return _("no changes")

    def resource_count(self) -> int | None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            pages = self.cfn.get_paginator("list_stack_resources").paginate(StackName=self.name)
            return sum(len(page["StackResourceSummaries"]) for page in pages)
        except (ClientError, BotoCoreError):
            return None


@dataclass
class Outcome:
    returncode: int
    failed_tasks: list[str] = field(default_factory=list)  # the messages of the tasks that failed, in order
    failed_events: list[dict[str, Any]] = field(default_factory=list)  # the FAILED stack events of the run
    failed_phase: str = ""


class PlaybookRun:
    """One ansible-playbook run: the log, the phases and the stacks' events."""

    def __init__(self, screen: Screen, project: str, cfn_client: Callable[[], Any]) -> None:
        self.screen = screen
        self.project = project
        self.cfn_client = cfn_client
        self.labels = phase_labels()
        self.phase: str | None = None
        self.phase_started = 0.0
        self.notes: list[str] = []
        self.watch: StackWatch | None = None
        self.outcome = Outcome(0)

    # The phases.
    def begin(self, phase: str, since: float | None = None) -> None:
        self.end()
        self.phase, self.phase_started, self.notes = phase, time.monotonic(), []
        if phase in STACK_PHASES:
            self.watch = StackWatch(self.project + STACK_PHASES[phase], self.screen, self.cfn_client(), since=since)
            self.watch.start()
            self.screen.status("  " + self.labels[phase] + f" ({self.watch.name}) ...")
        else:
            self.screen.status("  " + self.labels.get(phase, phase.replace("_", " ")) + " ...")

    def end(self, failed: bool = False) -> None:
        if self.phase is None:
            return
        seconds = time.monotonic() - self.phase_started
        label = self.labels.get(self.phase, self.phase.replace("_", " "))
        if self.watch:
            self.watch.stop()
            count = self.watch.resource_count()
            result = self.watch.outcome()
            if count is not None:
                result += ", " + _n("{n} resource", "{n} resources", count)
            self.screen.line(phase_line(f"{label} ({self.watch.name}): {result}", seconds))
            self.outcome.failed_events += self.watch.failures()
            self.watch = None
        else:
            self.screen.line(phase_line(label + (" " + _("(failed)") if failed else ""), seconds))
        for note in self.notes:
            self.screen.line("    " + note)
        if failed:
            self.outcome.failed_phase = label
        self.phase = None

    # The callback's lines.
    def handle(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        if kind == "task":
            phase = phase_of(event)
            if phase and phase != self.phase:
                self.begin(phase, since=event.get("time"))
        elif kind == "failed" and not event.get("ignored"):
            self.outcome.failed_tasks.append(message_text(event.get("msg")) or str(event.get("name", "")))
        elif kind == "ok":
            roles = event.get("roles") or []
            if self.watch and roles[:1] == ["cfn_stack"] and event.get("stack") not in (None, self.watch.name):
                self.watch.name = str(event["stack"])  # another project name (-e project_name=...)
            if self.watch and event.get("stack_action"):
                self.watch.action = str(event["stack_action"])
            # What a debug task says, and what a task says of itself (its testtime_note), under the phase.
            message = event.get("msg") if str(event.get("action", "")).endswith("debug") else event.get("note")
            self.notes += [line for line in message_lines(message) if line]

    def run(self, command: Sequence[str], env: dict[str, str], log_path: Path, verbose: bool) -> Outcome:
        events_path = log_path.with_name("deploy-events.jsonl")
        events_path.write_text("")
        env = dict(env, TT_DEPLOY_EVENTS=str(events_path))
        started = time.monotonic()
        with log_path.open("w", encoding="utf-8") as log, events_path.open(encoding="utf-8") as events:
            proc = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True, bufsize=1)  # fmt: skip
            copier = threading.Thread(target=self._copy, args=(proc, log, verbose), daemon=True)
            copier.start()
            try:
                self._follow(proc, events)
            except KeyboardInterrupt:
                self._interrupt(proc)
                copier.join(timeout=5)
                self.end(failed=True)
                self.outcome.returncode = 130
                return self.outcome
            copier.join(timeout=30)
        self.outcome.returncode = proc.returncode
        # The playbook's own time, from start to exit (bench/deploy.py reads it).
        with events_path.open("a", encoding="utf-8") as record:
            seconds = round(time.monotonic() - started, 3)
            record.write(json.dumps({"event": "exit", "returncode": proc.returncode, "seconds": seconds}) + "\n")
        self.end(failed=proc.returncode != 0)
        return self.outcome

    def _copy(self, proc: subprocess.Popen[str], log: TextIO, verbose: bool) -> None:
        assert proc.stdout
        for line in proc.stdout:
            log.write(line)
            log.flush()
            if verbose:
                self.screen.line(line.rstrip("\n"))

    def _follow(self, proc: subprocess.Popen[str], events: TextIO) -> None:
        """The plugin's lines as they come (a line read before its end waits for the rest)."""
        pending = ""
        while True:
            chunk = events.readline()
            if chunk:
                pending += chunk
                if pending.endswith("\n"):
                    self._handle_line(pending)
                    pending = ""
                continue
            if proc.poll() is not None:
                for line in (pending + events.read()).splitlines():
                    self._handle_line(line)
                return
            time.sleep(0.1)

    def _handle_line(self, line: str) -> None:
        with contextlib.suppress(ValueError):  # not one of the plugin's lines
            self.handle(json.loads(line))

    @staticmethod
    def _interrupt(proc: subprocess.Popen[str]) -> None:
        """Ctrl-C: Ansible got the SIGINT too (same process group) and stops by itself; a second one would cut its
        clean-up short. Only when it goes on (the signal was ours alone) is it told to stop, then made to."""
        import signal

        for stop, seconds in ((None, 5), (signal.SIGINT, 20), (signal.SIGTERM, 10), (signal.SIGKILL, 0)):
            if stop is not None and proc.poll() is None:
                proc.send_signal(stop)
            try:
                proc.wait(timeout=seconds or None)
                return
            except subprocess.TimeoutExpired:
                continue


def phase_line(text: str, seconds: float) -> str:
    return f"  {text} " + "." * max(2, 64 - len(text)) + f" {seconds:5.1f} s"


def message_lines(message: Any) -> list[str]:
    if isinstance(message, list):
        return [str(item) for item in message]
    return str(message or "").splitlines()


def message_text(message: Any) -> str:
    return " ".join(line.strip() for line in message_lines(message) if line.strip())


def display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def add_playbook_options(parser: argparse.ArgumentParser, verbose_help: str) -> None:
    """-v and -e, as every command that runs a playbook takes them (they go to :func:`playbook_command`)."""
    parser.add_argument("-v", dest="verbose", action="count", default=0, help=verbose_help)
    parser.add_argument("-e", "--extra-vars", action="append", default=[], metavar="VARS",
                        help="extra Ansible variables, as for ansible-playbook -e (advanced use, tests)")  # fmt: skip


def playbook_command(playbook: Path, region: str, extra_vars: Sequence[str] = (), *, verbose: int = 0,
                     check: bool = False) -> list[str]:  # fmt: skip
    """``ansible-playbook PLAYBOOK -e aws_region=R [--check] [-v...] [-e VARS...]``, with the ansible-playbook of
    this Python's venv where there is one (a command run outside the scripts' PATH finds it too)."""
    beside = Path(sys.executable).with_name("ansible-playbook")
    command = [str(beside) if beside.exists() else "ansible-playbook", str(playbook), "-e", f"aws_region={region}"]
    command += ["--check"] if check else []
    command += ["-" + "v" * min(verbose, 4)] if verbose else []
    for extra in extra_vars:
        command += ["-e", extra]
    return command


def ansible_error(log_path: Path) -> str:
    """Ansible's own error (else the log's last line), for a playbook that stopped before any task failed (a bad
    -e, a syntax error)."""
    try:
        lines = [line.strip() for line in log_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except OSError:
        return ""
    start = next((i for i, line in enumerate(lines) if line.startswith(("[ERROR]:", "ERROR!"))), len(lines) - 1)
    text = " ".join(lines[start : start + 3]).removeprefix("[ERROR]:").removeprefix("ERROR!").strip()
    return text[:300]


def ansible_environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for ansible-playbook: the events plugin enabled on top of the user's own settings."""
    env = dict(os.environ if base is None else base)
    plugins = str(REPO_ROOT / "callback_plugins")
    env["ANSIBLE_CALLBACK_PLUGINS"] = ":".join(p for p in (plugins, env.get("ANSIBLE_CALLBACK_PLUGINS")) if p)
    env["ANSIBLE_CALLBACKS_ENABLED"] = ",".join(
        p for p in (env.get("ANSIBLE_CALLBACKS_ENABLED"), "testtime_events") if p
    )
    env.setdefault("ANSIBLE_CONFIG", str(REPO_ROOT / "ansible.cfg"))
    paths = [str(REPO_ROOT / "lambda_src"), str(REPO_ROOT)]
    current = [p for p in env.get("PYTHONPATH", "").split(":") if p]
    env["PYTHONPATH"] = ":".join(paths + [p for p in current if p not in paths])
    return env
