"""Small HTTP helpers shared by the integration and security tests."""

from __future__ import annotations

import secrets

from fastapi.testclient import TestClient

PASSWORD = "correct horse battery staple"


def new_email(name: str = "user") -> str:
    return f"{name}-{secrets.token_hex(4)}@example.com"


def register(client: TestClient, email: str, password: str = PASSWORD) -> dict[str, str]:
    response = client.post("/auth/register", json={"email": email, "password": password})
    assert response.status_code == 201, response.text
    body: dict[str, str] = response.json()
    return body


def login(client: TestClient, email: str, password: str = PASSWORD) -> dict[str, str]:
    response = client.post("/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def signed_in(client: TestClient, name: str = "user") -> tuple[str, dict[str, str]]:
    """Register and log in a new user; return their email and Authorization header."""
    email = new_email(name)
    register(client, email)
    return email, bearer(login(client, email)["access_token"])


def create_team(client: TestClient, headers: dict[str, str], name: str = "Platform") -> str:
    response = client.post("/teams", json={"name": name}, headers=headers)
    assert response.status_code == 201, response.text
    team_id: str = response.json()["id"]
    return team_id


def add_member(
    client: TestClient, team_id: str, headers: dict[str, str], email: str, role: str = "member"
) -> None:
    response = client.post(
        f"/teams/{team_id}/members", json={"email": email, "role": role}, headers=headers
    )
    assert response.status_code == 201, response.text
