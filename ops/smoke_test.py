"""A one-command proof that the service works on a target (``bin/smoke-test.sh``): deploy a throwaway copy under
its own project name, publish a one-question test for a synthetic student, take it over the API, score it, check
the emails and the portal, then remove the copy with its data. One pass/fail line per step, with its time.

    python -m ops.smoke_test [--target local|aws] [--keep]

Exit status: 0 when every step passed, 1 when one failed (the copy is removed all the same unless --keep),
2 for a bad option. The environment (endpoint, credentials, region) is the target's, as bin/lib/common.sh sets it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from ops.deployment import REPO_ROOT, TARGETS
from ops.smoke.runner import StepRunner
from ops.smoke.steps import SmokeCopy

# An estimate from the stacks' resources (README, "Smoke test"): the portal's Fargate service dominates both.
AWS_NOTICE = (
    "This deploys real resources in your account for roughly 20 to 40 minutes (an estimate: most of it is the\n"
    "portal's Fargate service starting and its network being removed); the cost is a few cents."
)


def work_root() -> Path:
    """Where copies keep their build folder and log: build/smoke/ (under TT_BUILD_ROOT when set, as in tests)."""
    return Path(os.environ.get("TT_BUILD_ROOT") or REPO_ROOT / "build") / "smoke"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bin/smoke-test.sh", description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", choices=TARGETS, default="local", help="deployment target (default: local)")
    parser.add_argument("--keep", action="store_true", help="keep the copy at the end (and after a failure)")
    args = parser.parse_args(argv)

    copy = SmokeCopy(args.target, work_root())
    copy.prepare()
    region = os.environ.get("AWS_REGION", "")
    print(f"Smoke test on {args.target} ({region}): a throwaway copy named {copy.name}, ", end="")
    print("kept at the end (--keep)." if args.keep else "removed at the end.")
    if args.target == "aws":
        print(AWS_NOTICE)
    print(f"Each script's output, as it runs: {copy.log}")
    print(flush=True)

    started = time.monotonic()
    runner = StepRunner(say=lambda line: print(line, flush=True))
    passed = runner.run(copy.steps(), copy.cleanup(), keep=args.keep)
    print()
    removed = any(o.title == "nothing of the copy is left" and o.status == "passed" for o in runner.outcomes)
    if copy.deploy_started and not removed:
        print(f"The copy {copy.name} may still (partly) exist. Remove it with:\n  {copy.remove_command()}")
        if copy.portal_started and args.keep:
            print(f"  (its local portal: PORTAL_PORT={copy.portal_port} PORTAL_STATE_DIR={copy.work / 'portal'} "
                  "bin/portal.sh stop)")  # fmt: skip
    if passed and not args.keep:
        shutil.rmtree(copy.work, ignore_errors=True)
    elif copy.log.exists():
        print(f"Every script's output: {copy.log}")
    print(runner.summary(time.monotonic() - started))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
