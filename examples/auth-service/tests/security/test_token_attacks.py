"""Forged, tampered, expired, mis-typed and wrongly signed tokens are all refused with 401."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from enterprise.database_url import sqlalchemy_url
from enterprise.settings import Settings
from tests.helpers import bearer, login, new_email, register


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims_for(user_id: str, **overrides: object) -> dict[str, object]:
    now = int(time.time())
    claims: dict[str, object] = {
        "sub": user_id,
        "type": "access",
        "jti": uuid.uuid4().hex,
        "iat": now,
        "exp": now + 300,
        "iss": "fm-auth-service",
    }
    claims.update(overrides)
    return claims


def hand_signed(header: dict[str, str], claims: dict[str, object], key: bytes, digest: str) -> str:
    """A JWT assembled by hand, as an attacker would, to try algorithms the library would refuse."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    signature = hmac.new(key, signing_input.encode(), getattr(hashlib, digest)).digest()
    return f"{signing_input}.{b64(signature)}"


@pytest.fixture
def victim(client: TestClient) -> dict[str, str]:
    email = new_email("victim")
    user = register(client, email)
    tokens = login(client, email)
    assert client.get("/me", headers=bearer(tokens["access_token"])).status_code == 200
    return {"id": user["id"], "email": email, **tokens}


def assert_refused(client: TestClient, token: str, detail: str = "token is invalid") -> None:
    response = client.get("/me", headers=bearer(token))
    assert (response.status_code, response.json()) == (401, {"detail": detail})
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_tampered_payload_is_refused(client: TestClient, victim: dict[str, str]) -> None:
    header, payload, signature = victim["access_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["sub"] = str(uuid.uuid4())
    assert_refused(client, f"{header}.{b64(json.dumps(claims).encode())}.{signature}")


def test_tampered_signature_is_refused(client: TestClient, victim: dict[str, str]) -> None:
    token = victim["access_token"]
    flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    assert_refused(client, flipped)


def test_token_signed_with_another_key_is_refused(
    client: TestClient, victim: dict[str, str]
) -> None:
    forged = jwt.encode(claims_for(victim["id"]), "attacker-key" * 4, algorithm="HS256")
    assert_refused(client, forged)


def test_alg_none_is_refused(client: TestClient, victim: dict[str, str]) -> None:
    header = b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    payload = b64(json.dumps(claims_for(victim["id"])).encode())
    assert_refused(client, f"{header}.{payload}.")


@pytest.mark.parametrize(("alg", "digest"), [("HS384", "sha384"), ("HS512", "sha512")])
def test_other_hmac_algorithms_with_the_real_key_are_refused(
    client: TestClient, settings: Settings, victim: dict[str, str], alg: str, digest: str
) -> None:
    token = hand_signed(
        {"alg": alg, "typ": "JWT"},
        claims_for(victim["id"]),
        settings.jwt_secret_key.encode(),
        digest,
    )
    assert_refused(client, token)


def test_rs256_header_with_hmac_signature_is_refused(
    client: TestClient, settings: Settings, victim: dict[str, str]
) -> None:
    token = hand_signed(
        {"alg": "RS256", "typ": "JWT"},
        claims_for(victim["id"]),
        settings.jwt_secret_key.encode(),
        "sha256",
    )
    assert_refused(client, token)


def test_expired_token_signed_with_the_real_key_is_refused(
    client: TestClient, settings: Settings, victim: dict[str, str]
) -> None:
    now = int(time.time())
    token = jwt.encode(
        claims_for(victim["id"], iat=now - 1000, exp=now - 1),
        settings.jwt_secret_key,
        algorithm="HS256",
    )
    assert_refused(client, token, "token has expired")


def test_refresh_token_is_not_an_access_token(client: TestClient, victim: dict[str, str]) -> None:
    assert_refused(client, victim["refresh_token"], "expected a access token")


def test_access_token_is_not_a_refresh_token(client: TestClient, victim: dict[str, str]) -> None:
    response = client.post("/auth/refresh", json={"refresh_token": victim["access_token"]})
    assert (response.status_code, response.json()) == (401, {"detail": "expected a refresh token"})


def test_token_of_a_deleted_user_is_refused(
    client: TestClient, settings: Settings, victim: dict[str, str]
) -> None:
    engine = create_engine(sqlalchemy_url(settings.database_url))
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM users WHERE email = :e"), {"e": victim["email"]})
    engine.dispose()
    assert_refused(client, victim["access_token"], "user no longer exists")


def test_valid_signature_for_unknown_user_is_refused(
    client: TestClient, settings: Settings
) -> None:
    token = jwt.encode(claims_for(str(uuid.uuid4())), settings.jwt_secret_key, algorithm="HS256")
    assert_refused(client, token, "user no longer exists")
