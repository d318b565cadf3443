"""``./deploy-api-gateway.sh --check``: per stack, what a deploy would add, modify or remove, like ``cdk diff``.

The deploy playbook in check mode is the engine: it renders every template with all the settings and works out
each stack's parameters as a deploy does, deploying nothing; its output goes to the log (``-v`` streams it too).
Its cfn_stack role's task returns per stack what a deploy would send (roles/cfn_stack/action_plugins/), which
this module reads from the run's events (callback_plugins/testtime_events.py). Then it asks CloudFormation for a change
set of every existing stack at once (created, described and deleted: the stack itself is not touched) and prints
one short table per stack; a new stack would get every resource of its rendered template.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from botocore.exceptions import BotoCoreError, ClientError

from ops.cfn_deploy import ABSENT, stack_arguments
from ops.cli import prog
from ops.deploy_progress import (
    add_playbook_options,
    ansible_environment,
    ansible_error,
    display_path,
    playbook_command,
)
from ops.deployment import REPO_ROOT
from ops.i18n import TRAINER, run_in_class_language
from ops.target import Target, add_target_options, enter_deployed

_ = TRAINER.gettext
_p = TRAINER.pgettext

PLAYBOOK = REPO_ROOT / "playbooks" / "deploy.yml"
# What CloudFormation answers for a change set with nothing in it (the same two texts amazon.aws.cloudformation
# looks for in check mode).
NO_CHANGES = ("didn't contain changes", "No updates are to be performed")
# Looks at a change set being computed: quick first (the embedded AWS answers at once), then every 2 s, 5 min at most.
PAUSES = (0.2, 0.3, 0.5, 1.0, 1.0)
LONG_PAUSE, GIVE_UP = 2.0, 300.0
ACTION_ORDER = ("Add", "Modify", "Remove", "Import", "Dynamic")


class PreviewError(Exception):
    """The preview could not be made; the message is one line for the trainer."""


@dataclass(frozen=True)
class StackRecord:
    """What a deploy would send for one stack (the check-mode record of the stack task of roles/cfn_stack)."""

    name: str
    status: str  # the stack's status now, ABSENT when a deploy would create it
    template: Path  # the rendered template
    parameters: Mapping[str, Any]
    capabilities: Sequence[str]
    tags: Mapping[str, Any]

    @classmethod
    def from_event(cls, record: Mapping[str, Any]) -> StackRecord:
        return cls(name=str(record["testtime_preview"]), status=str(record["status"]),
                   template=Path(record["template"]), parameters=dict(record.get("parameters") or {}),
                   capabilities=list(record.get("capabilities") or []),
                   tags=dict(record.get("tags") or {}))  # fmt: skip


@dataclass(frozen=True)
class Change:
    resource: str  # the logical id
    type: str
    action: str  # the change set's Add, Modify, Remove, Import or Dynamic
    replacement: str = ""  # True, Conditional or False (modify only)


@dataclass
class StackPreview:
    name: str
    changes: list[Change] = field(default_factory=list)
    new_resources: int | None = None  # a new stack: how many resources it would get
    conditional: int = 0  # ... and how many more, if their conditions hold (unknown until deployed)
    other_changes: bool = False  # a change set with no resource in it (outputs, parameters, tags only)
    error: str = ""


# ---------------------------------------------------------------- the check-mode run


def run_playbook(command: Sequence[str], log_path: Path, events_path: Path, stream: bool) -> int:
    """The playbook's whole output into ``log_path`` (and the terminal too when ``stream``); its exit status."""
    env = dict(ansible_environment(), TT_DEPLOY_EVENTS=str(events_path))  # the events plugin on, as for a deploy
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, text=True, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)  # fmt: skip
        assert process.stdout is not None
        try:
            for line in process.stdout:
                log.write(line)
                if stream:
                    sys.stdout.write(line)
                    sys.stdout.flush()
        except KeyboardInterrupt:
            process.terminate()
            process.wait()
            raise
        return process.wait()


