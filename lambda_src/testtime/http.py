"""Lambda proxy integration plumbing: request parsing, JSON responses, error rendering.

Pure (no boto3). Nothing here ever reads or logs the ``x-api-key`` header's value beyond handing it to the caller.
Log lines go through :func:`testtime.log.log`, with the invocation's ids bound by :func:`api_handler`.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import math
import traceback
from collections.abc import Callable, Mapping
from typing import Any

from testtime.errors import ApiError
from testtime.i18n import API, class_language
from testtime.log import bound, bound_ids, lambda_request_id, log

_ = API.gettext

MAX_BODY_BYTES = 65536
MAX_NUMBER_DIGITS = 100  # far beyond any number the API takes; Python refuses int() of over 4300 digits anyway
JSON_HEADERS = {"Content-Type": "application/json", "Cache-Control": "no-store"}

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def _mapping(event: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = event.get(name)
    return value if isinstance(value, Mapping) else {}


def header(event: Mapping[str, Any], name: str) -> str | None:
    """A request header by case-insensitive name (API Gateway keeps the client's spelling)."""
    wanted = name.lower()
    for key, value in _mapping(event, "headers").items():
        if isinstance(key, str) and key.lower() == wanted and isinstance(value, str):
            return value
    for key, values in _mapping(event, "multiValueHeaders").items():
        if isinstance(key, str) and key.lower() == wanted and isinstance(values, list) and values:
            return str(values[-1])
    return None


def query_param(event: Mapping[str, Any], name: str) -> str | None:
    """A query parameter's value; 400 when it is given more than once.

    Of a repeated parameter API Gateway passes the last value in ``queryStringParameters`` and all of them in
    ``multiValueQueryStringParameters`` (API Gateway developer guide, "Support for multi-value headers and query
    string parameters"); taking one silently would answer a question the client did not ask.
    """
    values = _mapping(event, "multiValueQueryStringParameters").get(name)
    if isinstance(values, list) and len(values) > 1:
        message = _("{name}: this query parameter is given {count} times; give it once", name=name, count=len(values))
        raise ApiError(400, "bad_request", message)
    value = _mapping(event, "queryStringParameters").get(name)
    if value is None and isinstance(values, list) and values:
        value = values[0]
    return value if isinstance(value, str) else None


def _body_bytes(event: Mapping[str, Any]) -> bytes:
    body = event.get("body")
    if body is None:
        return b""
    if not isinstance(body, str):
        raise ApiError(400, "bad_request", _("The request body is not text."))
    too_large = ApiError(
        400, "payload_too_large", _("The request body is larger than {limit} bytes.", limit=MAX_BODY_BYTES)
    )
    if event.get("isBase64Encoded"):
        if len(body) > (MAX_BODY_BYTES + 2) // 3 * 4 + 4:  # cheap check before decoding
            raise too_large
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise ApiError(400, "bad_request", _("The request body is not valid base64.")) from None
    else:
        if len(body) > MAX_BODY_BYTES:  # every character is at least one UTF-8 byte
            raise too_large
        raw = body.encode("utf-8", errors="surrogatepass")
    if len(raw) > MAX_BODY_BYTES:
        raise too_large
    return raw


class _Refused(ValueError):
    """A body that is valid JSON text to a lenient parser, refused here with a message of its own."""


def _reject_constant(name: str) -> Any:
    raise _Refused(_("The request body is not valid JSON: {name} is not a number in JSON.", name=name))


def _bounded_int(text: str) -> int:
    if len(text) > MAX_NUMBER_DIGITS:
        raise _Refused(_("The request body contains a number of more than {limit} digits.", limit=MAX_NUMBER_DIGITS))
    return int(text)


def _finite_float(text: str) -> float:
    if len(text) > MAX_NUMBER_DIGITS:
        raise _Refused(_("The request body contains a number of more than {limit} digits.", limit=MAX_NUMBER_DIGITS))
    value = float(text)
    if math.isinf(value):  # 1e400 parses as infinity, which JSON cannot carry back
        raise _Refused(_("The request body contains a number too large to use."))
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object whose names are unique: RFC 8259 leaves duplicates to the parser, and Python keeps the last one,
    so ``{"testId": "a", "testId": "b"}`` would mean whichever a reader picks."""
    value = dict(pairs)
    if len(value) != len(pairs):
        seen: set[str] = set()
        for name, _value in pairs:
            if name in seen:
                raise _Refused(
                    _("The request body gives the field {name!r} more than once; give each field once.", name=name[:80])
                )
            seen.add(name)
    return value


def _content_type_hint(event: Mapping[str, Any]) -> str:
    """Why a body may not be JSON, when its Content-Type says so (the body is read as JSON whatever it says)."""
    declared = header(event, "Content-Type")
    if declared is None or _is_json_media_type(declared):
        return ""
    hint = _("It was sent as {type!r}; send a JSON object with Content-Type: application/json.", type=declared[:80])
    return " " + hint


def _is_json_media_type(value: str) -> bool:
    media_type = value.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (media_type.startswith("application/") and media_type.endswith("+json"))


def parse_json_body(event: Mapping[str, Any], required: bool = True) -> dict[str, Any]:
    """The body as a JSON object; 400 when it is too large, not UTF-8 JSON, or not an object.

    An absent or blank body is ``{}`` when not ``required``. The body is read as JSON whatever its Content-Type
    (``curl -d`` and Python's ``urllib`` send ``application/x-www-form-urlencoded`` unless told otherwise); a
    refusal names a Content-Type that is not JSON's.
    """
    raw = _body_bytes(event)
    if not raw.strip():
        if required:
            raise ApiError(400, "bad_request", _("The request body is required: a JSON object."))
        return {}
    try:
        value = json.loads(
            raw.decode("utf-8"),
            parse_constant=_reject_constant,
            parse_int=_bounded_int,
            parse_float=_finite_float,
            object_pairs_hook=_unique_keys,
        )
    except UnicodeDecodeError:
        message = _("The request body is not UTF-8 text.") + _content_type_hint(event)
        raise ApiError(400, "bad_request", message) from None
    except RecursionError:
        raise ApiError(400, "bad_request", _("The request body is nested too deeply.")) from None
    except _Refused as refusal:
        raise ApiError(400, "bad_request", str(refusal)) from None
    except json.JSONDecodeError as error:
        # The parser's own words ("Unterminated string starting at", "Extra data") stay English: they name what
        # a programmer looks up; the sentence around them is translated.
        problem = error.msg.removesuffix(" at").lower()
        message = _(
            "The request body is not valid JSON: {problem} at line {line}, column {column}.",
            problem=problem,
            line=error.lineno,
            column=error.colno,
        )
        raise ApiError(400, "bad_request", message + _content_type_hint(event)) from None
    except ValueError:  # any other refusal of the parser
        message = _("The request body is not valid JSON.") + _content_type_hint(event)
        raise ApiError(400, "bad_request", message) from None
    if not isinstance(value, dict):
        message = _("The request body must be a JSON object, not {kind}.", kind=_json_type(value))
        raise ApiError(400, "bad_request", message)
    return value


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    names = {list: _("an array"), str: _("a string"), bool: _("a boolean"), int: _("a number"), float: _("a number")}
    return names.get(type(value), type(value).__name__)


def json_response(status: int, body: Any) -> dict[str, Any]:
    """A JSON answer; ``Content-Language`` says which language its sentences are in (the class's)."""
    headers = {**JSON_HEADERS, "Content-Language": class_language()}
    return {"statusCode": status, "headers": headers, "body": json.dumps(body, ensure_ascii=False)}


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
        # The log is the trainer's and in English whatever the class's language: only the field's label is kept.
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
                if request_id:
                    message = _(
                        "The server could not handle the request; please try again later (request id {id}).",
                        id=request_id,
                    )
                else:
                    message = _("The server could not handle the request; please try again later.")
                return error_response(ApiError(500, "internal_error", message))

    return wrapper
