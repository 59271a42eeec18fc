from __future__ import annotations

import pytest

from enterprise.database_url import sqlalchemy_url


@pytest.mark.parametrize(
    "given",
    [
        "postgresql://u:p@db:5432/auth",
        "postgres://u:p@db:5432/auth",
        "postgresql+psycopg://u:p@db:5432/auth",
    ],
)
def test_postgres_urls_use_psycopg3(given: str) -> None:
    url = sqlalchemy_url(given)
    assert url.drivername == "postgresql+psycopg"
    assert (url.username, url.password, url.host, url.port, url.database) == (
        "u",
        "p",
        "db",
        5432,
        "auth",
    )


def test_query_options_are_kept() -> None:
    url = sqlalchemy_url("postgresql://u:p@db/auth?sslmode=require")
    assert url.query == {"sslmode": "require"}


def test_other_backends_are_refused() -> None:
    with pytest.raises(ValueError, match="expected postgresql"):
        sqlalchemy_url("mysql://u:p@db/auth")
