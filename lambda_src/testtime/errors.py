"""The one error type the API answers with: an HTTP status, a stable code and a sentence for people; and the
sentences of the answers API Gateway gives itself, before the service runs (rendered into the template)."""

from __future__ import annotations

from testtime.i18n import API

_ = API.gettext


class ApiError(Exception):
    """An error a client may see: rendered as ``{"error": code, "message": message}`` with ``status``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def to_body(self) -> dict[str, str]:
        return {"error": self.code, "message": self.message}


def gateway_errors() -> dict[str, tuple[str, str]]:
    """API Gateway's own answers by gateway response type: ``(code, message)`` in the class's language.

    The types and their statuses are API Gateway's ("Gateway response types for API Gateway", developer guide):
    the status each keeps is its default; DEFAULT_4XX and DEFAULT_5XX catch every type not named here.
    """
    key_problem = _("The API key is missing or not valid. Check the key in your settings, or ask the trainer.")
    return {
        "INVALID_API_KEY": ("forbidden", key_problem),
        # An address that is no route of this API (the type's name is API Gateway's: the API uses no IAM tokens).
        "MISSING_AUTHENTICATION_TOKEN": (
            "no_such_route",
            _("There is no such address in this service, or the request has no API key."),
        ),
        "ACCESS_DENIED": ("forbidden", key_problem),
        "THROTTLED": ("too_many_requests", _("Too many requests in a short time. Wait a moment and try again.")),
        "QUOTA_EXCEEDED": (
            "quota_exceeded",
            _("This API key has made as many requests as it may today. Try again tomorrow, or ask the trainer."),
        ),
        "REQUEST_TOO_LARGE": ("request_too_large", _("The request is too large to be sent to the service.")),
        "INTEGRATION_TIMEOUT": ("timeout", _("The service took too long to answer. Please try again in a moment.")),
        "INTEGRATION_FAILURE": ("unavailable", _("The service could not be reached. Please try again in a moment.")),
        "DEFAULT_4XX": ("refused", _("The service could not accept this request.")),
        "DEFAULT_5XX": ("internal_error", _("The service could not handle the request; please try again later.")),
    }
