"""Schemathesis against the deployed local API: every route, at least 300 requests each, checked against
openapi/testtime-api.yaml (no server errors, documented status codes, content types and response schemas).

The usage plan throttles each key (5 requests/s, burst 10): each route is fuzzed by its own student (api03,
api04, api05, published by ``publish_api_content``) in its own ``st run`` process, all three at once, each paced
to 5 requests/s by ``--rate-limit`` so that almost every request reaches the function instead of a 429.

The spec is used as written, except its examples: they name operating-systems/test01, the sample test other
modules submit to, and the fuzzer would submit the example answers there. The copy points them at this
module's own test (api-checks/fuzz01), so the positive cases read and submit a real open test (200, 201, 409).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sysconfig
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from tests.integration.api_content import (
    FUZZ,
    FUZZ_STUDENTS,
    SUBJECT,
    Api,
    publish_api_content,
    restore_sample_content,
    wait_for_content,
)
from tests.integration.harness import ROOT, LocalAws, api_key

pytestmark = pytest.mark.integration

SPEC = ROOT / "openapi" / "testtime-api.yaml"
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
MIN_REQUESTS = 300  # per route, not counting 429s
RATE_LIMIT = "5/s"  # a sliding window of 5 per second never empties the gateway's bucket (5/s, burst 10)
MAX_THROTTLED_SHARE = 0.05
RUN_TIMEOUT = 240


@dataclass(frozen=True)
class Route:
    operation_id: str
    method: str
    path: str
    student: str
    max_examples: int  # the fuzzing phase's cases; the examples and coverage phases add 20 to 90 more


ROUTES = (
    Route("listOpenTests", "POST", "/api/v1/tests", FUZZ_STUDENTS[0], 300),
    Route("getTest", "GET", "/api/v1/test", FUZZ_STUDENTS[1], 300),
    Route("submitTest", "POST", "/api/v1/test", FUZZ_STUDENTS[2], 250),
)


def fuzz_spec(dest: Path) -> Path:
    """openapi/testtime-api.yaml with its examples pointed at api-checks/fuzz01 (everything else unchanged)."""
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    schemas = spec["components"]["schemas"]
    schemas["Id"]["example"] = SUBJECT
    schemas["Submission"]["example"] = {
        "subjectName": SUBJECT,
        "testId": FUZZ,
        "answers": [{"questionId": "1", "answer": "a"}, {"questionId": "3", "answer": "C"}],
    }
    for parameter in spec["paths"]["/api/v1/test"]["get"]["parameters"]:
        parameter["example"] = {"subjectName": SUBJECT, "testId": FUZZ}[parameter["name"]]
    text = json.dumps(spec)
    assert "operating-systems" not in text and "test01" not in text, "an example still names the sample test"
    dest.write_text(text, encoding="utf-8")
    return dest


def st_command() -> str:
    """The schemathesis CLI of the interpreter running the tests (its scripts folder first, then PATH)."""
    search = os.pathsep.join([sysconfig.get_path("scripts"), os.environ.get("PATH", "")])
    found = shutil.which("st", path=search)
    assert found, "the schemathesis CLI (st) is not installed: requirements-dev.txt"
    return found


@dataclass
class Run:
    route: Route
    returncode: int
    output: str
    statuses: Counter[int]  # responses to the route's own method and path
    seconds: float


@pytest.fixture(scope="module")
def runs(deployed: LocalAws, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[Route, Run]]:
    workdir = tmp_path_factory.mktemp("api-fuzz")
    publish_api_content(deployed, workdir / "content")
    url = deployed.outputs()["ApiUrl"]
    keys = {route: api_key(deployed, route.student) for route in ROUTES}
    try:
        wait_for_content(Api(url), keys[ROUTES[0]])
        spec = fuzz_spec(workdir / "openapi.json")
        started = time.monotonic()
        procs = {}
        for index, route in enumerate(ROUTES):
            har = workdir / f"route{index}.har"
            argv = [
                st_command(),
                "--no-color",
                "run",
                str(spec),
                "--url",
                url,
                "--header",
                f"x-api-key:{keys[route]}",
                "--include-operation-id",
                route.operation_id,
                "--checks",
                CHECKS,
                "--max-examples",
                str(route.max_examples),
                "--rate-limit",
                RATE_LIMIT,
                "--phases",
                "examples,coverage,fuzzing",
                "--workers",
                "1",
                "--request-timeout",
                "30",
                "--generation-database",
                "none",
                "--output-sanitize",
                "true",
                "--report",
                "har",
                "--report-har-path",
                str(har),
            ]
            log = (workdir / f"route{index}.log").open("w")
            # From the repository root: Hypothesis keeps its Unicode tables in .hypothesis/ there (gitignored);
            # computed afresh in an empty folder they cost each process 15 to 30 s of CPU before its first request.
            proc = subprocess.Popen(argv, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=os.environ)
            procs[route] = (proc, har, log)
        results = {}
        for route, (proc, har, log) in procs.items():
            try:
                proc.wait(timeout=max(1.0, RUN_TIMEOUT - (time.monotonic() - started)))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.close()
            seconds = time.monotonic() - started
            statuses: Counter[int] = Counter()
            if har.exists():
                for entry in json.loads(har.read_text(encoding="utf-8"))["log"]["entries"]:
                    request = entry["request"]
                    if request["method"] == route.method and urlparse(request["url"]).path.endswith(route.path):
                        statuses[entry["response"]["status"]] += 1
            output = Path(log.name).read_text(encoding="utf-8", errors="replace")
            results[route] = Run(route, proc.returncode, output, statuses, seconds)
        yield results
    finally:
        restore_sample_content(deployed)


@pytest.mark.parametrize("route", ROUTES, ids=[f"{r.method} {r.path}" for r in ROUTES])
def test_route_conforms_to_the_openapi_description(runs: dict[Route, Run], route: Route) -> None:
    run = runs[route]
    assert run.returncode == 0, f"schemathesis found problems ({run.seconds:.0f} s):\n{run.output[-8000:]}"
    total = sum(run.statuses.values())
    real = total - run.statuses[429]
    print(f"{route.method} {route.path}: {total} requests in {run.seconds:.0f} s, statuses {dict(run.statuses)}")
    assert real >= MIN_REQUESTS, (real, dict(run.statuses))
    assert run.statuses[429] <= MAX_THROTTLED_SHARE * total, dict(run.statuses)
    assert not [status for status in run.statuses if status >= 500], dict(run.statuses)
    # The fuzzer reached the function itself, not only the gateway's refusals.
    reached = {200, 201, 400, 404, 409, 410} & set(run.statuses)
    assert 400 in reached and reached - {400}, dict(run.statuses)
