"""/teams: teams, members and per-team SSO settings."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from enterprise import teams
from enterprise.api.deps import CurrentUser, SessionDep
from enterprise.schemas import MemberAdd, MemberOut, SSOConfigIn, SSOConfigOut, TeamCreate, TeamOut

router = APIRouter(prefix="/teams", tags=["teams"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=TeamOut)
def create_team(body: TeamCreate, user: CurrentUser, session: SessionDep) -> TeamOut:
    return teams.create_team(session, user, body.name)


@router.get("", response_model=list[TeamOut])
def list_my_teams(user: CurrentUser, session: SessionDep) -> list[TeamOut]:
    return teams.teams_of(session, user)


@router.get("/{team_id}", response_model=TeamOut)
def get_team(team_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> TeamOut:
    return teams.get_team(session, team_id, user)


@router.get("/{team_id}/members", response_model=list[MemberOut])
def list_members(team_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> list[MemberOut]:
    return teams.members_of(session, team_id, user)


@router.post("/{team_id}/members", status_code=status.HTTP_201_CREATED, response_model=MemberOut)
def add_member(
    team_id: uuid.UUID, body: MemberAdd, user: CurrentUser, session: SessionDep
) -> MemberOut:
    return teams.add_member(session, team_id, user, body.email, body.role)


@router.get("/{team_id}/sso", response_model=SSOConfigOut)
def get_sso(team_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> SSOConfigOut:
    return teams.get_sso(session, team_id, user)


@router.put("/{team_id}/sso", response_model=SSOConfigOut)
def put_sso(
    team_id: uuid.UUID, body: SSOConfigIn, user: CurrentUser, session: SessionDep
) -> SSOConfigOut:
    return teams.put_sso(session, team_id, user, body)
