"""API keys follow the class list: created, enabled, disabled (never deleted), attached; values never shown."""

from __future__ import annotations

import hashlib

import pytest
from content_support import FakeDeployment, MakeContent

import ops.apikeys
from ops.apikeys import KeyChange, sync_api_keys


def test_a_second_sync_changes_nothing(aws: FakeDeployment) -> None:
    plan_id = aws.outputs.usage_plan_id
    first = sync_api_keys(aws.apigateway, plan_id, ["s1", "s2"])
    again = sync_api_keys(aws.apigateway, plan_id, ["s1", "s2"])
    assert again.changes == []
    assert (again.student_digests, again.trainer_digest) == (first.student_digests, first.trainer_digest)
    keys = aws.keys()
    assert first.student_digests == {
        s: hashlib.sha256(keys[f"testtime-{s}"]["value"].encode()).hexdigest() for s in ("s1", "s2")
    }
    assert keys["testtime-s1"]["tags"] == {"testtime:role": "student", "testtime:project": "testtime"}
    assert keys["testtime-trainer"]["tags"] == {"testtime:role": "trainer", "testtime:project": "testtime"}


def test_the_plan_changes_nothing_and_has_no_digest_for_keys_not_yet_made(aws: FakeDeployment) -> None:
    plan = sync_api_keys(aws.apigateway, aws.outputs.usage_plan_id, ["s1"], apply=False)
    assert plan.changes == [KeyChange("testtime-trainer", "create"), KeyChange("testtime-s1", "create")]
    assert (plan.student_digests, plan.trainer_digest, aws.keys()) == ({}, None, {})


def test_removed_students_are_disabled_and_come_back_enabled(aws: FakeDeployment) -> None:
    plan_id = aws.outputs.usage_plan_id
    before = sync_api_keys(aws.apigateway, plan_id, ["s1", "s2"])
    removed = sync_api_keys(aws.apigateway, plan_id, ["s1"])
    assert removed.changes == [KeyChange("testtime-s2", "disable")]
    assert aws.keys()["testtime-s2"]["enabled"] is False
    back = sync_api_keys(aws.apigateway, plan_id, ["s1", "s2"])
    assert back.changes == [KeyChange("testtime-s2", "enable")]
    assert back.student_digests == before.student_digests  # the same key, not a new one


def test_keys_the_publisher_did_not_make_are_left_alone(aws: FakeDeployment) -> None:
    aws.apigateway.create_api_key(name="testtime-portal", enabled=True)
    sync_api_keys(aws.apigateway, aws.outputs.usage_plan_id, ["s1"])
    assert aws.keys()["testtime-portal"]["enabled"] is True


def test_a_key_detached_from_the_usage_plan_is_attached_again(aws: FakeDeployment) -> None:
    plan_id = aws.outputs.usage_plan_id
    sync_api_keys(aws.apigateway, plan_id, ["s1"])
    key_id = aws.keys()["testtime-s1"]["id"]
    aws.apigateway.delete_usage_plan_key(usagePlanId=plan_id, keyId=key_id)
    assert sync_api_keys(aws.apigateway, plan_id, ["s1"]).changes == [KeyChange("testtime-s1", "attach")]
    attached = aws.apigateway.get_usage_plan_keys(usagePlanId=plan_id)["items"]
    assert key_id in {item["id"] for item in attached}


def test_cli_prints_changes_but_never_a_key_value(
    cli: FakeDeployment, make_content: MakeContent, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = str(make_content())
    assert ops.apikeys.main(["--content", folder, "--check"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "api keys (check: nothing changed): 4 create, 0 enable, 0 disable, 0 attach"
    )
    assert cli.keys() == {}
    assert ops.apikeys.main(["--content", folder]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == "api keys: 4 create, 0 enable, 0 disable, 0 attach"
    assert not any(key["value"] in out for key in cli.keys().values())
