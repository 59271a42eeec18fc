"""Who may do what with a team: the whole policy in one place."""

from __future__ import annotations

from enum import Enum, StrEnum


class TeamRole(StrEnum):
    """A user's role within one team."""

    ADMIN = "admin"
    MEMBER = "member"


class TeamAction(Enum):
    """Everything the API lets a user do to a team."""

    VIEW = "view"
    LIST_MEMBERS = "list_members"
    ADD_MEMBER = "add_member"
    VIEW_SSO = "view_sso"
    CHANGE_SSO = "change_sso"


_ADMIN_ONLY = frozenset({TeamAction.ADD_MEMBER, TeamAction.VIEW_SSO, TeamAction.CHANGE_SSO})


class Decision(Enum):
    """Outcome of a check. Outsiders get NOT_FOUND so a team's existence is not revealed."""

    ALLOW = "allow"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"


def decide(role: TeamRole | None, action: TeamAction) -> Decision:
    """Decide ``action`` for a user whose role in the team is ``role`` (None: not a member)."""
    if role is None:
        return Decision.NOT_FOUND
    if action in _ADMIN_ONLY and role is not TeamRole.ADMIN:
        return Decision.FORBIDDEN
    return Decision.ALLOW
