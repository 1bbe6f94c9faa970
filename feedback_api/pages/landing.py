"""Where each role starts: a page it may use, never a 403 with no way out.

Derived from the permission table, so a role that gains or loses an action moves with it:
whoever may read submissions lands on the inbox (officers, leaders, admins); whoever may only
broadcast lands on the campaign page; anyone else on their own account page.
"""

from __future__ import annotations

from feedback_api.permissions import Action, Actor

INBOX = "/officer"
CAMPAIGN = "/officer/campaign"
ACCOUNT = "/officer/account"


def landing_path(actor: Actor) -> str:
    if actor.can(Action.VIEW_SUBMISSIONS):
        return INBOX
    if actor.can(Action.BROADCAST):
        return CAMPAIGN
    return ACCOUNT
