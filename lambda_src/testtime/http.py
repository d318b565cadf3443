"""Lambda proxy integration plumbing: request parsing, JSON responses, error rendering.

Pure (no boto3). Nothing here ever reads or logs the ``x-api-key`` header's value beyond handing it to the caller.
Log lines go through :func:`testtime.log.log`, with the invocation's ids bound by :func:`api_handler`.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import traceback
from collections.abc import Callable, Mapping
from typing import Any

from testtime.errors import ApiError
from testtime.log import bound, bound_ids, lambda_request_id, log

MAX_BODY_BYTES = 65536
JSON_HEADERS = {"Content-Type": "application/json", "Cache-Control": "no-store"}

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def header(event: Mapping[str, Any], name: str) -> str | None:
    """A request header by case-insensitive name (API Gateway keeps the client's spelling)."""
    wanted = name.lower()
    for key, value in (event.get("headers") or {}).items():
        if isinstance(key, str) and key.lower() == wanted and isinstance(value, str):
            return value
    for key, values in (event.get("multiValueHeaders") or {}).items():
        if isinstance(key, str) and key.lower() == wanted and values:
            return str(values[-1])
    return None


def query_param(event: Mapping[str, Any], name: str) -> str | None:
    value = (event.get("queryStringParameters") or {}).get(name)
    return value if isinstance(value, str) else None


def _body_bytes(event: Mapping[str, Any]) -> bytes:
    body = event.get("body")
    if body is None:
        return b""
    if not isinstance(body, str):
        raise ApiError(400, "bad_request", "The request body is not text.")
    too_large = ApiError(400, "payload_too_large", f"The request body is larger than {MAX_BODY_BYTES} bytes.")
    if event.get("isBase64Encoded"):
        if len(body) > (MAX_BODY_BYTES + 2) // 3 * 4 + 4:  # cheap check before decoding
            raise too_large
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise ApiError(400, "bad_request", "The request body is not valid base64.") from None
    else:
        if len(body) > MAX_BODY_BYTES:  # every character is at least one UTF-8 byte
            raise too_large
        raw = body.encode("utf-8", errors="surrogatepass")
    if len(raw) > MAX_BODY_BYTES:
        raise too_large
    return raw


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse_json_body(event: Mapping[str, Any], required: bool = True) -> dict[str, Any]:
    """The body as a JSON object; 400 when it is too large, not JSON, or not an object.

    An absent or blank body is ``{}`` when not ``required``.
    """
    raw = _body_bytes(event)
    if not raw.strip():
        if required:
            raise ApiError(400, "bad_request", "The request body is required: a JSON object.")
        return {}
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except UnicodeDecodeError:
        raise ApiError(400, "bad_request", "The request body is not UTF-8 text.") from None
    except RecursionError:
        raise ApiError(400, "bad_request", "The request body is nested too deeply.") from None
    except ValueError as error:
        raise ApiError(400, "bad_request", f"The request body is not valid JSON: {error}.") from None
    if not isinstance(value, dict):
        raise ApiError(400, "bad_request", f"The request body must be a JSON object, not {_json_type(value)}.")
    return value


def _json_type(value: Any) -> str:
    names = {list: "an array", str: "a string", bool: "a boolean", int: "a number", float: "a number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def json_response(status: int, body: Any) -> dict[str, Any]:
    return {"statusCode": status, "headers": dict(JSON_HEADERS), "body": json.dumps(body, ensure_ascii=False)}


def error_response(error: ApiError) -> dict[str, Any]:
    return json_response(error.status, error.to_body())


def _api_request_id(event: Any) -> str | None:
    """API Gateway's id of the request (``requestContext.requestId``), which its access log shows too."""
    request_context = event.get("requestContext") if isinstance(event, dict) else None
    value = request_context.get("requestId") if isinstance(request_context, dict) else None
    return value if isinstance(value, str) and value else None


def _route(event: Any) -> str:
    if not isinstance(event, dict):
        return "?"
    return f"{event.get('httpMethod', '?')} {event.get('resource') or event.get('path') or '?'}"


# Codes whose message quotes what the student sent as an answer: their log line keeps only the field named.
_ANSWER_ECHOING_CODES = frozenset({"invalid_answer"})


def _loggable_message(error: ApiError) -> str:
    if error.code in _ANSWER_ECHOING_CODES:
        return f"{error.message.split(':', 1)[0]}: not a question or choice of the test (the answer is not logged)"
    return error.message


def api_handler(function: Handler) -> Handler:
    """Wrap a handler: ApiError becomes its JSON response, anything else a 500 without internals; all are logged.

    Every line logged while the handler runs carries the Lambda request id (``requestId``), API Gateway's
    (``apiRequestId``), the route, and the ids the handler binds (``testtime.log.bind``) as it learns them.
    """

    @functools.wraps(function)
    def wrapper(event: dict[str, Any], context: Any) -> dict[str, Any]:
        with bound(requestId=lambda_request_id(context), apiRequestId=_api_request_id(event), route=_route(event)):
            try:
                return function(event, context)
            except ApiError as error:
                level = "WARNING" if error.status < 500 else "ERROR"
                log(level, _loggable_message(error), status=error.status, error=error.code)
                return error_response(error)
            except Exception as error:  # the last line of defence: the client gets a clean 500
                # The traceback goes to the log only; the response says nothing about the code.
                log(
                    "ERROR",
                    "unhandled exception",
                    status=500,
                    error="internal_error",
                    exception=type(error).__name__,
                    detail=str(error)[:2000],
                    traceback=traceback.format_exc(limit=20)[-8000:],
                )
                ids = bound_ids()
                request_id = ids.get("apiRequestId") or ids.get("requestId")
                suffix = f" (request id {request_id})" if request_id else ""
                return error_response(
                    ApiError(
                        500,
                        "internal_error",
                        f"The server could not handle the request; please try again later{suffix}.",
                    )
                )

    return wrapper
