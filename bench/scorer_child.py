"""One scorer run in a process of its own, for bench/scorer_clients.py: the function's code, not the deployed function.

    python bench/scorer_child.py CONFIG.json      (started by bench/scorer_clients.py; not meant for hand use)

CONFIG: ``procsFile`` (the cpu cgroup's cgroup.procs to join first, before any thread exists), ``lambdaSrc``
(the copy of lambda_src/ to import the scorer from), ``client`` ("lean": testtime.s3direct.ObjectClient,
"boto3": bench/boto3_objects.Boto3Objects), ``asOf`` and ``output`` (where the JSON figures go). The environment is
the deployed scorer's own variables plus the emulator's endpoint and credentials, as the function has them.

The run is the handler's ``testtime.scorer.run.run(settings, S3Data(bucket, objects), mailer, runtime, as_of)`` with a
Runtime whose time budget is spent from the start (``remaining_ms`` 0) and whose hand-over is recorded, not
invoked: scoring (prepare + read every submission + write every score.json) runs in full, the sending loop
stops before its first email (it still takes and frees each test's sending lease and reads SES's quota once),
and the run ends at the hand-over, so neither students nor the trainer are emailed. Both clients' S3 requests
are counted at the client as the handler counts them: boto3's ``before-send`` events (listings, and every
object request with "boto3") plus the lean client's own counter (retries included in both).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any


def main(config_path: str) -> int:
    config = json.loads(Path(config_path).read_text())
    if config.get("procsFile"):
        from lambda_cpu import join  # bench/ is this script's folder; stdlib only: no thread has started yet

        join(config["procsFile"])
    sys.path.insert(0, config["lambdaSrc"])
    import boto3
    from boto3_objects import Boto3Objects  # bench/, like lambda_cpu: after lambda_src is on the path
    from botocore.config import Config

    from testtime import s3io
    from testtime.mailer import Mailer
    from testtime.s3direct import ObjectClient
    from testtime.scorer.data import S3Data
    from testtime.scorer.run import Runtime, run
    from testtime.scorer.settings import Settings

    settings = Settings.from_env(dict(os.environ))
    boto3_requests = 0
    lock = threading.Lock()

    def count(**_: Any) -> None:
        nonlocal boto3_requests
        with lock:
            boto3_requests += 1

    # Both clients built before the clock starts, as in a warm container (the lean one resolves its target
    # through the shared boto3 client, so that one exists in both configurations).
    s3io.client().meta.events.register("before-send.s3", count)
    lean = (
        ObjectClient(settings.bucket, max_connections=settings.read_concurrency) if config["client"] == "lean" else None
    )
    objects = lean if lean is not None else Boto3Objects(settings.bucket)
    mailer = Mailer(boto3.client("ses", config=Config(retries={"total_max_attempts": 1})), settings.sender)
    handed_over: list[dict[str, Any]] = []
    runtime = Runtime(remaining_ms=lambda: 0.0, invoke=handed_over.append, request_id=f"bench-{config['client']}")
    cpu_before, wall_before = time.process_time(), time.monotonic()
    outcome = run(settings, S3Data(settings.bucket, objects), mailer, runtime, datetime.fromisoformat(config["asOf"]))
    figures = {
        "result": outcome.to_json(),
        "timings": dict(outcome.timings),
        "clientRequests": boto3_requests + (lean.requests if lean is not None else 0),
        "runCpuSeconds": round(time.process_time() - cpu_before, 3),
        "runSeconds": round(time.monotonic() - wall_before, 3),
        "handOvers": len(handed_over),
        "ledgerBatch": settings.ledger_batch,
        "readConcurrency": settings.read_concurrency,
        "peakMemoryMb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    Path(config["output"]).write_text(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
