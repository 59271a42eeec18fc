"""Registration, login, token refresh and logout."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from enterprise.context import AppContext
from enterprise.errors import Conflict, InvalidCredentials, NotAuthenticated, TooManyLoginAttempts
from enterprise.models import User
from enterprise.passwords import hash_password, needs_rehash, verify_password
from enterprise.tokens import InvalidTokenError, TokenPair, TokenType


def register_user(session: Session, email: str, password: str) -> User:
    """Create a user; Conflict if the email is taken."""
    user = User(email=email, password_hash=hash_password(password))
    session.add(user)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict("a user with this email already exists") from None
    return user


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalars(select(User).where(User.email == email.lower())).one_or_none()


def login(
    context: AppContext, session: Session, *, email: str, password: str, client_ip: str
) -> tuple[User, TokenPair]:
    """Check the password under the rate limit and issue a token pair."""
    policy, counter = context.login_policy, context.login_failures
    key = policy.key(email, client_ip)
    if policy.is_blocked(counter.failures(key)):
        raise TooManyLoginAttempts(policy.retry_after(counter.seconds_left(key)))
    user = find_user_by_email(session, email)
    valid = verify_password(password, user.password_hash if user else None)
    if user is None or not valid or not user.is_active:
        counter.record_failure(key, policy.window_seconds)
        raise InvalidCredentials()
    counter.reset(key)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.commit()
    return user, issue_tokens(context, str(user.id))


def issue_tokens(context: AppContext, user_id: str) -> TokenPair:
    """Sign a pair and put the refresh token on the allow-list."""
    pair = context.tokens.issue_pair(user_id)
    context.refresh_tokens.remember(
        pair.refresh.claims.token_id, user_id, context.settings.refresh_token_ttl_seconds
    )
    return pair


def refresh(context: AppContext, session: Session, refresh_token: str) -> TokenPair:
    """Rotate: the presented refresh token is consumed and a new pair issued."""
    try:
        claims = context.tokens.decode(refresh_token, TokenType.REFRESH)
    except InvalidTokenError as exc:
        raise NotAuthenticated(str(exc)) from None
    owner = context.refresh_tokens.consume(claims.token_id)
    if owner is None or owner != claims.subject:
        raise NotAuthenticated("refresh token has been revoked or already used")
    user = session.get(User, uuid.UUID(claims.subject))
    if user is None or not user.is_active:
        raise NotAuthenticated("user no longer exists")
    return issue_tokens(context, claims.subject)


def logout(context: AppContext, refresh_token: str) -> None:
    """Revoke a refresh token; an already revoked one is fine, a forged one is not."""
    try:
        claims = context.tokens.decode(refresh_token, TokenType.REFRESH)
    except InvalidTokenError as exc:
        raise NotAuthenticated(str(exc)) from None
    context.refresh_tokens.revoke(claims.token_id)
