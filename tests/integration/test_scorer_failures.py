"""A failed asynchronous scorer run on the embedded AWS: Lambda retries it, sends its invocation record to the
scorer's on-failure queue (AWS::Lambda::EventInvokeConfig), and bin/score-now.sh names it in plain words, read
without consuming it, until the trainer dismisses it.

MiniStack implements async retries and on-failure destinations, with a leaner record than AWS's (no
``timestamp``, a fixed ``approximateInvokeCount`` of 3; see docs/emulator-differences.md). The run is made to
fail the way a bad event does: an ``asOf`` that is no date.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tests.integration.harness import LocalAws

pytestmark = pytest.mark.integration

BAD_AS_OF = "the day after tomorrow"
OUR_RUN = f"the run as of {BAD_AS_OF}"


def failed_runs(aws: LocalAws) -> list[dict[str, Any]]:
    proc = aws.run("bin/score-now.sh", "--status", "--json")
    return [run for run in json.loads(proc.stdout)["failedRuns"] if run["run"] == OUR_RUN]


def test_the_failure_queue_is_the_scorers_on_failure_destination(deployed: LocalAws) -> None:
    outputs = deployed.outputs()
    queue_url = outputs["ScorerFailureQueueUrl"]
    sqs = deployed.client("sqs")
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    assert attributes["MessageRetentionPeriod"] == str(14 * 24 * 3600)
    assert attributes["SqsManagedSseEnabled"] == "true"
    config = deployed.client("lambda").get_function_event_invoke_config(
        FunctionName=outputs["ScorerFunctionName"], Qualifier="$LATEST"
    )
    assert config["DestinationConfig"]["OnFailure"]["Destination"] == attributes["QueueArn"]
    assert config["MaximumRetryAttempts"] == 2


def test_a_failed_asynchronous_run_is_named_by_score_now_until_dismissed(deployed: LocalAws) -> None:
    function = deployed.outputs()["ScorerFunctionName"]
    deployed.client("lambda").invoke(
        FunctionName=function, InvocationType="Event", Payload=json.dumps({"asOf": BAD_AS_OF}).encode()
    )
    deadline = time.monotonic() + 180  # three attempts, with Lambda's (scaled-down) back-off between them
    ours = failed_runs(deployed)
    while not ours and time.monotonic() < deadline:
        time.sleep(3)
        ours = failed_runs(deployed)
    assert len(ours) == 1, "the failed run never reached the failure queue"
    [failed] = ours
    # AWS names the exception (ValueError); MiniStack says Runtime.HandlerError, which is left out as no help.
    assert failed["why"] in {
        f"it stopped with an error ({kind}Invalid isoformat string: '{BAD_AS_OF}'), 3 attempts"
        for kind in ("", "ValueError: ")
    }
    assert failed["when"].endswith(" UTC")

    # Read again, and through the summary of a real run: still there, in one readable line.
    status = deployed.run("bin/score-now.sh", "--status").stdout
    line = f"    - {failed['when']}: {OUR_RUN}: {failed['why']}"
    assert line in status.splitlines()
    summary = deployed.run("bin/score-now.sh").stdout
    assert "  failed runs:         " in summary and line in summary.splitlines()
    assert "requestContext" not in summary and "Traceback" not in summary

    deployed.run("bin/score-now.sh", "--status", "--dismiss-failures")
    assert failed_runs(deployed) == []
