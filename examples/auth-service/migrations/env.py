"""Alembic environment: the target database comes from DATABASE_URL, never from alembic.ini."""

from __future__ import annotations

import os
import sys
from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine, pool, text

from enterprise.database_url import sqlalchemy_url
from enterprise.models import Base
from enterprise.migration_lock import MIGRATION_LOCK_KEY

target_metadata = Base.metadata

# alembic.ini's logging section makes "Running upgrade ..." visible in the deploy's migration task log.
if context.config.config_file_name is not None:
    fileConfig(context.config.config_file_name, disable_existing_loggers=False)


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        sys.exit(
            "alembic: DATABASE_URL is not set; export DATABASE_URL=postgresql://user:password@host:5432/db"
        )
    return url


def run_migrations_offline() -> None:
    context.configure(
        url=sqlalchemy_url(_database_url()).render_as_string(hide_password=False),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


# Two migrations must never run at once (two deploys, a deploy and a `migrate`, a retried task):
# every alembic run first takes a Postgres session-level advisory lock (MIGRATION_LOCK_KEY) and
# waits for it; a second run blocks until the first ends, then finds the database at head.
# Any service can do the same with its own constant key.


def run_migrations_online() -> None:
    engine = create_engine(sqlalchemy_url(_database_url()), poolclass=pool.NullPool)
    with engine.connect() as connection:
        locked = connection.dialect.name == "postgresql"
        if locked:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            # The lock outlives this commit (session level); committing ends the implicit
            # transaction, so alembic opens and commits its own.
            connection.commit()
        try:
            context.configure(connection=connection, target_metadata=target_metadata)
            with context.begin_transaction():
                context.run_migrations()
        finally:
            if locked:
                connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
                connection.commit()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
