"""Deploy or update the whole Test Time service: the embedded local AWS (started if needed) or a real AWS account.

Prints a line per phase with its time, each stack's resource events as they happen and its result, then where the
service is and what to do next; Ansible's whole output goes to build/<target>/deploy.log (-v shows it as well).
A deploy with nothing changed since the last one, every stack complete, runs no playbook (--force runs it anyway).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from ops import cli, deploy_fingerprint, local_aws, local_portal
from ops import target as targets
from ops.deploy_progress import (
    Outcome,
    PlaybookRun,
    Screen,
    add_playbook_options,
    ansible_environment,
    ansible_error,
    display_path,
    event_line,
    phase_labels,
    phase_line,
    playbook_command,
)
from ops.deployment import REPO_ROOT, DeploymentError, project_name
from ops.i18n import TRAINER, run_in_class_language

_ = TRAINER.gettext

PLAYBOOK = REPO_ROOT / "playbooks" / "deploy.yml"

EXAMPLES = """examples:
  ./deploy-api-gateway.sh                       # the embedded local AWS (started if needed), no account needed
  ./deploy-api-gateway.sh --target aws          # a real AWS account (standard credential chain, AWS_PROFILE)
  ./deploy-api-gateway.sh --target aws --region eu-west-1
  ./deploy-api-gateway.sh --check               # what each stack would add, modify or remove; change nothing
  ./deploy-api-gateway.sh --force               # run the whole playbook even when nothing changed
  ./deploy-api-gateway.sh -v                    # Ansible's output on the terminal too (-vv, -vvv: more of it)
  ./deploy-api-gateway.sh -e api_rate_limit=20  # an extra Ansible variable (advanced use and tests)

