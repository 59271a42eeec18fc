"""/auth: register, login, refresh, logout; /me."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from enterprise import accounts
from enterprise.api.deps import ContextDep, CurrentUser, SessionDep
from enterprise.schemas import (
    LoginRequest,
    RefreshRequest,
    RegisterRequest,
    TokenResponse,
    UserOut,
)
from enterprise.tokens import TokenPair

router = APIRouter(tags=["auth"])


def _token_response(pair: TokenPair) -> TokenResponse:
    return TokenResponse(
        access_token=pair.access.token,
        refresh_token=pair.refresh.token,
        expires_in=pair.access.claims.expires_at - pair.access.claims.issued_at,
        refresh_expires_in=pair.refresh.claims.expires_at - pair.refresh.claims.issued_at,
    )


@router.post("/auth/register", status_code=status.HTTP_201_CREATED, response_model=UserOut)
def register(body: RegisterRequest, session: SessionDep) -> UserOut:
    return UserOut.model_validate(accounts.register_user(session, body.email, body.password))


@router.post("/auth/login", response_model=TokenResponse)
def login(
    body: LoginRequest, request: Request, context: ContextDep, session: SessionDep
) -> TokenResponse:
    client_ip = request.client.host if request.client else "unknown"
    _, pair = accounts.login(
        context, session, email=body.email, password=body.password, client_ip=client_ip
    )
    return _token_response(pair)


@router.post("/auth/refresh", response_model=TokenResponse)
def refresh(body: RefreshRequest, context: ContextDep, session: SessionDep) -> TokenResponse:
    return _token_response(accounts.refresh(context, session, body.refresh_token))


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(body: RefreshRequest, context: ContextDep) -> Response:
    accounts.logout(context, body.refresh_token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", response_model=UserOut)
def me(user: CurrentUser) -> UserOut:
    return UserOut.model_validate(user)
