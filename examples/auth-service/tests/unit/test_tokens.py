from __future__ import annotations

import jwt
import pytest

from enterprise.tokens import InvalidTokenError, TokenService, TokenType

SECRET = "k" * 48
NOW = 1_800_000_000


def service(
    now: float = NOW, secret: str = SECRET, issuer: str = "fm-auth-service"
) -> TokenService:
    return TokenService(
        secret_key=secret,
        issuer=issuer,
        access_ttl_seconds=900,
        refresh_ttl_seconds=3600,
        clock=lambda: now,
    )


def test_access_token_round_trip() -> None:
    issued = service().issue("user-1", TokenType.ACCESS)
    claims = service(now=NOW + 899).decode(issued.token, TokenType.ACCESS)
    assert claims == issued.claims
    assert (claims.subject, claims.expires_at - claims.issued_at) == ("user-1", 900)


def test_pair_has_distinct_ids_and_lifetimes() -> None:
    pair = service().issue_pair("user-1")
    assert pair.access.claims.token_id != pair.refresh.claims.token_id
    assert pair.access.claims.expires_at == NOW + 900
    assert pair.refresh.claims.expires_at == NOW + 3600


def test_header_says_hs256() -> None:
    token = service().issue("user-1", TokenType.ACCESS).token
    assert jwt.get_unverified_header(token)["alg"] == "HS256"


@pytest.mark.parametrize("elapsed", [900, 901, 10_000])
def test_expired_token_is_rejected(elapsed: int) -> None:
    token = service().issue("user-1", TokenType.ACCESS).token
    with pytest.raises(InvalidTokenError, match="expired"):
        service(now=NOW + elapsed).decode(token, TokenType.ACCESS)


@pytest.mark.parametrize(
    ("issued_as", "expected"),
    [(TokenType.ACCESS, TokenType.REFRESH), (TokenType.REFRESH, TokenType.ACCESS)],
)
def test_wrong_token_type_is_rejected(issued_as: TokenType, expected: TokenType) -> None:
    token = service().issue("user-1", issued_as).token
    with pytest.raises(InvalidTokenError, match=f"expected a {expected.value} token"):
        service().decode(token, expected)


def test_other_secret_is_rejected() -> None:
    token = service(secret="x" * 48).issue("user-1", TokenType.ACCESS).token
    with pytest.raises(InvalidTokenError, match="invalid"):
        service().decode(token, TokenType.ACCESS)


def test_other_issuer_is_rejected() -> None:
    token = service(issuer="someone-else").issue("user-1", TokenType.ACCESS).token
    with pytest.raises(InvalidTokenError, match="invalid"):
        service().decode(token, TokenType.ACCESS)


@pytest.mark.parametrize("missing", ["exp", "iat", "sub", "jti", "type", "iss"])
def test_token_missing_a_required_claim_is_rejected(missing: str) -> None:
    claims = {
        "sub": "user-1",
        "type": "access",
        "jti": "abc",
        "iat": NOW,
        "exp": NOW + 60,
        "iss": "fm-auth-service",
    }
    del claims[missing]
    token = jwt.encode(claims, SECRET, algorithm="HS256")
    with pytest.raises(InvalidTokenError):
        service().decode(token, TokenType.ACCESS)


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "Bearer x.y.z"])
def test_garbage_is_rejected(garbage: str) -> None:
    with pytest.raises(InvalidTokenError, match="invalid"):
        service().decode(garbage, TokenType.ACCESS)


def test_empty_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="non-empty secret"):
        service(secret="")
