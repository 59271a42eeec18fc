"""Request and response bodies of the HTTP API."""

from __future__ import annotations

import uuid
from enum import StrEnum
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator

from enterprise.authorization import TeamRole

MIN_PASSWORD_LENGTH = 12
# Argon2 hashes any length, but unbounded input is a cheap denial of service.
MAX_PASSWORD_LENGTH = 128


class RegisterRequest(BaseModel):
    """POST /auth/register."""

    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)

    @field_validator("email")
    @classmethod
    def lowercase_email(cls, value: str) -> str:
        return value.lower()


class LoginRequest(BaseModel):
    """POST /auth/login. No length rule here: a login only compares."""

    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)

    @field_validator("email")
    @classmethod
    def lowercase_email(cls, value: str) -> str:
        return value.lower()


class RefreshRequest(BaseModel):
    """POST /auth/refresh and POST /auth/logout."""

    model_config = ConfigDict(extra="forbid")

    refresh_token: str = Field(min_length=1, max_length=4096)


class TokenResponse(BaseModel):
    """A fresh token pair."""

    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int
    refresh_expires_in: int


class UserOut(BaseModel):
    """A user as the API shows it (never the password hash)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str


class TeamCreate(BaseModel):
    """POST /teams."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)

    @field_validator("name")
    @classmethod
    def strip_name(cls, value: str) -> str:
        stripped = value.strip()
        if not stripped:
            raise ValueError("team name must not be blank")
        return stripped


class TeamOut(BaseModel):
    """A team and the caller's role in it."""

    id: uuid.UUID
    name: str
    role: TeamRole


class MemberAdd(BaseModel):
    """POST /teams/{id}/members: add a registered user by email."""

    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    role: TeamRole = TeamRole.MEMBER

    @field_validator("email")
    @classmethod
    def lowercase_email(cls, value: str) -> str:
        return value.lower()


class MemberOut(BaseModel):
    """One team member."""

    user_id: uuid.UUID
    email: str
    role: TeamRole


class SSOProvider(StrEnum):
    """Supported single sign-on protocols."""

    SAML = "saml"
    OIDC = "oidc"


class SSOConfigIn(BaseModel):
    """PUT /teams/{id}/sso. Enabling SSO needs a provider and an https metadata URL."""

    model_config = ConfigDict(extra="forbid")

    provider: SSOProvider | None = None
    metadata_url: str | None = Field(default=None, max_length=2048)
    enabled: bool = False

    @field_validator("metadata_url")
    @classmethod
    def https_only(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        # Metadata carries signing keys: over plain http anyone on the path could swap them.
        if parts.scheme != "https" or not parts.hostname:
            raise ValueError("metadata_url must be an absolute https:// URL")
        if parts.username or parts.password:
            raise ValueError("metadata_url must not embed credentials")
        return value

    @model_validator(mode="after")
    def complete_when_enabled(self) -> SSOConfigIn:
        if self.enabled and (self.provider is None or self.metadata_url is None):
            raise ValueError("enabling SSO needs both provider and metadata_url")
        return self


class SSOConfigOut(BaseModel):
    """A team's SSO settings (a team that never set them reads as disabled)."""

    team_id: uuid.UUID
    provider: SSOProvider | None
    metadata_url: str | None
    enabled: bool
