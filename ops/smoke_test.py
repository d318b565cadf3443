"""A one-command proof that the service works on a target (``bin/smoke-test.sh``): deploy a throwaway copy under
its own project name, publish a one-question test for a synthetic student, take it over the API, score it, check
the emails and the portal, then remove the copy with its data. One pass/fail line per step, with its time.

    bin/smoke-test.sh [--target local|aws] [--region R] [--keep]

Exit status: 0 when every step passed, 1 when one failed (the copy is removed all the same unless --keep) or, on
AWS, when there are no usable credentials (nothing is deployed), 2 for a bad option. The environment (endpoint,
credentials, region) is the target's, as :func:`ops.target.enter` sets it; on the local target the embedded AWS
need not run yet (the copy's deploy starts it).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from ops import cli
from ops import target as targets
from ops.smoke.runner import StepRunner
from ops.smoke.steps import SmokeCopy

# An estimate from the stacks' resources (README, "Smoke test"): the portal's Fargate service dominates both.
AWS_NOTICE = (
    "This deploys real resources in your account for roughly 20 to 40 minutes (an estimate: most of it is the\n"
    "portal's Fargate service starting and its network being removed); the cost is a few cents."
)
EXAMPLES = """examples:
  bin/smoke-test.sh                    on the embedded local AWS (started if needed)
  bin/smoke-test.sh --target aws       in the real account (AWS_PROFILE, --region R): costs a few cents
  bin/smoke-test.sh --keep             keep the copy at the end, to look at it; prints how to remove it

On AWS the synthetic student's address is trainer_email (the SES sandbox delivers only to verified ones).
The copy is removed after a failure or Ctrl-C too (unless --keep). Its build folder and log:
build/smoke/<name>/ (deleted when all passed).

exit status: 0 every step passed, 1 a step failed (or no usable AWS credentials), 2 a bad option."""


def work_root() -> Path:
    """Where copies keep their build folder and log: build/smoke/ (under TT_BUILD_ROOT when set, as in tests)."""
    return targets.build_root() / "smoke"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=cli.prog(__name__), description=__doc__.split("\n\n")[0], epilog=EXAMPLES,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    targets.add_target_options(parser)
    parser.add_argument("--keep", action="store_true", help="keep the copy at the end (and after a failure)")
    args = parser.parse_args(argv)
    try:
        # Not enter_deployed: on the local target the copy's deploy starts the embedded AWS when it is not running.
        where = targets.enter(args.target, args.region)
        if not where.is_local:
            targets.require_aws_credentials()
    except targets.TargetError as error:
        print(f"error: {error}", file=sys.stderr)
        return cli.FAILED

    copy = SmokeCopy(args.target, work_root())
    copy.prepare()
    print(f"Smoke test on {args.target} ({where.region}): a throwaway copy named {copy.name}, ", end="")
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
    return cli.DONE if passed else cli.FAILED


if __name__ == "__main__":
    sys.exit(main())
