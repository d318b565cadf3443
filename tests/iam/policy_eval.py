"""Evaluation of identity-based IAM policies for one request, as AWS documents it, where moto's is too lax.

moto 5.2.5 (``moto/iam/access_control.py``) matches Action and Resource, but evaluates only ``StringEquals``
conditions and skips every other operator (``policy_conditions.py``: "If the evaluation operation is not
supported, ignore condition evaluation"), and it gives no request context (``s3:prefix``) for ordinary calls. This
module decides with the rules of the IAM User Guide ("Policy evaluation logic", "IAM JSON policy elements:
Condition operators", "Conditions with multiple context keys or values"):

- an explicit Deny in any statement wins, else any Allow allows, else the request is implicitly denied;
- Action is matched case-insensitively, Resource case-sensitively, both with the ``*`` and ``?`` wildcards;
- condition operators are ANDed, the keys of one operator are ANDed, the values of one key are ORed (NORed for
  a negated operator); a key absent from the request context makes a condition false, except for negated
  operators (true), ``...IfExists`` (true) and ``Null``;
- an operator this module does not know raises instead of being skipped, so no condition passes unjudged.

Only identity policies are judged (no resource policies, boundaries, SCPs or session policies: the roles have
none, and the data bucket's only policy denies plain HTTP, which the functions never use).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache
from typing import Any


class Decision(Enum):
    ALLOW = "allow"
    EXPLICIT_DENY = "explicit deny"
    IMPLICIT_DENY = "implicit deny"


@dataclass(frozen=True)
class Request:
    """What IAM authorises: one action on one resource ARN, with the request's context keys."""

    action: str  # e.g. "s3:ListBucket"
    resource: str  # e.g. "arn:aws:s3:::bucket"
    context: Mapping[str, str] = field(default_factory=dict)  # e.g. {"s3:prefix": "submitted/student01/"}


@lru_cache(maxsize=1024)
def _wildcard(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    """IAM's ``*`` (any run of characters, ``/`` included) and ``?`` (one character); everything else literal."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(f"^{body}$", re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def matches(pattern: str, value: str, ignore_case: bool = False) -> bool:
    return _wildcard(pattern, ignore_case).match(value) is not None


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _string_op(values: list[str], actual: str, operator: str) -> bool:
    """One key's test for a (non-negated) string, boolean or ARN operator: any policy value matches."""
    if operator in ("StringEquals", "Bool", "ArnEquals"):
        return actual in values if operator != "Bool" else actual.lower() in [v.lower() for v in values]
    if operator == "StringEqualsIgnoreCase":
        return actual.lower() in [v.lower() for v in values]
    if operator in ("StringLike", "ArnLike"):
        return any(matches(v, actual) for v in values)
    raise NotImplementedError(f"condition operator {operator} is not evaluated by this module")


NEGATIONS = {"StringNotEquals": "StringEquals", "StringNotLike": "StringLike", "ArnNotLike": "ArnLike"}
NEGATIONS |= {"StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase", "ArnNotEquals": "ArnEquals"}


def _condition_holds(operator: str, key: str, policy_values: list[Any], context: Mapping[str, str]) -> bool:
    values = [str(v).lower() if isinstance(v, bool) else str(v) for v in policy_values]
    present = _lookup(context, key)
    if operator == "Null":  # "true": the key must be absent; "false": present
        return (present is None) == (values[0].lower() == "true")
    if_exists = operator.endswith("IfExists")
    base = operator.removesuffix("IfExists")
    if base.startswith(("ForAnyValue:", "ForAllValues:")):
        raise NotImplementedError(f"set operator {operator} is not evaluated by this module")
    if present is None:
        return if_exists or base in NEGATIONS
    if base in NEGATIONS:
        return not _string_op(values, present, NEGATIONS[base])  # NOR of the values
    return _string_op(values, present, base)


def _lookup(context: Mapping[str, str], key: str) -> str | None:
    """Context key names are case-insensitive (IAM JSON policy elements: Condition)."""
    for name, value in context.items():
        if name.lower() == key.lower():
            return value
    return None


def conditions_hold(condition: Mapping[str, Mapping[str, Any]] | None, context: Mapping[str, str]) -> bool:
    return all(
        _condition_holds(operator, key, _as_list(values), context)
        for operator, keys in (condition or {}).items()
        for key, values in keys.items()
    )


def statement_applies(statement: Mapping[str, Any], request: Request) -> bool:
    """Whether the statement's Action, Resource and Condition all cover the request (its Effect aside)."""
    if "Principal" in statement or "NotPrincipal" in statement:
        raise ValueError("an identity policy has no Principal")
    if "Action" in statement:
        action_ok = any(matches(a, request.action, ignore_case=True) for a in _as_list(statement["Action"]))
    else:
        action_ok = not any(matches(a, request.action, ignore_case=True) for a in _as_list(statement["NotAction"]))
    if "Resource" in statement:
        resource_ok = any(matches(r, request.resource) for r in _as_list(statement["Resource"]))
    else:
        resource_ok = not any(matches(r, request.resource) for r in _as_list(statement["NotResource"]))
    return action_ok and resource_ok and conditions_hold(statement.get("Condition"), request.context)


def statements(policies: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [st for policy in policies for st in _as_list(policy["Statement"])]


def decide(policies: Sequence[Mapping[str, Any]], request: Request) -> Decision:
    """Deny wins over Allow; nothing that applies means the request is implicitly denied."""
    applying = [st for st in statements(policies) if statement_applies(st, request)]
    if any(st["Effect"] == "Deny" for st in applying):
        return Decision.EXPLICIT_DENY
    if any(st["Effect"] == "Allow" for st in applying):
        return Decision.ALLOW
    return Decision.IMPLICIT_DENY
