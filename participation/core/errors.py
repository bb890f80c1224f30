"""The error services raise when a request cannot be carried out as asked."""
from __future__ import annotations


class ServiceError(Exception):
    """A refusal with a message meant for the person who asked.

    `field` names the form field the message belongs next to, if any; `code`
    is a stable machine-readable reason for JSON callers.
    """

    def __init__(self, message, *, field: str | None = None, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code
