"""Teams, their members and their SSO settings, each action checked by enterprise.authorization."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from enterprise.authorization import TeamAction, TeamRole, decide
from enterprise.errors import Conflict, NotFound, raise_for_decision
from enterprise.models import Team, TeamMember, TeamSSOConfig, User
from enterprise.schemas import MemberOut, SSOConfigIn, SSOConfigOut, SSOProvider, TeamOut


def role_of(session: Session, team_id: uuid.UUID, user_id: uuid.UUID) -> TeamRole | None:
    """The user's role in the team, or None if not a member (or no such team)."""
    role = session.scalar(
        select(TeamMember.role).where(TeamMember.team_id == team_id, TeamMember.user_id == user_id)
    )
    return TeamRole(role) if role is not None else None


def authorize(session: Session, team_id: uuid.UUID, user: User, action: TeamAction) -> TeamRole:
    """Raise NotFound/Forbidden unless ``user`` may do ``action``; return the user's role."""
    role = role_of(session, team_id, user.id)
    raise_for_decision(decide(role, action), "team")
    if role is None:  # decide() already refuses non-members; this narrows the type
        raise NotFound("team not found")
    return role


def create_team(session: Session, owner: User, name: str) -> TeamOut:
    """Create a team whose first member, ``owner``, is its admin."""
    team = Team(name=name, created_by=owner.id)
    session.add(team)
    session.flush()
    session.add(TeamMember(team_id=team.id, user_id=owner.id, role=TeamRole.ADMIN.value))
    session.commit()
    return TeamOut(id=team.id, name=team.name, role=TeamRole.ADMIN)


def teams_of(session: Session, user: User) -> list[TeamOut]:
    rows = session.execute(
        select(Team, TeamMember.role)
        .join(TeamMember, TeamMember.team_id == Team.id)
        .where(TeamMember.user_id == user.id)
        .order_by(Team.created_at, Team.name)
    ).all()
    return [TeamOut(id=team.id, name=team.name, role=TeamRole(role)) for team, role in rows]


def get_team(session: Session, team_id: uuid.UUID, user: User) -> TeamOut:
    role = authorize(session, team_id, user, TeamAction.VIEW)
    team = session.get_one(Team, team_id)
    return TeamOut(id=team.id, name=team.name, role=role)


def members_of(session: Session, team_id: uuid.UUID, user: User) -> list[MemberOut]:
    authorize(session, team_id, user, TeamAction.LIST_MEMBERS)
    rows = session.execute(
        select(User.id, User.email, TeamMember.role)
        .join(TeamMember, TeamMember.user_id == User.id)
        .where(TeamMember.team_id == team_id)
        .order_by(User.email)
    ).all()
    return [MemberOut(user_id=uid, email=email, role=TeamRole(role)) for uid, email, role in rows]


def add_member(
    session: Session, team_id: uuid.UUID, user: User, email: str, role: TeamRole
) -> MemberOut:
    authorize(session, team_id, user, TeamAction.ADD_MEMBER)
    new_member = session.scalars(select(User).where(User.email == email)).one_or_none()
    if new_member is None:
        raise NotFound("no registered user has this email")
    if role_of(session, team_id, new_member.id) is not None:
        raise Conflict("user is already a member of this team")
    session.add(TeamMember(team_id=team_id, user_id=new_member.id, role=role.value))
    session.commit()
    return MemberOut(user_id=new_member.id, email=new_member.email, role=role)


def _sso_out(team_id: uuid.UUID, config: TeamSSOConfig | None) -> SSOConfigOut:
    if config is None:
        return SSOConfigOut(team_id=team_id, provider=None, metadata_url=None, enabled=False)
    provider = SSOProvider(config.provider) if config.provider else None
    return SSOConfigOut(
        team_id=team_id, provider=provider, metadata_url=config.metadata_url, enabled=config.enabled
    )


def get_sso(session: Session, team_id: uuid.UUID, user: User) -> SSOConfigOut:
    authorize(session, team_id, user, TeamAction.VIEW_SSO)
    return _sso_out(team_id, session.get(TeamSSOConfig, team_id))


def put_sso(session: Session, team_id: uuid.UUID, user: User, body: SSOConfigIn) -> SSOConfigOut:
    authorize(session, team_id, user, TeamAction.CHANGE_SSO)
    config = session.get(TeamSSOConfig, team_id) or TeamSSOConfig(team_id=team_id)
    config.provider = body.provider.value if body.provider else None
    config.metadata_url = body.metadata_url
    config.enabled = body.enabled
    session.add(config)
    session.commit()
    return _sso_out(team_id, config)
