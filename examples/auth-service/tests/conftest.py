"""Shared fixtures. Markers come from the directory, so no test can miss its suite.

Postgres/Redis fixtures (integration, security) give each test run its own Postgres schema and
Redis key prefix, and each test empty tables and no keys, so suites can share one server pair.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from fastapi.testclient import TestClient
from redis import Redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from enterprise.database_url import sqlalchemy_url
from enterprise.main import create_app
from enterprise.settings import Settings

SERVICE_DIR = Path(__file__).resolve().parent.parent
SUITES = ("unit", "integration", "security")
TABLES = ("team_sso_configs", "team_members", "teams", "users")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        suite = Path(str(item.fspath)).relative_to(SERVICE_DIR / "tests").parts[0]
        if suite not in SUITES:
            raise pytest.UsageError(f"{item.nodeid}: tests live in tests/{{{','.join(SUITES)}}}/")
        item.add_marker(getattr(pytest.mark, suite))


def random_secret() -> str:
    return secrets.token_urlsafe(48)


@pytest.fixture(scope="session")
def service_urls() -> tuple[str, str]:
    database_url = os.environ.get("DATABASE_URL", "").strip()
    redis_url = os.environ.get("REDIS_URL", "").strip()
    if not database_url or not redis_url:
        pytest.fail(
            "integration and security tests need DATABASE_URL and REDIS_URL; from the repository "
            'root run: set -a; eval "$(scripts/setup/postgres-redis.sh start)"; set +a',
            pytrace=False,
        )
    return database_url, redis_url


def url_with_schema(database_url: str, schema: str) -> URL:
    return sqlalchemy_url(database_url).update_query_dict({"options": f"-csearch_path={schema}"})


def alembic_config() -> Config:
    return Config(str(SERVICE_DIR / "alembic.ini"))


def run_alembic(url: URL, action: str, revision: str) -> None:
    """Run an alembic command the way the deploy does: DATABASE_URL in the environment."""
    previous = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = url.render_as_string(hide_password=False)
    try:
        getattr(command, action)(alembic_config(), revision)
    finally:
        if previous is None:
            del os.environ["DATABASE_URL"]
        else:
            os.environ["DATABASE_URL"] = previous


@pytest.fixture(scope="session")
def schema_url(service_urls: tuple[str, str]) -> Iterator[URL]:
    """A fresh schema migrated to head with Alembic, dropped at the end of the run."""
    schema = f"test_{os.getpid()}_{secrets.token_hex(4)}"
    admin = create_engine(sqlalchemy_url(service_urls[0]))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = url_with_schema(service_urls[0], schema)
    try:
        run_alembic(url, "upgrade", "head")
        yield url
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def settings(schema_url: URL, service_urls: tuple[str, str]) -> Iterator[Settings]:
    """Settings for one test, with empty tables and no Redis keys under its prefix."""
    prefix = f"fm-auth-test:{secrets.token_hex(6)}:"
    engine = create_engine(schema_url)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {', '.join(TABLES)} CASCADE"))
    engine.dispose()
    yield Settings(
        jwt_secret_key=random_secret(),
        database_url=schema_url.render_as_string(hide_password=False),
        redis_url=service_urls[1],
        environment="test",
        redis_key_prefix=prefix,
    )
    redis = Redis.from_url(service_urls[1])
    keys = list(redis.scan_iter(match=prefix + "*"))
    if keys:
        redis.delete(*keys)
    redis.close()


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client