def read_events(events_path: Path) -> list[dict[str, Any]]:
    if not events_path.is_file():
        return []
    events = []
    for line in events_path.read_text(encoding="utf-8").splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            continue  # a line cut short by an interrupted run
    return events


def stack_records(events: Sequence[Mapping[str, Any]]) -> list[StackRecord]:
    """The check-mode records, in the order the playbook deploys the stacks."""
    return [StackRecord.from_event(event["preview"]) for event in events
            if event.get("event") == "ok" and isinstance(event.get("preview"), dict)]  # fmt: skip


def failure_reason(events: Sequence[Mapping[str, Any]], log_path: Path) -> str:
    """One line: the failed task's message, else Ansible's own last error in the log (a playbook it cannot run)."""
    for event in reversed(events):
        if event.get("event") == "failed" and not event.get("ignored"):
            message = event.get("msg") or ""
            text = " ".join(str(part) for part in message) if isinstance(message, list) else str(message)
            return f"{event.get('name', '')}: {' '.join(text.split())}"[:400]
    return ansible_error(log_path) or _("the playbook printed nothing")


# ---------------------------------------------------------------- change sets


def change_set_arguments(record: StackRecord, name: str) -> dict[str, Any]:
    """What a deploy sends (ops/cfn_deploy.py, as amazon.aws.cloudformation: every value a string), with the
    template's text instead of its uploaded copy (a preview uploads nothing)."""
    arguments = stack_arguments(record.name, "", record.parameters, record.capabilities, record.tags)
    del arguments["TemplateURL"]
    return {**arguments, "ChangeSetName": name, "ChangeSetType": "UPDATE",
            "TemplateBody": record.template.read_text(encoding="utf-8")}  # fmt: skip


def changes_of(descriptions: Sequence[Mapping[str, Any]]) -> list[Change]:
    found = []
    for description in descriptions:
        for item in description.get("Changes", []):
            change = item.get("ResourceChange") or {}
            if item.get("Type") == "Resource" and change:
                found.append(Change(change.get("LogicalResourceId", ""), change.get("ResourceType", ""),
                                    change.get("Action", ""), change.get("Replacement", "")))  # fmt: skip
    rank = {action: index for index, action in enumerate(ACTION_ORDER)}
    return sorted(found, key=lambda c: (rank.get(c.action, len(rank)), c.resource))


def preview_update(cfn: Any, record: StackRecord, sleep: Callable[[float], None] = time.sleep) -> StackPreview:
    """Create a change set, read it whole, delete it."""
    result = StackPreview(record.name)
    name = f"{record.name}-preview-{int(time.time())}-{os.getpid()}"
    change_set_id = cfn.create_change_set(**change_set_arguments(record, name))["Id"]
    try:
        pauses, started = iter(PAUSES), time.monotonic()
        while True:
            page = cfn.describe_change_set(ChangeSetName=change_set_id, StackName=record.name)
            if page["Status"] in ("CREATE_COMPLETE", "FAILED"):
                break
            if time.monotonic() - started > GIVE_UP:
                raise PreviewError(_("{stack}: CloudFormation did not work out the changes within 5 minutes",
                                     stack=record.name))  # fmt: skip
            sleep(next(pauses, LONG_PAUSE))
        if page["Status"] == "FAILED":
            reason = str(page.get("StatusReason", ""))
            if not any(text in reason for text in NO_CHANGES):
                result.error = " ".join(reason.split())
            return result
        pages = [page]
        while pages[-1].get("NextToken"):
            pages.append(cfn.describe_change_set(ChangeSetName=change_set_id, StackName=record.name,
                                                 NextToken=pages[-1]["NextToken"]))  # fmt: skip
        result.changes = changes_of(pages)
        result.other_changes = not result.changes
        return result
    finally:
        cfn.delete_change_set(ChangeSetName=change_set_id, StackName=record.name)


