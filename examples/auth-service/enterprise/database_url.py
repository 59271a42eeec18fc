"""Postgres URL handling shared by the app and Alembic."""

from __future__ import annotations

from sqlalchemy.engine import URL, make_url


def sqlalchemy_url(database_url: str) -> URL:
    """Return ``database_url`` as a SQLAlchemy URL that uses the psycopg 3 driver.

    Operators write plain ``postgresql://`` (or Heroku-style ``postgres://``) URLs; SQLAlchemy
    would pick psycopg2 for those, which is not installed.
    """
    url = make_url(database_url.replace("postgres://", "postgresql://", 1))
    if url.get_backend_name() != "postgresql":
        raise ValueError(
            f"DATABASE_URL uses backend {url.get_backend_name()!r}; expected postgresql"
        )
    return url.set(drivername="postgresql+psycopg")
