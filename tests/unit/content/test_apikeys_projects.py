"""Two deployments in one account (the trainer's ``testtime`` and a throwaway copy ``testtime-smoke-x``): each
project's key sync, reattachment and teardown see its own keys only, selected by the ``testtime:project`` tag,
although the names overlap; keys made before the tag existed stay the default project's."""

from __future__ import annotations

from typing import Any

import pytest
from content_support import FakeDeployment

from ops import apikeys, teardown_api_keys
from ops.apikeys import PROJECT_TAG, ROLE_TAG, KeyChange, sync_api_keys

TRAINERS, COPY = "testtime", "testtime-smoke-x"


@pytest.fixture
def copy_plan(aws: FakeDeployment) -> str:
    return str(aws.apigateway.create_usage_plan(name=f"{COPY}-students")["id"])


def by_id(aws: FakeDeployment) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in aws.apigateway.get_api_keys(includeValues=True, limit=500)["items"]}


def test_the_copy_never_touches_the_trainers_keys_whose_names_it_shares(aws: FakeDeployment, copy_plan: str) -> None:
    # The trainer's student "smoke-x-trainer" has the key testtime-smoke-x-trainer: the copy's trainer key's name.
    trainers = sync_api_keys(aws.apigateway, aws.outputs.usage_plan_id, ["s1", "smoke-x-trainer"], project=TRAINERS)
    before = by_id(aws)
    copy = sync_api_keys(aws.apigateway, copy_plan, ["s1"], project=COPY)
    assert copy.changes == [KeyChange(f"{COPY}-trainer", "create"), KeyChange(f"{COPY}-s1", "create")]
    assert copy.trainer_digest not in trainers.student_digests.values()
    made = {key_id: key for key_id, key in by_id(aws).items() if key_id not in before}
    assert sorted(key["name"] for key in made.values()) == [f"{COPY}-s1", f"{COPY}-trainer"]
    assert all(key["tags"] == {ROLE_TAG: key["tags"][ROLE_TAG], PROJECT_TAG: COPY} for key in made.values())

    # The copy's class empties: only its own student is disabled; then it is purged: only its keys go.
    emptied = sync_api_keys(aws.apigateway, copy_plan, [], project=COPY)
    assert emptied.changes == [KeyChange(f"{COPY}-s1", "disable")]
    keys = teardown_api_keys.managed_keys(aws.apigateway, COPY)
    assert sorted(key["name"] for key in keys) == [f"{COPY}-s1", f"{COPY}-trainer"]
    assert teardown_api_keys.delete_keys(aws.apigateway, keys) == 2
    assert by_id(aws) == before  # the trainer's keys: all there, unchanged (still enabled)

    # And the trainer's next publication finds nothing to change, its digests unchanged.
    again = sync_api_keys(aws.apigateway, aws.outputs.usage_plan_id, ["s1", "smoke-x-trainer"], project=TRAINERS)
    assert (again.changes, again.student_digests) == ([], trainers.student_digests)


def test_the_trainers_sync_ignores_the_copys_keys(aws: FakeDeployment, copy_plan: str) -> None:
    sync_api_keys(aws.apigateway, copy_plan, ["s1"], project=COPY)  # testtime-smoke-x-s1, -trainer
    trainers = sync_api_keys(aws.apigateway, aws.outputs.usage_plan_id, ["s1"], project=TRAINERS)
    assert [change.action for change in trainers.changes] == ["create", "create"]  # not "disable" the copy's
    assert all(key["enabled"] is True for key in by_id(aws).values())
    assert apikeys.reattach_enabled_keys(aws.apigateway, copy_plan, project=COPY) == []
    assert sorted(key["name"] for key in teardown_api_keys.managed_keys(aws.apigateway, TRAINERS)) == [
        "testtime-s1",
        "testtime-trainer",
    ]


def test_keys_made_before_the_project_tag_stay_the_default_projects(aws: FakeDeployment, copy_plan: str) -> None:
    legacy = aws.apigateway.create_api_key(
        name="testtime-smoke-x-trainer", enabled=True, tags={ROLE_TAG: "student"}
    )  # an older publication's key of student smoke-x-trainer, without the project tag
    copy = sync_api_keys(aws.apigateway, copy_plan, [], project=COPY)
    assert copy.changes == [KeyChange(f"{COPY}-trainer", "create")]  # its own, not the legacy one
    assert teardown_api_keys.managed_keys(aws.apigateway, COPY)[0]["id"] != legacy["id"]
    trainers = sync_api_keys(aws.apigateway, aws.outputs.usage_plan_id, ["smoke-x-trainer"], project=TRAINERS)
    assert KeyChange("testtime-smoke-x-trainer", "attach") in trainers.changes  # the legacy key, kept
    assert trainers.count("create") == 1  # only the trainer's own key


def test_key_names_follow_the_project_name_with_the_default_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    assert apikeys.key_name("student01", TRAINERS) == "testtime-student01"
    assert apikeys.trainer_key_name(TRAINERS) == "testtime-trainer"
    monkeypatch.setattr(apikeys, "project_name", lambda: "physics-2027")
    assert (apikeys.key_name("s1"), apikeys.trainer_key_name()) == ("physics-2027-s1", "physics-2027-trainer")
