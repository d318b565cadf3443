"""Jinja filters for the playbooks: one readable line per CloudFormation failure event. (What a deploy would
change is shown by ops/deploy_preview.py, from the change sets themselves.)"""

from __future__ import annotations

from typing import Any


def _get(item: dict[str, Any], camel: str, snake: str) -> str:
    return str(item.get(camel, item.get(snake, "")) or "")


def event_line(event: dict[str, Any]) -> str:
    """``ScorerFunction (AWS::Lambda::Function) CREATE_FAILED: <reason>`` from a stack event."""
    return (
        f"{_get(event, 'LogicalResourceId', 'logical_resource_id')} "
        f"({_get(event, 'ResourceType', 'resource_type')}) {_get(event, 'ResourceStatus', 'resource_status')}: "
        f"{_get(event, 'ResourceStatusReason', 'resource_status_reason')}"
    )


def is_failed_event(event: dict[str, Any]) -> bool:
    return _get(event, "ResourceStatus", "resource_status").endswith("FAILED") and bool(
        _get(event, "ResourceStatusReason", "resource_status_reason")
    )


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {
            "testtime_event_line": event_line,
            "testtime_failed_events": lambda events: [e for e in events if is_failed_event(e)],
        }
