"""JWT access and refresh tokens (HS256), their claims and validation."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import jwt

ALGORITHM = "HS256"
_REQUIRED_CLAIMS = ["exp", "iat", "sub", "jti", "type", "iss"]


class TokenType(StrEnum):
    """What a token may be used for; an access token is never accepted as a refresh token."""

    ACCESS = "access"
    REFRESH = "refresh"


class InvalidTokenError(Exception):
    """A token is malformed, expired, wrongly signed or of the wrong type (message safe to show)."""


@dataclass(frozen=True)
class TokenClaims:
    """The validated claims the service relies on."""

    subject: str
    token_type: TokenType
    token_id: str
    issued_at: int
    expires_at: int


@dataclass(frozen=True)
class IssuedToken:
    """A signed token plus the claims it carries (the refresh store needs the id and lifetime)."""

    token: str
    claims: TokenClaims


@dataclass(frozen=True)
class TokenPair:
    """What a login or a refresh returns to the client."""

    access: IssuedToken
    refresh: IssuedToken


class TokenService:
    """Signs and validates tokens with one secret key.

    ``clock`` returns the current Unix time; tests pass a fixed clock to make expired tokens.
    """

    def __init__(
        self,
        *,
        secret_key: str,
        issuer: str,
        access_ttl_seconds: int,
        refresh_ttl_seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not secret_key:
            raise ValueError("TokenService needs a non-empty secret key")
        self._secret_key = secret_key
        self._issuer = issuer
        self._ttl = {
            TokenType.ACCESS: access_ttl_seconds,
            TokenType.REFRESH: refresh_ttl_seconds,
        }
        self._clock = clock

    def issue(self, subject: str, token_type: TokenType) -> IssuedToken:
        """Sign a new token of ``token_type`` for ``subject`` with a fresh id."""
        now = int(self._clock())
        claims = TokenClaims(
            subject=subject,
            token_type=token_type,
            token_id=uuid.uuid4().hex,
            issued_at=now,
            expires_at=now + self._ttl[token_type],
        )
        payload = {
            "sub": claims.subject,
            "type": claims.token_type.value,
            "jti": claims.token_id,
            "iat": claims.issued_at,
            "exp": claims.expires_at,
            "iss": self._issuer,
        }
        return IssuedToken(jwt.encode(payload, self._secret_key, algorithm=ALGORITHM), claims)

    def issue_pair(self, subject: str) -> TokenPair:
        """An access token and a refresh token for ``subject``."""
        return TokenPair(
            access=self.issue(subject, TokenType.ACCESS),
            refresh=self.issue(subject, TokenType.REFRESH),
        )

    def decode(self, token: str, expected_type: TokenType) -> TokenClaims:
        """Check signature, algorithm, issuer, expiry and type; raise InvalidTokenError if not."""
        try:
            # Only HS256 is accepted: this rejects "none" and algorithm-confusion tokens.
            # Expiry is checked below against the injected clock instead of PyJWT's own.
            payload = jwt.decode(
                token,
                self._secret_key,
                algorithms=[ALGORITHM],
                issuer=self._issuer,
                options={"require": _REQUIRED_CLAIMS, "verify_exp": False, "verify_iat": False},
            )
        except jwt.PyJWTError:
            raise InvalidTokenError("token is invalid") from None
        expires_at, issued_at = payload.get("exp"), payload.get("iat")
        if not isinstance(expires_at, int) or not isinstance(issued_at, int):
            raise InvalidTokenError("token is invalid")
        if expires_at <= self._clock():
            raise InvalidTokenError("token has expired")
        if payload.get("type") != expected_type.value:
            raise InvalidTokenError(f"expected a {expected_type.value} token")
        subject, token_id = payload.get("sub"), payload.get("jti")
        if not isinstance(subject, str) or not subject or not isinstance(token_id, str):
            raise InvalidTokenError("token is invalid")
        return TokenClaims(
            subject=subject,
            token_type=expected_type,
            token_id=token_id,
            issued_at=issued_at,
            expires_at=expires_at,
        )
