"""Jinja filter for the service template: API Gateway's own answers (a missing or wrong key, throttling, the daily
quota, ...) as JSON in the class's language, with the texts of the Lambda package's ``api`` catalog."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

LAMBDA_SRC = Path(__file__).resolve().parents[1] / "lambda_src"


def gateway_responses(language: str) -> list[dict[str, Any]]:
    """One entry per gateway response type: ``type``, ``language`` and ``body``, the JSON text
    ``{"error": code, "message": text}`` in ``language``.

    The body is a VTL mapping template (API Gateway developer guide, "Setting up gateway responses"), so it is
    ASCII-only JSON (non-ASCII as \\u escapes, which VTL passes through) and may not hold VTL's ``$`` or ``#``.
    """
    if str(LAMBDA_SRC) not in sys.path:
        sys.path.insert(0, str(LAMBDA_SRC))
    from testtime.errors import gateway_errors
    from testtime.i18n import available_languages, use_language

    if language not in available_languages():
        raise ValueError(f"language {language!r} has no compiled api catalog ({', '.join(available_languages())})")
    with use_language(language):
        errors = gateway_errors()
    responses = []
    for response_type, (code, message) in errors.items():
        body = json.dumps({"error": code, "message": message}, ensure_ascii=True)
        if "$" in body or "#" in body:
            raise ValueError(f"the {response_type} text may not contain $ or # (VTL): {message!r}")
        responses.append({"type": response_type, "language": language, "body": body})
    return responses


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"testtime_gateway_responses": gateway_responses}
