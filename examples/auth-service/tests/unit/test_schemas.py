from __future__ import annotations

import pytest
from pydantic import ValidationError

from enterprise.authorization import TeamRole
from enterprise.schemas import (
    LoginRequest,
    MemberAdd,
    RegisterRequest,
    SSOConfigIn,
    SSOProvider,
    TeamCreate,
)


def test_register_lowercases_email() -> None:
    body = RegisterRequest(email="Ann@Example.COM", password="x" * 12)
    assert body.email == "ann@example.com"


@pytest.mark.parametrize(
    "payload",
    [
        {"email": "not-an-email", "password": "x" * 12},
        {"email": "ann@example.com", "password": "x" * 11},
        {"email": "ann@example.com", "password": "x" * 129},
        {"email": "ann@example.com", "password": "x" * 12, "is_admin": True},
    ],
    ids=["bad-email", "short-password", "long-password", "extra-field"],
)
def test_register_rejects(payload: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        RegisterRequest.model_validate(payload)


def test_login_accepts_short_password_but_not_empty() -> None:
    assert LoginRequest(email="A@example.com", password="x").email == "a@example.com"
    with pytest.raises(ValidationError):
        LoginRequest(email="a@example.com", password="")


def test_team_name_is_stripped_and_not_blank() -> None:
    assert TeamCreate(name="  Platform ").name == "Platform"
    with pytest.raises(ValidationError, match="blank"):
        TeamCreate(name="   ")


def test_member_defaults_to_member_role() -> None:
    body = MemberAdd.model_validate({"email": "Bob@Example.com"})
    assert (body.email, body.role) == ("bob@example.com", TeamRole.MEMBER)
    with pytest.raises(ValidationError):
        MemberAdd.model_validate({"email": "bob@example.com", "role": "owner"})


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"enabled": False, "provider": "saml"},
        {
            "enabled": True,
            "provider": "oidc",
            "metadata_url": "https://idp.example.com/.well-known",
        },
        {"enabled": False, "metadata_url": "https://idp.example.com/metadata.xml"},
    ],
)
def test_valid_sso_settings(payload: dict[str, object]) -> None:
    SSOConfigIn.model_validate(payload)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"enabled": True}, "needs both provider and metadata_url"),
        ({"enabled": True, "provider": "saml"}, "needs both"),
        ({"enabled": True, "metadata_url": "https://idp.example.com/m"}, "needs both"),
        ({"metadata_url": "http://idp.example.com/m"}, "https://"),
        ({"metadata_url": "idp.example.com/m"}, "https://"),
        ({"metadata_url": "https://user:pw@idp.example.com/m"}, "credentials"),
        ({"provider": "ldap"}, "provider"),
        ({"enabled": False, "extra": 1}, "extra"),
    ],
)
def test_invalid_sso_settings(payload: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        SSOConfigIn.model_validate(payload)


def test_sso_provider_values() -> None:
    assert {p.value for p in SSOProvider} == {"saml", "oidc"}
