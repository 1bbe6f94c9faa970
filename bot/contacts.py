"""The contact registry: the only place that maps a channel's chat id to a citizen reference.

feedback_api stores the opaque reference; an officer reading a tip never learns the chat id,
and a leak of the feedback database alone reveals no one. Only the sender resolves a reference
back to a chat, to deliver a reply.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.storage import contacts


@dataclass(frozen=True)
class Contact:
    citizen_ref: str
    channel: str
    external_id: str
    blocked: bool


class ContactRegistry:
    def __init__(self, engine: Engine):
        self._engine = engine

    def citizen_ref(self, channel: str, external_id: str) -> str:
        """The citizen's opaque reference, created on first contact (race-safe)."""
        query = select(contacts.c.citizen_ref).where(
            contacts.c.channel == channel, contacts.c.external_id == external_id
        )
        with self._engine.begin() as connection:
            found = connection.execute(query).scalar()
            if found:
                return found
        reference = "c_" + secrets.token_urlsafe(18)
        try:
            with self._engine.begin() as connection:
                connection.execute(
                    insert(contacts).values(
                        citizen_ref=reference,
                        channel=channel,
                        external_id=external_id,
                        blocked=False,
                        created_at=dt.datetime.now(dt.UTC),
                    )
                )
            return reference
        except IntegrityError:  # another process registered the same chat first
            with self._engine.begin() as connection:
                return connection.execute(query).scalar_one()

    def resolve(self, citizen_ref: str) -> Contact | None:
        with self._engine.begin() as connection:
            row = connection.execute(
                select(contacts).where(contacts.c.citizen_ref == citizen_ref)
            ).first()
        return Contact(row.citizen_ref, row.channel, row.external_id, row.blocked) if row else None

    def resolve_many(self, citizen_refs: list[str]) -> dict[str, Contact]:
        """Many references in one query (the broadcast worker resolves a batch at a time)."""
        found: dict[str, Contact] = {}
        with self._engine.begin() as connection:
            for start in range(0, len(citizen_refs), 500):
                chunk = citizen_refs[start : start + 500]
                rows = connection.execute(select(contacts).where(contacts.c.citizen_ref.in_(chunk)))
                for row in rows:
                    found[row.citizen_ref] = Contact(
                        row.citizen_ref, row.channel, row.external_id, row.blocked
                    )
        return found

    def set_blocked(self, citizen_ref: str, blocked: bool = True) -> None:
        """The citizen blocked the bot (Telegram 403): stop delivering until they return."""
        with self._engine.begin() as connection:
            connection.execute(
                update(contacts)
                .where(contacts.c.citizen_ref == citizen_ref)
                .values(blocked=blocked)
            )
