from __future__ import annotations

import pytest

from enterprise.main import create_app
from enterprise.settings import MIN_JWT_SECRET_LENGTH, SettingsError, load_settings

SECRET = "s" * MIN_JWT_SECRET_LENGTH


def test_missing_jwt_secret_names_the_variable_and_the_fix() -> None:
    with pytest.raises(SettingsError, match="JWT_SECRET_KEY is not set.*at least 32"):
        load_settings({})


def test_blank_jwt_secret_counts_as_missing() -> None:
    with pytest.raises(SettingsError, match="JWT_SECRET_KEY is not set"):
        load_settings({"JWT_SECRET_KEY": "   "})


def test_short_jwt_secret_is_refused_without_echoing_it() -> None:
    with pytest.raises(SettingsError) as error:
        load_settings({"JWT_SECRET_KEY": "tooshort-secret"})
    assert "15 characters" in str(error.value)
    assert "tooshort-secret" not in str(error.value)


def test_create_app_fails_at_startup_without_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JWT_SECRET_KEY", raising=False)
    with pytest.raises(SettingsError, match="JWT_SECRET_KEY"):
        create_app()


def test_defaults() -> None:
    settings = load_settings({"JWT_SECRET_KEY": SECRET})
    assert settings.database_url.startswith("postgresql://")
    assert settings.redis_url.startswith("redis://")
    assert settings.environment == "development"
    assert (settings.login_max_failures, settings.login_window_seconds) == (5, 60)
    assert settings.access_token_ttl_seconds == 900
    assert settings.refresh_token_ttl_seconds == 7 * 24 * 3600


def test_values_from_the_environment() -> None:
    settings = load_settings(
        {
            "JWT_SECRET_KEY": SECRET,
            "DATABASE_URL": "postgres://u:p@db:5432/auth",
            "REDIS_URL": "rediss://cache:6380/2",
            "ENVIRONMENT": "production",
            "LOG_LEVEL": "debug",
            "ACCESS_TOKEN_TTL_SECONDS": "60",
            "LOGIN_MAX_FAILURES": "3",
        }
    )
    assert settings.database_url == "postgres://u:p@db:5432/auth"
    assert settings.redis_url == "rediss://cache:6380/2"
    assert settings.environment == "production"
    assert settings.log_level == "DEBUG"
    assert settings.access_token_ttl_seconds == 60
    assert settings.login_max_failures == 3


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("ACCESS_TOKEN_TTL_SECONDS", "soon", "not an integer"),
        ("REFRESH_TOKEN_TTL_SECONDS", "0", "greater than 0"),
        ("LOGIN_WINDOW_SECONDS", "-5", "greater than 0"),
        ("ENVIRONMENT", "prod", "unknown"),
        ("DATABASE_URL", "mysql://u:p@db/auth", "Postgres URL"),
        ("REDIS_URL", "http://cache:6379", "Redis URL"),
    ],
)
def test_bad_values_name_the_variable(name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message) as error:
        load_settings({"JWT_SECRET_KEY": SECRET, name: value})
    assert name in str(error.value)


def test_repr_hides_secrets_and_urls() -> None:
    settings = load_settings(
        {"JWT_SECRET_KEY": SECRET, "DATABASE_URL": "postgresql://u:dbpass@db/auth"}
    )
    text = repr(settings)
    assert SECRET not in text and "dbpass" not in text
    assert "<hidden>" in text
