"""SES sandbox support: ask SES to verify the students' addresses (setting ``ses_verify_students``), so that the
scorer's emails reach them. Each address gets one verification email: those verified or pending are skipped."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

BATCH = 100  # GetIdentityVerificationAttributes takes at most 100 identities per call
SETTLED = ("Success", "Pending")


def addresses_to_verify(ses: Any, addresses: Sequence[str]) -> list[str]:
    """The addresses that are neither verified nor waiting for the student to click the link."""
    # Only identities SES knows are asked about: MiniStack answers "Pending" even for addresses never submitted.
    pages = ses.get_paginator("list_identities").paginate(IdentityType="EmailAddress")
    known = {identity for page in pages for identity in page.get("Identities", [])}
    asked = [address for address in dict.fromkeys(addresses) if address in known]
    status: dict[str, str] = {}
    for start in range(0, len(asked), BATCH):
        reply = ses.get_identity_verification_attributes(Identities=asked[start : start + BATCH])
        for identity, attributes in reply.get("VerificationAttributes", {}).items():
            status[identity] = attributes.get("VerificationStatus", "")
    return [address for address in dict.fromkeys(addresses) if status.get(address) not in SETTLED]


def verify_addresses(ses: Any, addresses: Sequence[str], *, apply: bool = True) -> list[str]:
    """Sends the verification requests (unless ``apply`` is False) and returns the addresses concerned."""
    pending = addresses_to_verify(ses, addresses)
    if apply:
        for address in pending:
            ses.verify_email_identity(EmailAddress=address)
    return pending
