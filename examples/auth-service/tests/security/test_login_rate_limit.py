"""5 failed logins per minute per email and client IP, then 429 with Retry-After."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient
from redis import Redis

from enterprise.main import create_app
from enterprise.rate_limit import LoginRateLimitPolicy
from enterprise.settings import Settings
from tests.helpers import PASSWORD, new_email, register

WRONG = "not the password"


def attempt(client: TestClient, email: str, password: str) -> int:
    return client.post("/auth/login", json={"email": email, "password": password}).status_code


def test_sixth_attempt_is_429_even_with_the_right_password(client: TestClient) -> None:
    email = new_email()
    register(client, email)
    assert [attempt(client, email, WRONG) for _ in range(5)] == [401] * 5
    response = client.post("/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert "too many failed logins" in response.json()["detail"]


def test_unknown_emails_are_limited_too(client: TestClient) -> None:
    email = new_email("ghost")
    assert [attempt(client, email, WRONG) for _ in range(6)] == [401] * 5 + [429]


def test_limit_is_per_email_and_ip(client: TestClient, settings: Settings) -> None:
    email, other = new_email(), new_email("other")
    register(client, email)
    register(client, other)
    for _ in range(5):
        attempt(client, email, WRONG)
    assert attempt(client, email, PASSWORD) == 429
    assert attempt(client, email.upper(), PASSWORD) == 429  # case does not dodge the limit
    assert attempt(client, other, PASSWORD) == 200
    with TestClient(create_app(settings), client=("203.0.113.9", 50000)) as elsewhere:
        assert attempt(elsewhere, email, PASSWORD) == 200


def test_success_resets_the_count(client: TestClient) -> None:
    email = new_email()
    register(client, email)
    for _ in range(4):
        attempt(client, email, WRONG)
    assert attempt(client, email, PASSWORD) == 200
    assert [attempt(client, email, WRONG) for _ in range(5)] == [401] * 5
    assert attempt(client, email, PASSWORD) == 429


def test_block_lifts_when_the_window_ends(client: TestClient, settings: Settings) -> None:
    email = new_email()
    register(client, email)
    for _ in range(5):
        attempt(client, email, WRONG)
    assert attempt(client, email, PASSWORD) == 429
    # End the window through Redis itself (its TTL is the window), rather than racing a short
    # window against five password hashes on a loaded machine.
    redis = Redis.from_url(settings.redis_url)
    keys = list(redis.scan_iter(match="*" + LoginRateLimitPolicy().key(email, "testclient")))
    assert len(keys) == 1
    assert 0 < redis.ttl(keys[0]) <= settings.login_window_seconds
    redis.pexpire(keys[0], 50)
    time.sleep(0.2)
    assert attempt(client, email, PASSWORD) == 200
