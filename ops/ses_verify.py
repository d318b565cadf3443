"""SES sandbox support: ask SES to verify the students' addresses (setting ``ses_verify_students``), so that the
scorer's emails reach them. Each address gets one verification email: those verified or pending are skipped.

SES takes VerifyEmailIdentity at most once per second (ops.aws_clients paces it): a class of 500 new addresses
takes about 8 minutes, with a progress line now and then."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ops.i18n import TRAINER
from ops.progress import Progress, Say, to_stderr

_ = TRAINER.gettext

BATCH = 100  # GetIdentityVerificationAttributes takes at most 100 identities per call
LIST_PAGE = 1000  # ListIdentities' largest page (MaxItems 1-1000): each call costs a second of SES's quota
SETTLED = ("Success", "Pending")


def addresses_to_verify(ses: Any, addresses: Sequence[str]) -> list[str]:
    """The addresses that are neither verified nor waiting for the student to click the link."""
    # Only identities SES knows are asked about: MiniStack answers "Pending" even for addresses never submitted.
    pages = ses.get_paginator("list_identities").paginate(
        IdentityType="EmailAddress", PaginationConfig={"PageSize": LIST_PAGE}
    )
    known = {identity for page in pages for identity in page.get("Identities", [])}
    asked = [address for address in dict.fromkeys(addresses) if address in known]
    status: dict[str, str] = {}
    for start in range(0, len(asked), BATCH):
        reply = ses.get_identity_verification_attributes(Identities=asked[start : start + BATCH])
        for identity, attributes in reply.get("VerificationAttributes", {}).items():
            status[identity] = attributes.get("VerificationStatus", "")
    return [address for address in dict.fromkeys(addresses) if status.get(address) not in SETTLED]


def verify_addresses(ses: Any, addresses: Sequence[str], *, apply: bool = True, say: Say = to_stderr) -> list[str]:
    """Sends the verification requests (unless ``apply`` is False) and returns the addresses concerned."""
    pending = addresses_to_verify(ses, addresses)
    if apply:
        progress = Progress(_("email verification requests"), len(pending), say, every=20)
        for address in pending:
            ses.verify_email_identity(EmailAddress=address)
            progress.step()
    return pending
