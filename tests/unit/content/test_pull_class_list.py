"""``pull_api_config``'s class list: read by testtime.documents, with the trainer's messages when it cannot be."""

from __future__ import annotations

import pytest
from content_support import BUCKET

from ops.pull_api_config import PullError, class_list
from tests.support.moto_account import AccountOptions, MotoAccount
from testtime import layout
from testtime.documents.class_list import Student


@pytest.fixture
def moto_account_options() -> AccountOptions:
    return AccountOptions(bucket=BUCKET)


def test_the_published_class_list_in_its_order(moto_account: MotoAccount) -> None:
    body = (
        b'[{"student_id": "s2", "email": "s2@example.com", "name": "Two", "api_key_sha256": "AB"},'
        b' {"student_id": "s1", "email": "s1@example.com"}, {"email": "no-id@example.com"}, "junk"]'
    )
    moto_account.s3.put_object(Bucket=BUCKET, Key=layout.STUDENTS_LIST, Body=body)
    assert class_list(moto_account.s3, BUCKET) == [
        Student(student_id="s2", email="s2@example.com", name="Two", api_key_sha256="ab"),
        Student(student_id="s1", email="s1@example.com"),
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (None, f"no class list in bucket {BUCKET}: publish first (./update-subjects-or-students.sh)"),
        (b"[{", f"studentsList.json in bucket {BUCKET} is not valid JSON"),
        (b"\xff\xfe", f"studentsList.json in bucket {BUCKET} is not valid JSON"),
        (b'{"student_id": "s1"}', f"studentsList.json in bucket {BUCKET} is not a list"),
    ],
)
def test_a_missing_or_unreadable_class_list_is_one_line_for_the_trainer(
    moto_account: MotoAccount, body: bytes | None, message: str
) -> None:
    if body is not None:
        moto_account.s3.put_object(Bucket=BUCKET, Key=layout.STUDENTS_LIST, Body=body)
    with pytest.raises(PullError) as raised:
        class_list(moto_account.s3, BUCKET)
    assert (str(raised.value), raised.value.status) == (message, 1)
