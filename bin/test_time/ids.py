"""Subject, test and student ids: the service's rule, copied because the client ships without the service.

Source: ``SAFE_ID`` and ``is_safe_id`` in lambda_src/testtime/layout.py (tests/unit/client checks that the two agree).
"""

from __future__ import annotations

import re

from .i18n import CLIENT

_ = CLIENT.gettext

# Matched WHOLE with fullmatch: with match/search, ``$`` also matches before a trailing newline.
SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def id_rule() -> str:
    return _("1 to 64 letters, digits, '.', '_' or '-', starting with a letter or a digit, without '..'")


def is_safe_id(value: object) -> bool:
    return isinstance(value, str) and bool(SAFE_ID.fullmatch(value)) and ".." not in value
