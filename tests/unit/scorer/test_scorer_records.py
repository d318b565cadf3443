"""The scorer's own records (testtime.documents.scorer_records): each writer's bytes read back by its reader,
the stable bytes, and a malformed record refused with its key named."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from testtime.documents import scorer_records as records
from testtime.documents.codec import MalformedDocument

AT = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
STATE_KEY = "scorer/tests/os/test01.json"
LEASE_KEY = "scorer/leases/os/test01.json"
RECORD_KEY = "scorer/emails/os/test01/student01.json"
BATCH_KEY = "scorer/emails/os/test01/batches/run-0-abc-00001.json"
SUMMARY_KEY = "scorer/summaries/os/test01.json"


def test_state_round_trip_and_stable_bytes() -> None:
    state = records.TestState(
        "v1",
        {"s2": records.ScoreRow(3, 4, 75.0, 4), "s1": records.ScoreRow(4, 4, 100.0, "A")},
        {"s3": "testResult.json is not JSON"},
        ("s1", "s2"),
    )
    body = records.state_document(state)
    assert records.parse_state(STATE_KEY, body) == state
    assert list(json.loads(body)["rows"]) == ["s1", "s2"]  # sorted: equal states give equal bytes
    assert records.parse_state(STATE_KEY, None) is None


@pytest.mark.parametrize(
    "body",
    [b"{oops", b"[]", b'{"rows": []}', b'{"rows": {"s1": {"correct": "4"}}}', b'{"emailed": "s1"}'],
)
def test_malformed_state_names_its_key(body: bytes) -> None:
    with pytest.raises(MalformedDocument) as refused:
        records.parse_state(STATE_KEY, body)
    assert refused.value.key == STATE_KEY


def test_lease_shapes() -> None:
    held = records.Lease(records.HELD, "run-1", claimed_at=AT, link=0)
    assert json.loads(records.lease_document(held)) == {
        "status": "held",
        "claimedAt": "2026-11-24T06:00:00+00:00",
        "runId": "run-1",
        "link": 0,
    }
    assert records.parse_lease(LEASE_KEY, records.lease_document(held)) == held
    free = records.Lease(records.FREE, "run-1", released_at=AT)
    assert sorted(json.loads(records.lease_document(free))) == ["releasedAt", "runId", "status"]
    assert not records.parse_lease(LEASE_KEY, records.lease_document(free)).held
    # A claim whose time cannot be read has no claimedAt: the ledger treats it as stale.
    assert records.parse_lease(LEASE_KEY, b'{"status": "held", "claimedAt": "soon"}').claimed_at is None
    with pytest.raises(MalformedDocument, match=LEASE_KEY):
        records.parse_lease(LEASE_KEY, b'"held"')


def test_email_records_and_batches() -> None:
    sent = records.EmailRecord(records.SENT, "run-1", message_id="m-1", sent_at=AT)
    failed = records.EmailRecord(records.FAILED, "run-1", error="MessageRejected: no", attempts=2, failed_at=AT)
    claim = records.EmailRecord(records.SENDING, "run-1", claimed_at=AT)
    for record in (sent, failed, claim):
        assert records.parse_email_record(RECORD_KEY, records.email_record_document(record)) == record
    assert sorted(sent.to_json()) == ["messageId", "runId", "sentAt", "status"]  # only what its status has
    batch = records.ledger_batch_document({"s2": sent, "s1": sent})
    assert list(json.loads(batch)["records"]) == ["s1", "s2"]
    assert records.parse_ledger_batch(BATCH_KEY, batch) == {"s1": sent, "s2": sent}
    for body in (b"{not json", b'{"records": []}', b'{"records": {"s1": "sent"}}'):
        with pytest.raises(MalformedDocument, match="batches"):
            records.parse_ledger_batch(BATCH_KEY, body)


def test_summary_record_covers_its_version_only() -> None:
    sent = records.SummaryRecord(records.SENT, "v1", "run-1", message_id="m-2", covered_at=AT)
    read = records.parse_summary_record(SUMMARY_KEY, records.summary_record_document(sent))
    assert read == sent and read.covers("v1") and not read.covers("v2")
    claim = records.SummaryRecord(records.SENDING, "v1", "run-1", claimed_at=AT)
    assert not records.parse_summary_record(SUMMARY_KEY, records.summary_record_document(claim)).covers("v1")
    with pytest.raises(MalformedDocument, match=SUMMARY_KEY):
        records.parse_summary_record(SUMMARY_KEY, b"[]")


def test_state_rows_keep_points_and_version_only_when_used() -> None:
    plain = records.ScoreRow(3, 4, 75.0, 4)
    weighted = records.ScoreRow(1, 2, 70.0, 4, points=3.5, max_points=5, version=3)
    state = records.TestState("v1", {"s1": plain, "s2": weighted})
    body = records.state_document(state)
    assert json.loads(body)["rows"] == {
        "s1": {"correct": 3, "questions": 4, "percent": 75.0, "grade": 4},
        "s2": {"correct": 1, "questions": 2, "percent": 70.0, "grade": 4, "points": 3.5, "maxPoints": 5, "version": 3},
    }
    assert records.parse_state(STATE_KEY, body) == state
    for row in ({"points": 1}, {"points": "1", "maxPoints": 2}, {"version": 0}, {"version": "2"}):
        raw = {"rows": {"s1": {"correct": 1, "questions": 2, "percent": 50.0, "grade": 3, **row}}}
        with pytest.raises(MalformedDocument, match=STATE_KEY):
            records.parse_state(STATE_KEY, json.dumps(raw).encode())


def test_summary_record_names_its_students_only_when_given() -> None:
    plain = records.SummaryRecord(records.SENT, "v1", "run-1", message_id="m-2", covered_at=AT)
    assert "students" not in json.loads(records.summary_record_document(plain))
    named = records.SummaryRecord(records.SENT, "v1", "run-1", message_id="m-2", covered_at=AT, students=("s1", "s2"))
    body = records.summary_record_document(named)
    assert json.loads(body)["students"] == ["s1", "s2"]
    assert records.parse_summary_record(SUMMARY_KEY, body) == named
    with pytest.raises(MalformedDocument, match=SUMMARY_KEY):
        records.parse_summary_record(SUMMARY_KEY, b'{"status": "sent", "version": "v1", "students": "s1"}')
