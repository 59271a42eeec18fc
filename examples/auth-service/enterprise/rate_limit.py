"""Login rate limiting: a fixed-window count of failed logins per (email, client IP)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class LoginRateLimitPolicy:
    """At most ``max_failures`` failed logins per email and client IP in ``window_seconds``."""

    max_failures: int = 5
    window_seconds: int = 60

    def __post_init__(self) -> None:
        if self.max_failures <= 0 or self.window_seconds <= 0:
            raise ValueError("max_failures and window_seconds must be greater than 0")

    def key(self, email: str, client_ip: str) -> str:
        """The counter's key. Emails compare case-insensitively and are hashed (no PII in Redis)."""
        normalised = f"{email.strip().lower()}|{client_ip}"
        return "login-failures:" + hashlib.sha256(normalised.encode()).hexdigest()

    def is_blocked(self, failures_so_far: int) -> bool:
        """True once the window holds ``max_failures`` failures: the next attempt is refused."""
        return failures_so_far >= self.max_failures

    def retry_after(self, seconds_left_in_window: int) -> int:
        """Seconds a blocked client should wait; never less than one, never more than the window."""
        if seconds_left_in_window <= 0:
            return self.window_seconds
        return min(seconds_left_in_window, self.window_seconds)


class FailureCounter(Protocol):
    """Where failures are counted (Redis in the service)."""

    def failures(self, key: str) -> int: ...

    def record_failure(self, key: str, window_seconds: int) -> int: ...

    def seconds_left(self, key: str) -> int: ...

    def reset(self, key: str) -> None: ...
