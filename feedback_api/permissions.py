"""Who may do what, and where. Enforced in services, whatever the UI shows or hides.

An actor acts only inside their unit's subtree (a province officer sees the province, a commune
officer the commune). Roles grant actions; the tipster's contact details are an action of their
own, so that a leader reading reports never sees who sent a tip.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Action(StrEnum):
    VIEW_SUBMISSIONS = "view_submissions"
    TRIAGE = "triage"
    VIEW_CONTACT = "view_contact"
    VIEW_CONFIDENTIAL_CONTACT = "view_confidential_contact"
    VIEW_SEALED_ORIGINALS = "view_sealed_originals"
    MANAGE_OFFICERS = "manage_officers"
    MANAGE_UNITS = "manage_units"
    VIEW_AUDIT = "view_audit"
    BROADCAST = "broadcast"
    APPROVE_BROADCAST = "approve_broadcast"
    VIEW_BROADCASTS = "view_broadcasts"
    # The figures leaders send upward (issue 13: "role leader and above"): leaders and admins.
    VIEW_REPORTS = "view_reports"
    # A quiz's results and leaderboard: the campaign staff who ran it and the leaders above them.
    VIEW_QUIZZES = "view_quizzes"
    # Propose, approve and reject edits of the live FAQ; read the unanswered questions.
    EDIT_KNOWLEDGE = "edit_knowledge"


ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    "admin": frozenset(Action),
    # Officers answer the questions the FAQ could not, so they know what it lacks; no single
    # one of them changes it: every edit needs a second officer's approval (knowledge service).
    "officer": frozenset(
        {
            Action.VIEW_SUBMISSIONS,
            Action.TRIAGE,
            Action.VIEW_CONTACT,
            Action.EDIT_KNOWLEDGE,
        }
    ),
    "leader": frozenset(
        {
            Action.VIEW_SUBMISSIONS,
            Action.VIEW_REPORTS,
            Action.VIEW_QUIZZES,
            Action.VIEW_BROADCASTS,
            Action.APPROVE_BROADCAST,
        }
    ),
    "campaign": frozenset({Action.BROADCAST, Action.VIEW_BROADCASTS, Action.VIEW_QUIZZES}),
}


class Forbidden(PermissionError):
    """The actor may not do this here; routes answer 403 (or 404 to hide existence)."""


class NotFound(LookupError):
    """No such record inside the actor's reach."""


@dataclass(frozen=True)
class Actor:
    """The officer behind a request, with what scoping needs, loaded once per request."""

    officer_id: int
    username: str
    full_name: str
    role: str
    unit_id: int
    unit_path: str
    # A password someone else chose: nothing but changing it is allowed (deps, pages.auth).
    must_change_password: bool = False

    def can(self, action: Action) -> bool:
        return action in ROLE_ACTIONS.get(self.role, frozenset())

    def require(self, action: Action) -> None:
        if not self.can(action):
            raise Forbidden(f"role {self.role!r} may not {action.value}")

    def reaches(self, unit_path: str) -> bool:
        return unit_path.startswith(self.unit_path)

    @property
    def at_top(self) -> bool:
        """Attached to a top-level unit (a province): the whole tree is theirs."""
        return self.unit_path.count("/") <= 2

    @property
    def label(self) -> str:
        return f"{self.username} (#{self.officer_id})"
