"""The one command line behind every script: ``./deploy-api-gateway.sh``, ``bin/score-now.sh`` and the rest only
make sure ``.venv`` exists and hand over here (``python -m ops COMMAND [OPTIONS]``); each command's module parses
its own options with argparse and picks its target with ``ops.target``.

Every command exits 0 when done, 1 when it failed, 2 for a bad option or argument (argparse's own convention).
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence
from typing import NamedTuple

DONE, FAILED, USAGE = 0, 1, 2


class Command(NamedTuple):
    script: str  # what the trainer types: the name every --help and usage line shows
    module: str  # its main(argv) -> int


COMMANDS: dict[str, Command] = {
    "deploy": Command("./deploy-api-gateway.sh", "ops.deploy_command"),
    "remove": Command("./remove-api-gateway.sh", "ops.remove_command"),
    "publish": Command("./update-subjects-or-students.sh", "ops.publish"),
    "local-aws": Command("bin/local-aws.sh", "ops.local_aws"),
    "portal": Command("bin/portal.sh", "ops.local_portal"),
    "backup": Command("bin/backup-data.sh", "ops.backup"),
    "gradebook": Command("bin/gradebook.sh", "ops.gradebook"),
    "invite": Command("bin/invite-students.sh", "ops.invitations"),
    "logs": Command("bin/logs.sh", "ops.logs"),
    "outbox": Command("bin/outbox.sh", "ops.outbox"),
    "pull-api-config": Command("bin/pull-api-config.sh", "ops.pull_api_config"),
    "report": Command("bin/report.sh", "ops.report"),
    "score-now": Command("bin/score-now.sh", "ops.score_now"),
    "smoke-test": Command("bin/smoke-test.sh", "ops.smoke_test"),
    "status": Command("bin/status.sh", "ops.status"),
}


def prog(module: str) -> str:
    """The script name for a module's ArgumentParser(prog=...): ``prog(__name__)``."""
    for command in COMMANDS.values():
        if command.module == module:
            return command.script
    return f"python -m {module}"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in COMMANDS:
        names = ", ".join(COMMANDS)
        print(f"usage: python -m ops COMMAND [OPTIONS]   (COMMAND: {names})", file=sys.stderr)
        return USAGE
    command = COMMANDS[args[0]]
    try:
        return int(importlib.import_module(command.module).main(args[1:]) or DONE)
    except BrokenPipeError:
        # The reader went away (``| head``): no traceback; stdout pointed at nothing so the exit flush is quiet
        # (docs.python.org, "signal": Note on SIGPIPE).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return FAILED
