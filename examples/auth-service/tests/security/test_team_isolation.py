"""Authorization between teams: outsiders learn nothing, members cannot administer."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from tests.helpers import add_member, create_team, signed_in

SSO = {"provider": "oidc", "metadata_url": "https://idp.example.com/.well-known", "enabled": True}


@dataclass(frozen=True)
class Team:
    """A team and the Authorization headers of its admin, a member and an outsider."""

    id: str
    admin: dict[str, str]
    member: dict[str, str]
    outsider: dict[str, str]


@pytest.fixture
def team(client: TestClient) -> Team:
    _, admin = signed_in(client, "admin")
    member_email, member = signed_in(client, "member")
    _, outsider = signed_in(client, "outsider")
    team_id = create_team(client, admin, "Red team")
    add_member(client, team_id, admin, member_email)
    return Team(id=team_id, admin=admin, member=member, outsider=outsider)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "", None),
        ("GET", "/members", None),
        ("POST", "/members", {"email": "someone@example.com"}),
        ("GET", "/sso", None),
        ("PUT", "/sso", SSO),
    ],
)
def test_outsider_gets_404_for_everything(
    client: TestClient, team: Team, method: str, path: str, body: object
) -> None:
    response = client.request(method, f"/teams/{team.id}{path}", json=body, headers=team.outsider)
    assert (response.status_code, response.json()) == (404, {"detail": "team not found"})


def test_outsider_cannot_add_themself(client: TestClient, team: Team) -> None:
    me = client.get("/me", headers=team.outsider).json()
    response = client.post(
        f"/teams/{team.id}/members",
        json={"email": me["email"], "role": "admin"},
        headers=team.outsider,
    )
    assert response.status_code == 404
    assert client.get("/teams", headers=team.outsider).json() == []


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/members", {"email": "someone@example.com", "role": "admin"}),
        ("GET", "/sso", None),
        ("PUT", "/sso", SSO),
    ],
)
def test_member_gets_403_for_admin_actions(
    client: TestClient, team: Team, method: str, path: str, body: object
) -> None:
    response = client.request(method, f"/teams/{team.id}{path}", json=body, headers=team.member)
    assert response.status_code == 403
    assert response.json() == {"detail": "only team admins may do this to team"}


def test_member_cannot_promote_themself(client: TestClient, team: Team) -> None:
    me = client.get("/me", headers=team.member).json()
    response = client.post(
        f"/teams/{team.id}/members",
        json={"email": me["email"], "role": "admin"},
        headers=team.member,
    )
    assert response.status_code == 403
    roles = client.get(f"/teams/{team.id}/members", headers=team.admin).json()
    assert {m["email"]: m["role"] for m in roles}[me["email"]] == "member"


def test_member_may_view_the_team_and_its_members(client: TestClient, team: Team) -> None:
    headers = team.member
    assert client.get(f"/teams/{team.id}", headers=headers).status_code == 200
    assert client.get(f"/teams/{team.id}/members", headers=headers).status_code == 200


def test_admin_of_one_team_has_no_rights_in_another(client: TestClient, team: Team) -> None:
    _, other_admin = signed_in(client, "other-admin")
    other_team = create_team(client, other_admin, "Blue team")
    assert client.get(f"/teams/{other_team}/sso", headers=team.admin).status_code == 404
    assert client.get(f"/teams/{team.id}/sso", headers=other_admin).status_code == 404
    response = client.put(f"/teams/{other_team}/sso", json=SSO, headers=team.admin)
    assert response.status_code == 404
    assert client.get(f"/teams/{other_team}/sso", headers=other_admin).json()["enabled"] is False
