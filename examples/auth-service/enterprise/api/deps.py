"""FastAPI dependencies: the app context, a DB session per request, the authenticated user."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from enterprise.context import AppContext
from enterprise.errors import NotAuthenticated
from enterprise.models import User
from enterprise.tokens import InvalidTokenError, TokenType

_bearer = HTTPBearer(auto_error=False)


def get_context(request: Request) -> AppContext:
    context: AppContext = request.app.state.context
    return context


def get_session(context: Annotated[AppContext, Depends(get_context)]) -> Iterator[Session]:
    with context.sessions() as session:
        yield session


def get_current_user(
    context: Annotated[AppContext, Depends(get_context)],
    session: Annotated[Session, Depends(get_session)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    """The user of a valid access token; 401 for a missing, invalid, expired or orphaned token."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise NotAuthenticated("missing bearer token")
    try:
        claims = context.tokens.decode(credentials.credentials, TokenType.ACCESS)
        user_id = uuid.UUID(claims.subject)
    except (InvalidTokenError, ValueError) as exc:
        raise NotAuthenticated(
            str(exc) if isinstance(exc, InvalidTokenError) else "token is invalid"
        )
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise NotAuthenticated("user no longer exists")
    return user


ContextDep = Annotated[AppContext, Depends(get_context)]
SessionDep = Annotated[Session, Depends(get_session)]
CurrentUser = Annotated[User, Depends(get_current_user)]
