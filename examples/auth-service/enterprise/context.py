"""The objects one running app shares between requests, built once from Settings."""

from __future__ import annotations

from dataclasses import dataclass

from redis import Redis
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

from enterprise.database_url import sqlalchemy_url
from enterprise.rate_limit import LoginRateLimitPolicy
from enterprise.redis_stores import RedisFailureCounter, RedisRefreshTokenStore
from enterprise.settings import Settings
from enterprise.tokens import TokenService

# Readiness probes and requests must fail fast when a dependency is down, not hang the worker.
CONNECT_TIMEOUT_SECONDS = 3


@dataclass
class AppContext:
    """Long-lived collaborators; nothing connects until first use."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    redis: Redis
    tokens: TokenService
    refresh_tokens: RedisRefreshTokenStore
    login_failures: RedisFailureCounter
    login_policy: LoginRateLimitPolicy

    def close(self) -> None:
        """Release pooled connections."""
        self.engine.dispose()
        self.redis.close()


def build_context(settings: Settings) -> AppContext:
    """Create the engine, Redis client and services for ``settings``."""
    engine = create_engine(
        sqlalchemy_url(settings.database_url),
        pool_pre_ping=True,
        connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS},
    )
    redis = Redis.from_url(
        settings.redis_url,
        socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
        socket_timeout=CONNECT_TIMEOUT_SECONDS,
    )
    return AppContext(
        settings=settings,
        engine=engine,
        sessions=sessionmaker(engine, expire_on_commit=False),
        redis=redis,
        tokens=TokenService(
            secret_key=settings.jwt_secret_key,
            issuer=settings.jwt_issuer,
            access_ttl_seconds=settings.access_token_ttl_seconds,
            refresh_ttl_seconds=settings.refresh_token_ttl_seconds,
        ),
        refresh_tokens=RedisRefreshTokenStore(redis, settings.redis_key_prefix),
        login_failures=RedisFailureCounter(redis, settings.redis_key_prefix),
        login_policy=LoginRateLimitPolicy(
            max_failures=settings.login_max_failures,
            window_seconds=settings.login_window_seconds,
        ),
    )
