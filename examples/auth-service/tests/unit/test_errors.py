from __future__ import annotations

from enterprise.errors import Conflict, InvalidCredentials, NotAuthenticated, TooManyLoginAttempts


def test_rate_limit_error_carries_retry_after() -> None:
    error = TooManyLoginAttempts(17)
    assert error.status_code == 429
    assert error.headers == {"Retry-After": "17"}
    assert "17 seconds" in error.detail


def test_auth_errors() -> None:
    assert NotAuthenticated().headers == {"WWW-Authenticate": "Bearer"}
    assert (InvalidCredentials().status_code, InvalidCredentials().detail) == (
        401,
        "invalid email or password",
    )
    assert Conflict("taken").status_code == 409
