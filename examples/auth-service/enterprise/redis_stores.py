"""Redis-backed state: the refresh-token allow-list and the failed-login counters."""

from __future__ import annotations

from typing import cast

from redis import Redis


class RedisFailureCounter:
    """Failed-login counters that expire with their window (INCR + EXPIRE NX in one transaction)."""

    def __init__(self, client: Redis, prefix: str) -> None:
        self._client = client
        self._prefix = prefix

    def failures(self, key: str) -> int:
        raw = self._client.get(self._prefix + key)
        return int(cast(bytes, raw)) if raw is not None else 0

    def record_failure(self, key: str, window_seconds: int) -> int:
        pipe = self._client.pipeline(transaction=True)
        pipe.incr(self._prefix + key)
        # NX: the window starts at the first failure and is not extended by later ones.
        pipe.expire(self._prefix + key, window_seconds, nx=True)
        count, _ = pipe.execute()
        return int(count)

    def seconds_left(self, key: str) -> int:
        return int(self._client.ttl(self._prefix + key))

    def reset(self, key: str) -> None:
        self._client.delete(self._prefix + key)


class RedisRefreshTokenStore:
    """A refresh token is valid only while its id is in Redis; rotation and logout remove it."""

    def __init__(self, client: Redis, prefix: str) -> None:
        self._client = client
        self._prefix = prefix + "refresh:"

    def remember(self, token_id: str, user_id: str, ttl_seconds: int) -> None:
        """Allow the refresh token ``token_id`` of ``user_id`` for ``ttl_seconds``."""
        self._client.set(self._prefix + token_id, user_id, ex=max(ttl_seconds, 1))

    def consume(self, token_id: str) -> str | None:
        """Atomically take the token out of the allow-list; None if revoked, used or expired."""
        raw = self._client.getdel(self._prefix + token_id)
        return cast(bytes, raw).decode() if raw is not None else None

    def revoke(self, token_id: str) -> bool:
        """Delete the token id; True if it was still valid."""
        return bool(self._client.delete(self._prefix + token_id))
