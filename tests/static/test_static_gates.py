"""Static gates over every rendered template (local and aws target; no load balancer, load balancer, HTTPS
load balancer): cfn-lint with the serverless rules, checkov, and parliament over every IAM policy document.
A finding fails the test unless accepted-findings.yml explains it, and an accepted entry that no longer matches
anything fails it too, so the list cannot rot. Everything runs offline."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from parliament import analyze_policy_string

from tests.static.findings import (
    ACCEPTED,
    ENTRY_KEYS,
    ROOT,
    VARIANTS,
    Finding,
    RenderedFile,
    accepted,
    judge,
    render_variants,
    resource_type,
)
from tests.static.policies import policy_documents

# Any network call a tool might try goes to a closed loopback port and fails at once: the gates are offline.
OFFLINE_PROXY = "http://127.0.0.1:9"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> list[RenderedFile]:
    files = render_variants(tmp_path_factory.mktemp("variants"))
    assert {variant for file in files for variant in file.variants} == set(VARIANTS)
    assert {file.stack for file in files} >= {"testtime-data", "testtime-service", "testtime-portal"}
    return files


def _by_path(files: list[RenderedFile]) -> dict[str, RenderedFile]:
    return {str(file.path.resolve()): file for file in files}


def _cfn_lint_findings(files: list[RenderedFile]) -> list[Finding]:
    command = ["cfn-lint", "-a", "cfn_lint_serverless.rules", "--format", "json", "--", *(str(f.path) for f in files)]
    proc = subprocess.run(command, cwd=ROOT, text=True, capture_output=True, timeout=600)
    assert proc.returncode in (0, 2, 4, 6, 8, 10, 12, 14), proc.stdout[-3000:] + proc.stderr[-3000:]
    by_path = _by_path(files)
    findings = []
    for match in json.loads(proc.stdout or "[]"):
        file = by_path[str((ROOT / match["Filename"]).resolve())]
        path = match["Location"].get("Path") or []
        logical = str(path[1]) if len(path) > 1 and path[0] == "Resources" else ""
        kind = resource_type(file.template, logical)
        findings.append(Finding("cfn_lint", match["Rule"]["Id"], kind, logical, tuple(file.variants), match["Message"]))
    return findings


@pytest.mark.timeout(1800)  # includes rendering the six variants (the module's fixture)
def test_cfn_lint_with_the_serverless_rules_finds_nothing_unexplained(rendered: list[RenderedFile]) -> None:
    unexplained, stale = judge("cfn_lint", _cfn_lint_findings(rendered))
    assert unexplained == [] and stale == [], "\n".join(unexplained + stale)


def _checkov() -> str:
    proc = subprocess.run(
        [str(Path(__file__).with_name("ensure-checkov.sh"))], text=True, capture_output=True, timeout=1800
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc.stdout.strip().splitlines()[-1]


def _checkov_findings(files: list[RenderedFile], home: Path) -> list[Finding]:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),  # checkov's caches stay in the test's folder
        "BC_SKIP_MAPPING": "TRUE",  # no download of the platform's check-id mapping
        "CKV_SKIP_PACKAGE_UPDATE_CHECK": "TRUE",  # no PyPI version check
        "CKV_PARSE_ERROR_FAIL": "TRUE",  # a template it cannot parse is a failure, not a silent pass
        "HTTPS_PROXY": OFFLINE_PROXY,
        "HTTP_PROXY": OFFLINE_PROXY,
        "NO_PROXY": "",
    }
    command = [_checkov(), "--framework", "cloudformation", "--skip-download", "--quiet", "--compact", "-o", "json"]
    for file in files:
        command += ["-f", str(file.path)]
    proc = subprocess.run(command, cwd=home, env=env, text=True, capture_output=True, timeout=600)
    assert proc.returncode in (0, 1) and proc.stdout.strip(), proc.stdout[-3000:] + proc.stderr[-3000:]
    reports = json.loads(proc.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    assert all(report["summary"]["parsing_errors"] == 0 for report in reports), proc.stdout[-3000:]
    assert sum(report["summary"]["resource_count"] for report in reports) > 0
    by_path = _by_path(files)
    findings = []
    for report in reports:
        for check in report["results"]["failed_checks"]:
            file = by_path[str(Path(check["file_abs_path"]).resolve())]
            kind, _, logical = check["resource"].partition(".")
            findings.append(
                Finding("checkov", check["check_id"], kind, logical, tuple(file.variants), check["check_name"])
            )
    return findings


@pytest.mark.timeout(1800)  # the first run installs checkov's own venv
def test_checkov_finds_nothing_unexplained(rendered: list[RenderedFile], tmp_path: Path) -> None:
    unexplained, stale = judge("checkov", _checkov_findings(rendered, tmp_path))
    assert unexplained == [] and stale == [], "\n".join(unexplained + stale)


def _parliament_findings(files: list[RenderedFile]) -> tuple[list[Finding], int]:
    findings, documents = [], 0
    for file in files:
        for document in policy_documents(file.stack, file.template):
            documents += 1
            logical = document.where.split("/")[1]
            policy = analyze_policy_string(json.dumps(document.document), include_community_auditors=True)
            for finding in policy.findings:
                location = finding.location if isinstance(finding.location, dict) else {}
                actions = location.get("actions") or [""]
                for action in actions:
                    message = f"{document.where}: {finding.detail or finding.issue}"
                    findings.append(
                        Finding(
                            "parliament",
                            finding.issue,
                            document.resource_type,
                            logical,
                            tuple(file.variants),
                            message,
                            str(action),
                        )
                    )
    return findings, documents


def test_parliament_finds_nothing_unexplained_in_any_policy(rendered: list[RenderedFile]) -> None:
    findings, documents = _parliament_findings(rendered)
    assert documents >= 10  # the roles' trust and inline policies, the bucket policy …
    unexplained, stale = judge("parliament", findings)
    assert unexplained == [] and stale == [], "\n".join(unexplained + stale)


def test_parliament_reads_the_resolved_arns_as_real_resources() -> None:
    """A guard for the resolver: an action on the wrong kind of resource (an object action on the bucket ARN)
    must be reported, so a clean run means the ARNs were understood, not ignored."""
    template = {
        "Resources": {
            "Bucket": {"Type": "AWS::S3::Bucket"},
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "Policies": [
                        {
                            "PolicyDocument": {
                                "Version": "2012-10-17",
                                "Statement": [
                                    {
                                        "Effect": "Allow",
                                        "Action": "s3:GetObject",
                                        "Resource": {"Fn::GetAtt": ["Bucket", "Arn"]},
                                    }
                                ],
                            }
                        }
                    ]
                },
            },
        }
    }
    (document,) = policy_documents("probe", template)
    assert document.document["Statement"][0]["Resource"] == "arn:aws:s3:::testtime-bucket"
    issues = {finding.issue for finding in analyze_policy_string(json.dumps(document.document)).findings}
    assert "RESOURCE_MISMATCH" in issues


def test_every_accepted_finding_says_why() -> None:
    import yaml

    entries = yaml.safe_load(ACCEPTED.read_text())
    assert set(entries) == {"cfn_lint", "checkov", "parliament"}
    for tool, items in entries.items():
        for entry in items or []:
            assert set(entry) <= ENTRY_KEYS and "id" in entry, f"{tool}: {entry}"
            assert len(str(entry.get("reason", "")).split()) >= 5, f"{tool} {entry['id']}: give the reason"
            assert set(entry.get("variants", [])) <= set(VARIANTS), f"{tool} {entry['id']}: unknown variant"


def test_the_data_bucket_lifecycle_cleans_up_uploads_and_delete_markers(rendered: list[RenderedFile]) -> None:
    (data,) = [file for file in rendered if file.stack == "testtime-data"]
    rules = {
        rule["Id"]: rule
        for rule in data.template["Resources"]["DataBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    }
    assert all(rule["Status"] == "Enabled" for rule in rules.values())
    assert rules["expire-noncurrent-versions"]["NoncurrentVersionExpiration"]["NoncurrentDays"] > 0
    assert rules["abort-incomplete-multipart-uploads"]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}
    # Alone in its rule: S3 refuses ExpiredObjectDeleteMarker next to an expiration by Days or Date.
    assert rules["remove-expired-delete-markers"] == {
        "Id": "remove-expired-delete-markers",
        "Status": "Enabled",
        "ExpiredObjectDeleteMarker": True,
    }


def test_the_judge_fails_an_unexplained_finding_and_a_stale_entry() -> None:
    """Every accepted checkov entry matched, plus one finding nobody accepted: the finding is reported; with no
    findings at all, every entry is reported as stale."""
    entries = accepted("checkov")
    findings = [
        Finding("checkov", e["id"], e.get("type", ""), e.get("resource", ""), tuple(e.get("variants", ["aws-lb"])), "")
        for e in entries
    ]
    intruder = Finding("checkov", "CKV_AWS_20", "AWS::S3::Bucket", "DataBucket", ("aws-nolb",), "public read ACL")
    unexplained, stale = judge("checkov", [*findings, intruder])
    assert unexplained == [str(intruder)] and stale == []
    unexplained, stale = judge("checkov", [])
    assert unexplained == [] and len(stale) == len(entries)
    outside = Finding("checkov", "CKV_AWS_2", "AWS::ElasticLoadBalancingV2::Listener", "L", ("aws-https",), "")
    assert judge("checkov", [outside])[0] == [str(outside)]  # accepted only where no certificate is given
