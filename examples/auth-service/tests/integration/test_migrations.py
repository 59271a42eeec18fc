from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL

from enterprise.database_url import sqlalchemy_url
from enterprise.migration_lock import MIGRATION_LOCK_KEY
from enterprise.models import Base
from tests.conftest import run_alembic, url_with_schema

TABLES = {"users", "teams", "team_members", "team_sso_configs", "alembic_version"}


@pytest.fixture
def empty_schema(service_urls: tuple[str, str]) -> Iterator[URL]:
    schema = f"mig_{secrets.token_hex(4)}"
    admin = create_engine(sqlalchemy_url(service_urls[0]))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield url_with_schema(service_urls[0], schema)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def table_names(url: URL) -> set[str]:
    engine = create_engine(url)
    names = set(inspect(engine).get_table_names())
    engine.dispose()
    return names


def test_upgrade_downgrade_upgrade(empty_schema: URL) -> None:
    run_alembic(empty_schema, "upgrade", "head")
    assert table_names(empty_schema) == TABLES
    run_alembic(empty_schema, "downgrade", "base")
    assert table_names(empty_schema) == {"alembic_version"}
    run_alembic(empty_schema, "upgrade", "head")
    assert table_names(empty_schema) == TABLES


def test_migrations_match_the_models(schema_url: URL) -> None:
    engine = create_engine(schema_url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert diff == []


def test_database_enforces_the_role_values(schema_url: URL) -> None:
    engine = create_engine(schema_url)
    with pytest.raises(Exception, match="ck_team_members_role"):
        with engine.begin() as connection:
            user = connection.execute(
                text(
                    "INSERT INTO users (id, email, password_hash) VALUES (gen_random_uuid(), "
                    "'x@example.com', 'h') RETURNING id"
                )
            ).scalar_one()
            team = connection.execute(
                text(
                    "INSERT INTO teams (id, name, created_by) VALUES (gen_random_uuid(), 't', :u) "
                    "RETURNING id"
                ),
                {"u": user},
            ).scalar_one()
            connection.execute(
                text("INSERT INTO team_members (team_id, user_id, role) VALUES (:t, :u, 'owner')"),
                {"t": team, "u": user},
            )
    engine.dispose()


def test_a_second_migration_waits_for_the_advisory_lock(empty_schema: URL) -> None:
    """env.py takes a Postgres advisory lock: while another session holds it, alembic waits."""
    holder = create_engine(empty_schema)
    with holder.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
        connection.commit()
        done = threading.Event()
        errors: list[BaseException] = []

        def migrate() -> None:
            try:
                run_alembic(empty_schema, "upgrade", "head")
            except BaseException as error:  # noqa: BLE001 - reported by the assertion below
                errors.append(error)
            finally:
                done.set()

        worker = threading.Thread(target=migrate)
        worker.start()
        assert not done.wait(1.5), "alembic ran while another session held the migration lock"
        connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK_KEY})
        connection.commit()
        assert done.wait(30), "alembic did not run after the lock was released"
        worker.join()
    holder.dispose()
    assert errors == []
    assert table_names(empty_schema) == TABLES
