from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from enterprise.database_url import sqlalchemy_url
from enterprise.settings import Settings
from tests.helpers import PASSWORD, bearer, login, new_email, register


def test_register_login_me(client: TestClient) -> None:
    email = new_email("ann")
    user = register(client, email.upper())
    assert user["email"] == email
    assert set(user) == {"id", "email"}
    tokens = login(client, email)
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 900
    me = client.get("/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200
    assert me.json() == user


def test_duplicate_email_is_409_whatever_the_case(client: TestClient) -> None:
    email = new_email("dup")
    register(client, email)
    response = client.post("/auth/register", json={"email": email.upper(), "password": PASSWORD})
    assert (response.status_code, response.json()) == (
        409,
        {"detail": "a user with this email already exists"},
    )


def test_wrong_password_and_unknown_email_look_the_same(client: TestClient) -> None:
    email = new_email("ann")
    register(client, email)
    wrong = client.post("/auth/login", json={"email": email, "password": "wrong password!"})
    unknown = client.post("/auth/login", json={"email": new_email("x"), "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"detail": "invalid email or password"}


def test_refresh_rotates_the_pair(client: TestClient) -> None:
    email = new_email("ann")
    register(client, email)
    first = login(client, email)
    response = client.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert response.status_code == 200
    second = response.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert client.get("/me", headers=bearer(second["access_token"])).status_code == 200
    again = client.post("/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert again.status_code == 200


def test_logout_revokes_the_refresh_token(client: TestClient) -> None:
    email = new_email("ann")
    register(client, email)
    tokens = login(client, email)
    assert (
        client.post("/auth/logout", json={"refresh_token": tokens["refresh_token"]}).status_code
        == 204
    )
    response = client.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert response.status_code == 401
    # Logging out twice is harmless.
    assert (
        client.post("/auth/logout", json={"refresh_token": tokens["refresh_token"]}).status_code
        == 204
    )


def test_password_is_stored_as_argon2id(client: TestClient, settings: Settings) -> None:
    email = new_email("ann")
    register(client, email)
    engine = create_engine(sqlalchemy_url(settings.database_url))
    with engine.connect() as connection:
        stored = connection.execute(
            text("SELECT password_hash FROM users WHERE email = :e"), {"e": email}
        ).scalar_one()
    engine.dispose()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_deactivated_user_cannot_log_in_or_use_tokens(
    client: TestClient, settings: Settings
) -> None:
    email = new_email("ann")
    register(client, email)
    tokens = login(client, email)
    engine = create_engine(sqlalchemy_url(settings.database_url))
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE users SET is_active = false WHERE email = :e"), {"e": email}
        )
    engine.dispose()
    assert client.get("/me", headers=bearer(tokens["access_token"])).status_code == 401
    assert (
        client.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).status_code
        == 401
    )
    response = client.post("/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 401
