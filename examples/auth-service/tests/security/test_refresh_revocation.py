"""Refresh tokens are single-use and revocable."""

from __future__ import annotations

import time

import jwt
from fastapi.testclient import TestClient

from enterprise.settings import Settings
from tests.helpers import login, new_email, register


def refresh(client: TestClient, token: str) -> tuple[int, dict[str, object]]:
    response = client.post("/auth/refresh", json={"refresh_token": token})
    return response.status_code, response.json()


def test_rotated_refresh_token_cannot_be_replayed(client: TestClient) -> None:
    email = new_email()
    register(client, email)
    first = login(client, email)
    status, second = refresh(client, first["refresh_token"])
    assert status == 200
    assert refresh(client, first["refresh_token"]) == (
        401,
        {"detail": "refresh token has been revoked or already used"},
    )
    assert refresh(client, str(second["refresh_token"]))[0] == 200


def test_logged_out_refresh_token_is_revoked(client: TestClient) -> None:
    email = new_email()
    register(client, email)
    tokens = login(client, email)
    client.post("/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert refresh(client, tokens["refresh_token"])[0] == 401


def test_logout_of_one_session_keeps_the_other(client: TestClient) -> None:
    email = new_email()
    register(client, email)
    laptop, phone = login(client, email), login(client, email)
    client.post("/auth/logout", json={"refresh_token": laptop["refresh_token"]})
    assert refresh(client, laptop["refresh_token"])[0] == 401
    assert refresh(client, phone["refresh_token"])[0] == 200


def test_validly_signed_refresh_token_never_issued_is_refused(
    client: TestClient, settings: Settings
) -> None:
    email = new_email()
    user = register(client, email)
    now = int(time.time())
    claims = {
        "sub": user["id"],
        "type": "refresh",
        "jti": "never-issued",
        "iat": now,
        "exp": now + 3600,
        "iss": "fm-auth-service",
    }
    forged = jwt.encode(claims, settings.jwt_secret_key, algorithm="HS256")
    assert refresh(client, forged)[0] == 401


def test_refresh_token_of_another_user_id_is_refused(
    client: TestClient, settings: Settings
) -> None:
    """A real jti re-signed under another subject (needs the key, but proves the owner check)."""
    victim, attacker = new_email("victim"), new_email("attacker")
    victim_user = register(client, victim)
    register(client, attacker)
    stolen = login(client, attacker)["refresh_token"]
    claims = jwt.decode(
        stolen, settings.jwt_secret_key, algorithms=["HS256"], issuer="fm-auth-service"
    )
    claims["sub"] = victim_user["id"]
    forged = jwt.encode(claims, settings.jwt_secret_key, algorithm="HS256")
    assert refresh(client, forged)[0] == 401
