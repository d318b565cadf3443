"""The scorer's settings, from the function's environment (``templates/cfn/service.yaml.j2`` sets them)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from testtime.scoring import GradeScale, parse_grade_scale


def _env_bool(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def _env_int(env: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be an integer, not {raw!r}") from None
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}")
    return value


@dataclass(frozen=True)
class Settings:
    bucket: str
    sender: str
    trainer: str
    scale: GradeScale = field(default_factory=GradeScale)
    one_per_student: bool = False
    safety_margin_ms: int = 20_000  # room for the summary, the state writes and the hand-over invocation
    read_concurrency: int = 16
    send_concurrency: int = 4
    claim_timeout_s: int = 900  # Lambda's maximum timeout: an older "sending" claim belongs to a dead invocation
    # Invocations per run (the first and its hand-overs). Lambda's recursive loop detection stops a chain of
    # direct Invokes of one function at about 16 (Lambda guide, "Use Lambda recursive loop detection"): stay
    # well below it, and stop the chain ourselves, loudly, instead of having it dropped.
    max_links: int = 10
    ledger_batch: int = 20  # records of fresh sends written together (see testtime.scorer.ledger)
    ledger_batch_s: float = 1.0  # ... or after this long, whichever comes first
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))  # the trainer's: dates in the emails
    reminder_hours: int = 24  # a reminder this many hours before a student's own deadline; 0: none
    portal_url: str = ""  # the portal's address, for the reminders' link (empty: none)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        missing = [name for name in ("DATA_BUCKET", "SENDER_EMAIL", "TRAINER_EMAIL") if not env.get(name)]
        if missing:
            raise ValueError(f"missing settings: {', '.join(missing)}")
        return cls(
            bucket=env["DATA_BUCKET"],
            sender=env["SENDER_EMAIL"],
            trainer=env["TRAINER_EMAIL"],
            scale=parse_grade_scale(env.get("GRADE_SCALE")),
            one_per_student=_env_bool(env.get("EMAIL_ONE_PER_STUDENT")),
            safety_margin_ms=_env_int(env, "SEND_SAFETY_MARGIN_MS", 20_000, 0),
            read_concurrency=_env_int(env, "READ_CONCURRENCY", 16, 1),
            send_concurrency=_env_int(env, "SEND_CONCURRENCY", 4, 1),
            claim_timeout_s=_env_int(env, "SENDING_CLAIM_TIMEOUT_S", 900, 1),
            ledger_batch=_env_int(env, "LEDGER_BATCH_SIZE", 20, 1),
            zone=_zone(env.get("TRAINER_TIMEZONE", "").strip() or "UTC"),
            reminder_hours=_env_int(env, "REMINDER_HOURS_BEFORE", 24, 0),
            portal_url=env.get("PORTAL_URL", "").strip(),
        )


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"TRAINER_TIMEZONE {name!r} is not a time zone name such as Europe/Warsaw") from None
