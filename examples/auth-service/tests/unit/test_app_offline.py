"""The HTTP layer without Postgres or Redis: routes that must not touch them, and the refusals
that happen before any query. The dependencies point at a loopback port where nothing listens
(a real refused connection, not a mock)."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest
from fastapi.testclient import TestClient

from enterprise import main
from enterprise.main import create_app
from enterprise.settings import Settings

SECRET = "u" * 48


def closed_loopback_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    port = closed_loopback_port()
    settings = Settings(
        jwt_secret_key=SECRET,
        database_url=f"postgresql://nobody:nothing@127.0.0.1:{port}/none",
        redis_url=f"redis://127.0.0.1:{port}/0",
        environment="test",
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_root_reports_service_and_source_version(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("APP_VERSION", raising=False)
    assert client.get("/").json() == {"service": "fm-auth-service", "version": main.__version__}


def test_root_reports_the_baked_app_version(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APP_VERSION", "1.2.3-rc.1+build.7")
    assert client.get("/").json()["version"] == "1.2.3-rc.1+build.7"


def test_health_needs_no_dependency(client: TestClient) -> None:
    response = client.get("/health")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_ready_is_503_and_names_both_dependencies(client: TestClient) -> None:
    response = client.get("/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["failed"] == ["postgres", "redis"]
    assert "nothing" not in response.text  # the DB password never leaks


@pytest.mark.parametrize("path", ["/me", "/teams", "/teams/00000000-0000-0000-0000-000000000000"])
def test_protected_routes_need_a_bearer_token(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json() == {"detail": "missing bearer token"}


def test_basic_auth_is_not_a_bearer_token(client: TestClient) -> None:
    response = client.get("/me", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert response.status_code == 401


def test_garbage_token_is_401_before_any_query(client: TestClient) -> None:
    response = client.get("/me", headers={"Authorization": "Bearer not.a.jwt"})
    assert (response.status_code, response.json()) == (401, {"detail": "token is invalid"})


def test_expired_token_is_401(client: TestClient) -> None:
    now = int(time.time())
    claims = {
        "sub": "00000000-0000-0000-0000-000000000001",
        "type": "access",
        "jti": "x",
        "iat": now - 120,
        "exp": now - 60,
        "iss": "fm-auth-service",
    }
    token = jwt.encode(claims, SECRET, algorithm="HS256")
    response = client.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert (response.status_code, response.json()) == (401, {"detail": "token has expired"})


def test_non_uuid_subject_is_401(client: TestClient) -> None:
    now = int(time.time())
    claims = {
        "sub": "admin",
        "type": "access",
        "jti": "x",
        "iat": now,
        "exp": now + 60,
        "iss": "fm-auth-service",
    }
    token = jwt.encode(claims, SECRET, algorithm="HS256")
    response = client.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert (response.status_code, response.json()) == (401, {"detail": "token is invalid"})


def test_refresh_with_a_forged_token_is_401(client: TestClient) -> None:
    response = client.post("/auth/refresh", json={"refresh_token": "forged"})
    assert response.status_code == 401
    response = client.post("/auth/logout", json={"refresh_token": "forged"})
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("path", "payload"),
    [
        ("/auth/register", {"email": "x", "password": "long enough password"}),
        ("/auth/register", {"email": "a@example.com", "password": "short"}),
        ("/auth/login", {"email": "a@example.com"}),
        ("/auth/refresh", {}),
    ],
)
def test_invalid_bodies_are_422(client: TestClient, path: str, payload: dict[str, str]) -> None:
    assert client.post(path, json=payload).status_code == 422


def test_version_assignment_keeps_the_form_release_tools_read() -> None:
    source = Path(main.__file__).read_text()
    assert re.findall(r'^__version__ = "([^"]+)"$', source, re.MULTILINE) == [main.__version__]
    assert re.fullmatch(r"\d+\.\d+\.\d+", main.__version__)
