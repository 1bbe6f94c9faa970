"""What the chat promises a tipster about a confidential identity is what the permission table
grants: the roles the text says may see the name and phone are exactly the roles with
VIEW_CONFIDENTIAL_CONTACT, and the roles it says do not see it indeed cannot. The chat once
promised "competent leaders" while only the system admin could read a sealed contact."""

from __future__ import annotations

import re

from feedback_api.officers.labels import ROLE
from feedback_api.permissions import ROLE_ACTIONS, Action
from handlers.texts import T


def _names(phrase: str) -> set[str]:
    return {part.strip().lower() for part in re.split(r",| và ", phrase) if part.strip()}


def _promise() -> tuple[set[str], set[str]]:
    bullet = next(
        line
        for line in T["tip.anonymity"].splitlines()
        if line.startswith("• Giữ bí mật danh tính")
    )
    readers = re.search(r"chỉ (.+?) được xem", bullet)
    others = re.search(r"được xem, (.+?) không thấy", bullet)
    assert readers and others, bullet
    return _names(readers.group(1)), _names(others.group(1))


def _role_named(label: str) -> str:
    by_label = {text.lower(): role for role, text in ROLE.items()}
    assert label in by_label, f"{label!r} is not a role's name in officers/labels.py"
    return by_label[label]


def test_the_chat_names_exactly_the_roles_that_may_read_a_sealed_contact():
    readers, others = _promise()
    allowed = {
        role
        for role, actions in ROLE_ACTIONS.items()
        if Action.VIEW_CONFIDENTIAL_CONTACT in actions
    }
    assert {_role_named(label) for label in readers} == allowed
    for label in others:
        assert _role_named(label) not in allowed


def test_the_roles_a_tipster_would_worry_about_are_named_as_not_seeing_it():
    _, others = _promise()
    assert {_role_named(label) for label in others} >= {"officer", "leader"}