Ansible's whole output goes to build/<target>/deploy.log.
exit status: 0 deployed (or up to date), 1 failed or interrupted (Ctrl-C), 2 bad option."""


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=cli.prog(__name__), description=__doc__.split("\n\n")[0], epilog=EXAMPLES,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    targets.add_target_options(parser)
    parser.add_argument("--check", action="store_true", help="show what each stack would change; change nothing")
    parser.add_argument("--force", action="store_true", help="run the whole playbook even when nothing changed")
    add_playbook_options(parser, "stream Ansible's output too (-vv, -vvv: more of it)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        return run_in_class_language(lambda: deploy(args))
    except KeyboardInterrupt:  # outside the playbook run, which stops Ansible and reports itself
        print(_("error: interrupted (Ctrl-C) during {phase}", phase=_("the deploy")), file=sys.stderr)
        return cli.FAILED


def deploy(args: argparse.Namespace) -> int:
    target = targets.enter(args.target, args.region)
    screen = Screen()
    labels = phase_labels()
    if not args.check:  # the preview says what it does itself
        screen.line(_("==> deploying to {target} ({region})", target=target.name, region=target.region))
    if target.is_local:
        started = time.monotonic()
        screen.status("  " + labels["local-aws"] + " ...")
        try:
            local_aws.start()
        except DeploymentError:
            screen.line()  # the error follows on a line of its own (run_in_class_language prints it)
            raise
        screen.line(phase_line(labels["local-aws"], time.monotonic() - started))
    else:
        targets.require_aws_credentials()
    target.build_dir.mkdir(parents=True, exist_ok=True)
    if args.check:  # its own log: a preview must not overwrite the last deploy's
        from ops.deploy_preview import preview

        return preview(target, args.extra_vars, args.verbose, target.build_dir / "check.log")
    log_path = target.build_dir / "deploy.log"

    outputs = target.build_dir / "stack-outputs.json"
    state_file = target.build_dir / "last-deploy.json"
    fingerprint = deploy_fingerprint.compute(args.extra_vars)
    why = None if args.force else deploy_fingerprint.stale_reason(fingerprint, state_file)
    if not args.force and why is None:
        screen.line(_("==> nothing changed since the last deploy, and every stack is complete: no stack update, "
                      "no upload (--force runs the playbook anyway)"))  # fmt: skip
    else:
        log = display_path(log_path)
        if why:
            screen.line(_("==> running the playbook: {why} (Ansible's output: {log})", why=why, log=log))
        else:
            screen.line(_("==> running the playbook (--force; Ansible's output: {log})", log=log))
        state_file.unlink(missing_ok=True)
        status = run_playbook(target, args, log_path, screen)
        if status != cli.DONE:
            return status
        deploy_fingerprint.save(fingerprint, state_file, outputs)
    finish(target, outputs, screen)
    return cli.DONE


def run_playbook(target: targets.Target, args: argparse.Namespace, log_path: Path, screen: Screen) -> int:
    command = playbook_command(PLAYBOOK, target.region, args.extra_vars, verbose=args.verbose)
    if args.verbose:
        screen.live = False  # Ansible's lines and ours, one after the other
    import boto3

    run = PlaybookRun(screen, stack_prefix(args.extra_vars), lambda: boto3.client("cloudformation"))
    outcome = run.run(command, ansible_environment(), log_path, verbose=bool(args.verbose))
    if outcome.returncode == 0:
        return cli.DONE
    screen.line()
    for line in failure_report(outcome, log_path):
        screen.line(line)
    return cli.FAILED  # interrupted too: the line above says so


def stack_prefix(extra_vars: Sequence[str]) -> str:
    """The stacks' project name: a -e project_name=... (or JSON) of the command line, else the settings' one (the
    events plugin names the stack anyway as soon as the playbook first looks it up)."""
    name = ""
    for extra in extra_vars:
        text = extra.strip()
        if text.startswith("{"):
            with contextlib.suppress(ValueError, AttributeError):
                name = str(json.loads(text).get("project_name") or name)
        else:
            for pair in text.split():
                key, _sep, value = pair.partition("=")
                if key == "project_name" and value:
                    name = value.strip("'\"")
    return name or project_name()


def finish(target: targets.Target, outputs: Path, screen: Screen) -> None:
    """The local portal (started or restarted when it changed), the result block and the next steps, and the
    invitations' check."""
    try:
        values = json.loads(outputs.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        values = {}
    api_url = str(values.get("ApiUrl", ""))
    # On AWS the portal's HTTPS front door; locally a process on this machine (bin/portal.sh): the HTTP API endpoint
    # the emulator reports routes nowhere.
    if target.is_local:
        portal_url = f"{local_portal.url()} (bin/portal.sh)"
    else:
        portal_url = str(values.get("PortalUrl") or "") or _("not deployed")
    # The web portal runs as a local process on the local target (on AWS it is the ECS service of the portal stack).
    # Throwaway deployments (TT_BUILD_ROOT set, as in the tests) start none unless PORTAL_AUTOSTART=1.
    autostart = os.environ.get("PORTAL_AUTOSTART") or ("0" if os.environ.get("TT_BUILD_ROOT") else "1")
    if target.is_local and autostart == "1":
        started = time.monotonic()
        try:
            local_portal.ensure()
        except DeploymentError as error:
            screen.line(_("warning: the web portal did not start ({error}; bin/portal.sh status).", error=error))
        else:
            screen.line(phase_line(phase_labels()["local-portal"], time.monotonic() - started))
    screen.line()
    for line in (
        _("Test Time is deployed ({target}).", target=target.name),
        _("  API:    {url}", url=api_url),
        _("  Portal: {url}", url=portal_url),
        _("Next steps:"),
        _("  1. Publish the tests and the class list:   ./update-subjects-or-students.sh"),
        _("  2. Invite the students (key, URL, set-up):  bin/invite-students.sh"),
        _("  3. Take a test as a student:               "
          "bin/pull-api-config.sh --student student01 --save && bin/test-time.sh"),
    ):  # fmt: skip
        screen.line(line)
    # Students invited with another API URL (a redeploy gives the REST API a new one) need the new one: say so.
    from ops.invitations import url_notice

    sys.stdout.flush()
    url_notice(str(outputs))
    sys.stdout.flush()


def failure_report(outcome: Outcome, log_path: Path) -> list[str]:
    """The lines that end a failed deploy: the failing resources and their reasons, the error, the log."""
    lines: list[str] = []
    if outcome.failed_events:
        lines.append(_("Failing resources:"))
        seen: set[tuple[str, str]] = set()
        for event in outcome.failed_events:
            key = (event["LogicalResourceId"], event.get("ResourceStatusReason") or "")
            if key not in seen:
                seen.add(key)
                lines.append("  " + event_line(event))
    where = outcome.failed_phase
    reason = outcome.failed_tasks[-1] if outcome.failed_tasks else ansible_error(log_path) or _("the playbook stopped")
    if outcome.returncode == 130:
        lines.append(_("error: interrupted (Ctrl-C) during {phase}", phase=where or _("the deploy")))
    else:
        text = _("error: the deploy failed in {phase}: {reason}", phase=where or _("the playbook"), reason=reason)
        lines.append(text[:1000])
    lines.append(_("full log: {path}", path=display_path(log_path)))
    return lines
