"""Service settings, read once from the environment at startup."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

# HS256 keys shorter than the hash output weaken the signature; RFC 7518 3.2 asks for >= 256 bits.
MIN_JWT_SECRET_LENGTH = 32
DEFAULT_DATABASE_URL = "postgresql://postgres:postgres@127.0.0.1:5432/auth"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
KNOWN_ENVIRONMENTS = ("development", "test", "staging", "production")


class SettingsError(ValueError):
    """A required setting is missing or malformed; the message names the variable and the fix."""


@dataclass(frozen=True)
class Settings:
    """Everything the service reads from its environment. The secret is kept out of repr()."""

    jwt_secret_key: str
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str = DEFAULT_REDIS_URL
    environment: str = "development"
    log_level: str = "INFO"
    access_token_ttl_seconds: int = 15 * 60
    refresh_token_ttl_seconds: int = 7 * 24 * 3600
    login_max_failures: int = 5
    login_window_seconds: int = 60
    redis_key_prefix: str = "fm-auth:"
    jwt_issuer: str = "fm-auth-service"

    def __repr__(self) -> str:
        return (
            f"Settings(environment={self.environment!r}, log_level={self.log_level!r}, "
            "jwt_secret_key=<hidden>, database_url=<hidden>, redis_url=<hidden>)"
        )


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not an integer; set it to a whole number") from None
    if value <= 0:
        raise SettingsError(f"{name}={value} must be greater than 0")
    return value


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build Settings from ``env`` (default: ``os.environ``); raise SettingsError on bad input."""
    source = os.environ if env is None else env
    secret = source.get("JWT_SECRET_KEY", "")
    if not secret.strip():
        raise SettingsError(
            "JWT_SECRET_KEY is not set: the service cannot sign tokens. "
            f"Set JWT_SECRET_KEY to a random string of at least {MIN_JWT_SECRET_LENGTH} characters."
        )
    if len(secret) < MIN_JWT_SECRET_LENGTH:
        raise SettingsError(
            f"JWT_SECRET_KEY is {len(secret)} characters long; use at least "
            f"{MIN_JWT_SECRET_LENGTH} (for example: python -c 'import secrets; "
            "print(secrets.token_urlsafe(48))')."
        )
    environment = source.get("ENVIRONMENT", "development").strip() or "development"
    if environment not in KNOWN_ENVIRONMENTS:
        raise SettingsError(
            f"ENVIRONMENT={environment!r} is unknown; use one of {', '.join(KNOWN_ENVIRONMENTS)}"
        )
    database_url = source.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL
    if not database_url.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
        raise SettingsError(
            "DATABASE_URL must be a Postgres URL (postgresql://user:password@host:port/db)"
        )
    redis_url = source.get("REDIS_URL", "").strip() or DEFAULT_REDIS_URL
    if not redis_url.startswith(("redis://", "rediss://", "unix://")):
        raise SettingsError("REDIS_URL must be a Redis URL (redis://host:port/db or rediss://...)")
    return Settings(
        jwt_secret_key=secret,
        database_url=database_url,
        redis_url=redis_url,
        environment=environment,
        log_level=(source.get("LOG_LEVEL", "INFO").strip() or "INFO").upper(),
        access_token_ttl_seconds=_positive_int(source, "ACCESS_TOKEN_TTL_SECONDS", 15 * 60),
        refresh_token_ttl_seconds=_positive_int(source, "REFRESH_TOKEN_TTL_SECONDS", 7 * 24 * 3600),
        login_max_failures=_positive_int(source, "LOGIN_MAX_FAILURES", 5),
        login_window_seconds=_positive_int(source, "LOGIN_WINDOW_SECONDS", 60),
        redis_key_prefix=source.get("REDIS_KEY_PREFIX", "fm-auth:"),
    )
