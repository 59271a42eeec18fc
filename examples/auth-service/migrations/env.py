"""Alembic environment: the target database comes from DATABASE_URL, never from alembic.ini."""

from __future__ import annotations

import os
import sys
from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine, pool

from enterprise.database_url import sqlalchemy_url
from enterprise.models import Base

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


def run_migrations_online() -> None:
    engine = create_engine(sqlalchemy_url(_database_url()), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