class _TemplateLoader(yaml.SafeLoader):
    """Rendered CloudFormation YAML: the short intrinsic forms (!Ref, !Equals ...) as their long ones."""


def _intrinsic(loader: _TemplateLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}": value}


_TemplateLoader.add_multi_constructor("!", _intrinsic)


def _holds(condition: Any, conditions: Mapping[str, Any], values: Mapping[str, str]) -> bool | None:
    """A template condition over parameters (Equals, Not, And, Or, Condition); None when it cannot be told."""

    def value(node: Any) -> str | None:
        if isinstance(node, dict) and set(node) == {"Ref"}:
            return values.get(str(node["Ref"]))
        return None if isinstance(node, dict | list) else str(node)

    if not isinstance(condition, dict) or len(condition) != 1:
        return None
    ((function, argument),) = condition.items()
    if function == "Condition":
        return _holds(conditions.get(str(argument)), conditions, values)
    if function == "Fn::Equals" and isinstance(argument, list) and len(argument) == 2:
        left, right = value(argument[0]), value(argument[1])
        return None if left is None or right is None else left == right
    parts = [_holds(part, conditions, values) for part in argument] if isinstance(argument, list) else []
    if function == "Fn::Not" and len(parts) == 1:
        return None if parts[0] is None else not parts[0]
    if function in ("Fn::And", "Fn::Or") and parts:
        decisive = function == "Fn::Or"  # one true decides an Or, one false an And
        return decisive if decisive in parts else (None if None in parts else not decisive)
    return None


def preview_new(record: StackRecord) -> StackPreview:
    """A new stack gets every resource of its template whose condition holds with the parameters it is given."""
    template = yaml.load(record.template.read_text(encoding="utf-8"), Loader=_TemplateLoader) or {}
    values = {name: str(spec.get("Default")) for name, spec in (template.get("Parameters") or {}).items()
              if isinstance(spec, dict) and "Default" in spec}  # fmt: skip
    values.update({name: str(value) for name, value in record.parameters.items()})
    conditions = template.get("Conditions") or {}
    result = StackPreview(record.name, new_resources=0)
    for resource in (template.get("Resources") or {}).values():
        holds = (
            True if "Condition" not in resource else _holds({"Condition": resource["Condition"]}, conditions, values)
        )
        if holds is None:
            result.conditional += 1
        elif holds:
            result.new_resources = (result.new_resources or 0) + 1
    return result


def preview_stacks(cfn: Any, records: Sequence[StackRecord]) -> list[StackPreview]:
    """Every stack at once: each change set takes CloudFormation a few seconds on AWS."""

    def one(record: StackRecord) -> StackPreview:
        try:
            return preview_new(record) if record.status == ABSENT else preview_update(cfn, record)
        except (PreviewError, BotoCoreError, ClientError, OSError, yaml.YAMLError) as error:
            return StackPreview(record.name, error=" ".join(str(error).split()))

    with ThreadPoolExecutor(max_workers=max(1, len(records))) as pool:
        return list(pool.map(one, records))


# ---------------------------------------------------------------- what the trainer reads


def _action(change: Change) -> str:
    words = {"Add": _p("change", "add"), "Modify": _p("change", "modify"), "Remove": _p("change", "remove"),
             "Import": _p("change", "import"), "Dynamic": _p("change", "decided on deploy")}  # fmt: skip
    return words.get(change.action, change.action.lower())


def _replaced(change: Change) -> str:
    if change.action != "Modify":
        return ""
    words = {"True": _p("replaced", "yes"), "Conditional": _p("replaced", "maybe"), "False": _p("replaced", "no")}
    return words.get(change.replacement, change.replacement.lower())


def table(rows: Sequence[Sequence[str]], indent: str = "  ") -> list[str]:
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    return [(indent + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))).rstrip()
            for row in rows]  # fmt: skip


