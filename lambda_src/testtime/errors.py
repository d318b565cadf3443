"""The one error type the API answers with: an HTTP status, a stable code and a sentence for people."""

from __future__ import annotations


class ApiError(Exception):
    """An error a client may see: rendered as ``{"error": code, "message": message}`` with ``status``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def to_body(self) -> dict[str, str]:
        return {"error": self.code, "message": self.message}
