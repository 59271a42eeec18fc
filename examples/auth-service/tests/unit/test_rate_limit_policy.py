from __future__ import annotations

import pytest

from enterprise.rate_limit import LoginRateLimitPolicy

POLICY = LoginRateLimitPolicy(max_failures=5, window_seconds=60)


def test_key_ignores_email_case_and_spaces_but_not_ip() -> None:
    assert POLICY.key("Ann@Example.com ", "10.0.0.1") == POLICY.key("ann@example.com", "10.0.0.1")
    assert POLICY.key("ann@example.com", "10.0.0.1") != POLICY.key("ann@example.com", "10.0.0.2")
    assert POLICY.key("ann@example.com", "10.0.0.1") != POLICY.key("bob@example.com", "10.0.0.1")


def test_key_does_not_contain_the_email() -> None:
    key = POLICY.key("ann@example.com", "10.0.0.1")
    assert "ann" not in key and key.startswith("login-failures:")


@pytest.mark.parametrize(
    ("failures", "blocked"), [(0, False), (1, False), (4, False), (5, True), (6, True)]
)
def test_blocked_from_the_fifth_failure(failures: int, blocked: bool) -> None:
    assert POLICY.is_blocked(failures) is blocked


@pytest.mark.parametrize(
    ("seconds_left", "retry_after"), [(-2, 60), (-1, 60), (0, 60), (1, 1), (42, 42), (600, 60)]
)
def test_retry_after_is_within_the_window(seconds_left: int, retry_after: int) -> None:
    assert POLICY.retry_after(seconds_left) == retry_after


@pytest.mark.parametrize(("max_failures", "window"), [(0, 60), (5, 0), (-1, -1)])
def test_policy_rejects_non_positive_limits(max_failures: int, window: int) -> None:
    with pytest.raises(ValueError, match="greater than 0"):
        LoginRateLimitPolicy(max_failures=max_failures, window_seconds=window)