def stack_lines(stack: StackPreview) -> list[str]:
    if stack.error:
        return [_("{stack}: could not be previewed: {reason}", stack=stack.name, reason=stack.error)]
    if stack.new_resources is not None:
        line = TRAINER.ngettext("{stack}: new stack, its {n} resource would be added",
                                "{stack}: new stack, all {n} resources would be added",
                                stack.new_resources, stack=stack.name)  # fmt: skip
        if stack.conditional:
            line += " " + TRAINER.ngettext("(and {n} more if its condition holds)",
                                           "(and {n} more if their conditions hold)", stack.conditional)  # fmt: skip
        return [line]
    if stack.other_changes:
        return [_("{stack}: no resource changes (only outputs, parameters or tags)", stack=stack.name)]
    if not stack.changes:
        return [_("{stack}: no changes", stack=stack.name)]
    head = TRAINER.ngettext("{stack}: {n} change", "{stack}: {n} changes", len(stack.changes), stack=stack.name)
    rows = [(_p("column", "resource"), _p("column", "type"), _p("column", "action"), _p("column", "replaced"))]
    rows += [(change.resource, change.type, _action(change), _replaced(change)) for change in stack.changes]
    return [head, *table(rows)]


def report_lines(stacks: Sequence[StackPreview]) -> list[str]:
    return [line for stack in stacks for line in stack_lines(stack)]


def preview(target: Target, extra_vars: list[str], verbose: int, log_path: Path) -> int:
    """Print what a deploy to ``target`` would change; change nothing. 0 when the preview was made (whatever it
    found), 1 when it could not be, with one line saying why and where the log is."""
    started = time.monotonic()
    print(_("Checking what a deploy to {target} ({region}) would change; nothing is deployed.",
            target=target.name, region=target.region), flush=True)  # fmt: skip
    log_path.parent.mkdir(parents=True, exist_ok=True)
    events_path = log_path.with_name(log_path.stem + "-events.jsonl")
    events_path.unlink(missing_ok=True)
    status = run_playbook(
        playbook_command(PLAYBOOK, target.region, extra_vars, verbose=verbose, check=True),
        log_path,
        events_path,
        verbose > 0,
    )
    events = read_events(events_path)
    records = stack_records(events)
    if status != 0 or not records:
        reason = failure_reason(events, log_path) if status != 0 else _("the playbook recorded no stack")
        print(_("error: the preview failed: {reason} (full log: {log})", reason=reason, log=display_path(log_path)),
              file=sys.stderr)  # fmt: skip
        return 1
    from ops import aws_clients

    stacks = preview_stacks(aws_clients.client("cloudformation", region_name=target.region), records)
    print("\n".join(report_lines(stacks)))
    failed = [stack.name for stack in stacks if stack.error]
    elapsed = time.monotonic() - started
    if failed:
        print(_("error: the preview failed for {stacks} (full log: {log})", stacks=", ".join(failed),
                log=display_path(log_path)), file=sys.stderr)  # fmt: skip
        return 1
    print(_("Checked in {seconds} s; nothing was changed (full log: {log}).", seconds=format(elapsed, ".1f"),
            log=display_path(log_path)))  # fmt: skip
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """To try the preview on its own; ./deploy-api-gateway.sh --check (ops/deploy_command.py) calls :func:`preview`."""
    parser = argparse.ArgumentParser(prog=prog(__name__), description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="example:\n  python -m ops.deploy_preview -e api_rate_limit=7")  # fmt: skip
    add_target_options(parser)
    add_playbook_options(parser, "stream the playbook's output too")
    args = parser.parse_args(argv)

    def run() -> int:
        target = enter_deployed(args.target, args.region)
        return preview(target, args.extra_vars, args.verbose, target.build_dir / "check.log")

    return run_in_class_language(run)


if __name__ == "__main__":
    sys.exit(main())
