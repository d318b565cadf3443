"""The evaluator's rules on the cases the roles rely on, each as the IAM User Guide documents it."""

from __future__ import annotations

import pytest

from tests.iam.policy_eval import Decision, Request, decide

BUCKET_ARN = "arn:aws:s3:::data"


def _policy(*statements: dict[str, object]) -> list[dict[str, object]]:
    return [{"Version": "2012-10-17", "Statement": list(statements)}]


LIST_MARKERS = {
    "Effect": "Allow",
    "Action": "s3:ListBucket",
    "Resource": BUCKET_ARN,
    "Condition": {"StringLike": {"s3:prefix": ["submitted/*"]}},
}


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        ({"s3:prefix": "submitted/student01/"}, Decision.ALLOW),
        ({"s3:prefix": "os/test01/"}, Decision.IMPLICIT_DENY),
        ({"s3:prefix": ""}, Decision.IMPLICIT_DENY),
        ({}, Decision.IMPLICIT_DENY),  # an absent key makes a condition false
    ],
)
def test_string_like_on_s3_prefix(context: dict[str, str], expected: Decision) -> None:
    assert decide(_policy(LIST_MARKERS), Request("s3:ListBucket", BUCKET_ARN, context)) is expected


def test_negated_operators_hold_when_the_key_is_absent_and_if_exists_too() -> None:
    for operator in ("StringNotLike", "StringLikeIfExists"):
        statement = {**LIST_MARKERS, "Condition": {operator: {"s3:prefix": "submitted/*"}}}
        assert decide(_policy(statement), Request("s3:ListBucket", BUCKET_ARN)) is Decision.ALLOW, operator


def test_explicit_deny_wins_and_wildcards_follow_iam() -> None:
    allow = {"Effect": "Allow", "Action": "S3:Get*", "Resource": f"{BUCKET_ARN}/*"}
    deny = {"Effect": "Deny", "Action": "s3:GetObject", "Resource": f"{BUCKET_ARN}/*/questionsKey.json"}
    policies = _policy(allow, deny)
    assert decide(policies, Request("s3:GetObject", f"{BUCKET_ARN}/os/t/questions.json")) is Decision.ALLOW
    assert decide(policies, Request("s3:GetObject", f"{BUCKET_ARN}/os/t/questionsKey.json")) is Decision.EXPLICIT_DENY
    # "." in a pattern is literal and resources are case-sensitive (moto turns patterns into regexes unescaped).
    exact = _policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"{BUCKET_ARN}/catalog.json"})
    assert decide(exact, Request("s3:GetObject", f"{BUCKET_ARN}/catalogXjson")) is Decision.IMPLICIT_DENY
    assert decide(exact, Request("s3:GetObject", f"{BUCKET_ARN}/Catalog.json")) is Decision.IMPLICIT_DENY


def test_an_operator_it_does_not_know_is_an_error_not_a_pass() -> None:
    statement = {**LIST_MARKERS, "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"}}}
    with pytest.raises(NotImplementedError):
        decide(_policy(statement), Request("s3:ListBucket", BUCKET_ARN, {"aws:CurrentTime": "x"}))
