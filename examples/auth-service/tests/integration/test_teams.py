from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

from tests.helpers import add_member, create_team, signed_in


def test_creator_is_admin_and_sees_the_team(client: TestClient) -> None:
    _, admin = signed_in(client, "admin")
    team_id = create_team(client, admin, "  Platform  ")
    team = client.get(f"/teams/{team_id}", headers=admin).json()
    assert team == {"id": team_id, "name": "Platform", "role": "admin"}
    assert client.get("/teams", headers=admin).json() == [team]


def test_members_are_added_and_listed(client: TestClient) -> None:
    admin_email, admin = signed_in(client, "admin")
    member_email, member = signed_in(client, "member")
    team_id = create_team(client, admin)
    add_member(client, team_id, admin, member_email.upper())
    listed = client.get(f"/teams/{team_id}/members", headers=member).json()
    assert sorted((m["email"], m["role"]) for m in listed) == sorted(
        [(admin_email, "admin"), (member_email, "member")]
    )
    assert client.get("/teams", headers=member).json()[0]["role"] == "member"


def test_adding_unknown_or_existing_members(client: TestClient) -> None:
    _, admin = signed_in(client, "admin")
    member_email, _ = signed_in(client, "member")
    team_id = create_team(client, admin)
    unknown = client.post(
        f"/teams/{team_id}/members", json={"email": "nobody@example.com"}, headers=admin
    )
    assert (unknown.status_code, unknown.json()["detail"]) == (
        404,
        "no registered user has this email",
    )
    add_member(client, team_id, admin, member_email)
    again = client.post(f"/teams/{team_id}/members", json={"email": member_email}, headers=admin)
    assert again.status_code == 409


def test_sso_defaults_then_put_then_get(client: TestClient) -> None:
    _, admin = signed_in(client, "admin")
    team_id = create_team(client, admin)
    default = client.get(f"/teams/{team_id}/sso", headers=admin).json()
    assert default == {"team_id": team_id, "provider": None, "metadata_url": None, "enabled": False}
    config = {
        "provider": "saml",
        "metadata_url": "https://idp.example.com/saml/metadata.xml",
        "enabled": True,
    }
    put = client.put(f"/teams/{team_id}/sso", json=config, headers=admin)
    assert put.status_code == 200
    assert put.json() == {"team_id": team_id, **config}
    assert client.get(f"/teams/{team_id}/sso", headers=admin).json() == {
        "team_id": team_id,
        **config,
    }
    disabled = client.put(f"/teams/{team_id}/sso", json={"enabled": False}, headers=admin).json()
    assert disabled["enabled"] is False and disabled["provider"] is None


def test_enabling_sso_without_metadata_is_422(client: TestClient) -> None:
    _, admin = signed_in(client, "admin")
    team_id = create_team(client, admin)
    response = client.put(
        f"/teams/{team_id}/sso", json={"provider": "oidc", "enabled": True}, headers=admin
    )
    assert response.status_code == 422


def test_second_admin_can_manage(client: TestClient) -> None:
    _, admin = signed_in(client, "admin")
    second_email, second = signed_in(client, "second")
    third_email, _ = signed_in(client, "third")
    team_id = create_team(client, admin)
    add_member(client, team_id, admin, second_email, role="admin")
    add_member(client, team_id, second, third_email)
    assert client.get(f"/teams/{team_id}/sso", headers=second).status_code == 200


def test_unknown_team_is_404(client: TestClient) -> None:
    _, user = signed_in(client)
    assert client.get(f"/teams/{uuid.uuid4()}", headers=user).status_code == 404
    assert client.get("/teams/not-a-uuid", headers=user).status_code == 422
