"""Remove Test Time from a target: the portal and service stacks, the artifacts bucket, the project's log groups
and the local stack outputs; on the local target the local portal is stopped too. The data stays: the data
stack and its bucket (class list, tests, submissions, scores) are kept, and a later ./deploy-api-gateway.sh
serves them again. The sender's and the trainer's SES identities stay verified. Account-wide settings other
projects share are never removed: API Gateway's logging role and the ECS service-linked role.

Running it again is fine: the second run finds nothing to remove. Back the data up first: bin/backup-data.sh.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from ops import cli
from ops import target as targets
from ops.deploy_progress import add_playbook_options, ansible_environment, playbook_command
from ops.deployment import REPO_ROOT, DeploymentError, project_name
from ops.i18n import TRAINER, run_in_class_language

_ = TRAINER.gettext

PLAYBOOK = REPO_ROOT / "playbooks" / "remove.yml"

EXAMPLES = """examples:
  ./remove-api-gateway.sh                          # the local deployment
  ./remove-api-gateway.sh --target aws --region eu-west-1
  ./remove-api-gateway.sh --check                  # list what would be removed; change nothing
  ./remove-api-gateway.sh --purge-data             # ALSO delete the data stack and bucket, every version of every
                                                   # submission and score, and the SES identities of sender_email
                                                   # and trainer_email: asks to type the bucket name or "delete"
  ./remove-api-gateway.sh --purge-data --yes       # the same without asking (for scripts)

exit status: 0 removed (or nothing to remove), 1 failed or not confirmed, 2 bad option."""


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=cli.prog(__name__), description=__doc__.split("\n\n")[0], epilog=EXAMPLES,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    targets.add_target_options(parser)
    parser.add_argument("--check", action="store_true", help="list what would be removed; change nothing")
    parser.add_argument("--purge-data", action="store_true", help="also delete the data, after a typed confirmation")
    parser.add_argument("--yes", "-y", action="store_true", help="with --purge-data: do not ask")
    add_playbook_options(parser, "more Ansible output (-vv, -vvv)")
    return parser


def find_data_bucket(build_dir: Path) -> str:
    """The data bucket a purge would delete, found as the remove's own plan finds it (ops/teardown.py); empty when
    there is none."""
    from botocore.exceptions import BotoCoreError, ClientError

    from ops import aws_clients, teardown

    stack = f"{project_name()}-data"
    saved = teardown.saved_data_bucket(build_dir / "stacks" / f"{stack}.json")
    try:
        return teardown.data_bucket_of(teardown.find_stack(aws_clients.client("cloudformation"), stack), saved)
    except (BotoCoreError, ClientError):
        return saved  # the stack cannot be read: its last saved outputs say


def confirmed(bucket: str, where: targets.Target) -> bool:
    """Typed confirmation: the bucket name or "delete" (read from the terminal, or from stdin when piped)."""
    say = sys.stderr.write
    say(_("--purge-data deletes the data bucket {bucket} ({target}, {region}) with EVERY version of the\n"
          "class list, the tests, the submissions and the scores. It cannot be undone (backup: bin/backup-data.sh "
          "DIR).\nIt also deletes the SES identities of sender_email and trainer_email (they must be verified "
          "again).\n", bucket=bucket, target=where.name, region=where.region))  # fmt: skip
    say(_('Type the bucket name or the word "delete" to confirm: '))
    sys.stderr.flush()
    answer = sys.stdin.readline().strip()
    return answer in (bucket, "delete")


def start_local_aws() -> None:
    # The local deployment lives in the emulator's saved state: start it to remove what is there.
    from ops import local_aws

    local_aws.start()


def stop_local_portal() -> None:
    """After a remove the local portal has no API to talk to: stopped, rather than answering "Not Found"."""
    from ops import local_portal

    try:
        if local_portal.running_pid(local_portal.pid_file(), local_portal.PROGRAM) is not None:
            local_portal.stop()
            print(_("==> the local web portal is stopped"))
    except DeploymentError as error:  # a bad PORTAL_PORT, say: the remove itself is done
        print(_("warning: the local web portal was not stopped ({error}; bin/portal.sh stop).", error=error))


def remove(args: argparse.Namespace) -> int:
    where = targets.enter(args.target, args.region)
    if where.is_local:
        start_local_aws()
    else:
        targets.require_aws_credentials()
    if args.purge_data and not args.yes and not args.check:
        bucket = find_data_bucket(where.build_dir)
        if bucket and not confirmed(bucket, where):
            print(_("not confirmed: nothing was removed."), file=sys.stderr)
            return cli.FAILED
    place = {"target": where.name, "region": where.region}
    what = (_("removing Test Time from {target} ({region}), the data included", **place) if args.purge_data
            else _("removing Test Time from {target} ({region})", **place))  # fmt: skip
    check = _(" in check mode: nothing will change") if args.check else ""
    print(f"==> {what}{check}", flush=True)
    purge = "true" if args.purge_data else "false"
    extra = [f"teardown_purge_data={purge}", *args.extra_vars]
    command = playbook_command(PLAYBOOK, where.region, extra, verbose=args.verbose, check=args.check)
    ran = subprocess.run(command, cwd=REPO_ROOT, env=ansible_environment())
    if ran.returncode != 0:
        return cli.FAILED
    if where.is_local and not args.check:
        stop_local_portal()
    return cli.DONE


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return run_in_class_language(lambda: remove(args))


if __name__ == "__main__":
    sys.exit(main())
