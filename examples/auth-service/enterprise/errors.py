"""Errors the API turns into HTTP responses; every message is safe to show to the client."""

from __future__ import annotations

from enterprise.authorization import Decision


class ServiceError(Exception):
    """Base of the errors with an HTTP status; ``headers`` are added to the response."""

    status_code = 400

    def __init__(self, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}


class NotAuthenticated(ServiceError):
    status_code = 401

    def __init__(self, detail: str = "not authenticated") -> None:
        super().__init__(detail, {"WWW-Authenticate": "Bearer"})


class InvalidCredentials(ServiceError):
    status_code = 401

    def __init__(self) -> None:
        super().__init__("invalid email or password")


class TooManyLoginAttempts(ServiceError):
    status_code = 429

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(
            f"too many failed logins; retry in {retry_after_seconds} seconds",
            {"Retry-After": str(retry_after_seconds)},
        )


class Forbidden(ServiceError):
    status_code = 403


class NotFound(ServiceError):
    status_code = 404


class Conflict(ServiceError):
    status_code = 409


def raise_for_decision(decision: Decision, what: str) -> None:
    """Turn an authorization decision about ``what`` into the matching error (or nothing)."""
    if decision is Decision.NOT_FOUND:
        raise NotFound(f"{what} not found")
    if decision is Decision.FORBIDDEN:
        raise Forbidden(f"only team admins may do this to {what}")
