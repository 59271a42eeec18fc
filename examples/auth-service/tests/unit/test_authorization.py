from __future__ import annotations

import pytest

from enterprise.authorization import Decision, TeamAction, TeamRole, decide
from enterprise.errors import Forbidden, NotFound, raise_for_decision

ALLOW, FORBIDDEN, NOT_FOUND = Decision.ALLOW, Decision.FORBIDDEN, Decision.NOT_FOUND
EXPECTED = {
    TeamAction.VIEW: (ALLOW, ALLOW, NOT_FOUND),
    TeamAction.LIST_MEMBERS: (ALLOW, ALLOW, NOT_FOUND),
    TeamAction.ADD_MEMBER: (ALLOW, FORBIDDEN, NOT_FOUND),
    TeamAction.VIEW_SSO: (ALLOW, FORBIDDEN, NOT_FOUND),
    TeamAction.CHANGE_SSO: (ALLOW, FORBIDDEN, NOT_FOUND),
}


def test_every_action_has_an_expectation() -> None:
    assert set(EXPECTED) == set(TeamAction)


@pytest.mark.parametrize("action", list(TeamAction))
@pytest.mark.parametrize("column", [0, 1, 2], ids=["admin", "member", "outsider"])
def test_decision_table(action: TeamAction, column: int) -> None:
    role = (TeamRole.ADMIN, TeamRole.MEMBER, None)[column]
    assert decide(role, action) is EXPECTED[action][column]


def test_decisions_become_http_errors() -> None:
    raise_for_decision(ALLOW, "team")
    with pytest.raises(NotFound, match="team not found") as not_found:
        raise_for_decision(NOT_FOUND, "team")
    assert not_found.value.status_code == 404
    with pytest.raises(Forbidden, match="only team admins") as forbidden:
        raise_for_decision(FORBIDDEN, "team")
    assert forbidden.value.status_code == 403
