from __future__ import annotations

import secrets
import time
from collections.abc import Iterator

import pytest
from redis import Redis

from enterprise.redis_stores import RedisFailureCounter, RedisRefreshTokenStore


@pytest.fixture
def redis(service_urls: tuple[str, str]) -> Iterator[Redis]:
    client = Redis.from_url(service_urls[1])
    yield client
    client.close()


@pytest.fixture
def prefix(redis: Redis) -> Iterator[str]:
    value = f"fm-auth-store-test:{secrets.token_hex(4)}:"
    yield value
    keys = list(redis.scan_iter(match=value + "*"))
    if keys:
        redis.delete(*keys)


def test_failures_count_up_within_a_window_that_later_failures_do_not_extend(
    redis: Redis, prefix: str
) -> None:
    counter = RedisFailureCounter(redis, prefix)
    assert counter.failures("k") == 0
    assert counter.record_failure("k", 60) == 1
    redis.expire(prefix + "k", 30)
    assert counter.record_failure("k", 60) == 2
    assert counter.failures("k") == 2
    assert 0 < counter.seconds_left("k") <= 30


def test_failure_window_expires(redis: Redis, prefix: str) -> None:
    counter = RedisFailureCounter(redis, prefix)
    counter.record_failure("k", 1)
    time.sleep(1.2)
    assert counter.failures("k") == 0
    assert counter.seconds_left("k") == -2  # gone


def test_reset_clears_the_counter(redis: Redis, prefix: str) -> None:
    counter = RedisFailureCounter(redis, prefix)
    counter.record_failure("k", 60)
    counter.reset("k")
    assert counter.failures("k") == 0


def test_refresh_token_is_consumed_once(redis: Redis, prefix: str) -> None:
    store = RedisRefreshTokenStore(redis, prefix)
    store.remember("jti-1", "user-1", 60)
    assert 0 < int(redis.ttl(prefix + "refresh:jti-1")) <= 60
    assert store.consume("jti-1") == "user-1"
    assert store.consume("jti-1") is None


def test_revoked_refresh_token_cannot_be_consumed(redis: Redis, prefix: str) -> None:
    store = RedisRefreshTokenStore(redis, prefix)
    store.remember("jti-2", "user-1", 60)
    assert store.revoke("jti-2") is True
    assert store.revoke("jti-2") is False
    assert store.consume("jti-2") is None
