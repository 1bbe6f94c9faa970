"""The contact registry: the only place that maps a channel's chat id to a citizen reference.

feedback_api stores the opaque reference; an officer reading a tip never learns the chat id,
and a leak of the feedback database alone reveals no one. Only the sender resolves a reference
back to a chat, to deliver a reply.

The async methods run their statements in a worker thread (bot/ never blocks the event loop on
the database). `seen` also warms an in-process cache, so the engine's synchronous
`citizen_ref` lookup during that event is served from memory.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from bot import dbio
from bot.storage import contacts


@dataclass(frozen=True)
class Contact:
    citizen_ref: str
    channel: str
    external_id: str
    blocked: bool


CACHE_SIZE = 10_000
_UNBLOCK = (
    update(contacts)
    .where(
        contacts.c.channel == bindparam("b_channel"),
        contacts.c.external_id == bindparam("b_external"),
        contacts.c.blocked.is_(True),
    )
    .values(blocked=False)
)


class ContactRegistry:
    def __init__(self, engine: Engine):
        self._engine = engine
        # (channel, external id) -> (citizen_ref, blocked), most recently used last
        self._cache: OrderedDict[tuple[str, str], tuple[str, bool]] = OrderedDict()

    # -- async (worker thread) ---------------------------------------------------------------

    async def seen(self, channel: str, external_id: str) -> str:
        """The citizen wrote (or unblocked the bot): they are reachable again. Returns their
        reference. On SQLite (one process) a cached, unblocked chat costs no database call; on
        a shared database another process may have marked the chat blocked since (a 403 to its
        sender), so the unblock is written anyway (an UPDATE that usually matches nothing)."""
        cached = self._cache.get((channel, external_id))
        if cached is not None and not cached[1]:
            self._cache.move_to_end((channel, external_id))
            if self._engine.dialect.name != "sqlite":
                await dbio.run(self._engine, self._set_blocked_chat, channel, external_id, False)
            return cached[0]
        return await dbio.run(self._engine, self._seen, channel, external_id)

    async def seen_within(
        self, channel: str, external_id: str
    ) -> Callable[[Connection], object] | None:
        """`seen`, for a caller about to write a transaction of its own on the bot's database
        (the Telegram channel saves the conversation state): the unblock that `seen` writes on
        a shared database for a cached chat comes back as a statement to run in that
        transaction, one round trip less per message. None: nothing left to write."""
        cached = self._cache.get((channel, external_id))
        if cached is None or cached[1] or self._engine.dialect.name == "sqlite":
            await self.seen(channel, external_id)
            return None
        self._cache.move_to_end((channel, external_id))
        params = {"b_channel": channel, "b_external": external_id}
        return lambda connection: connection.execute(_UNBLOCK, params)

    async def block(self, channel: str, external_id: str) -> None:
        await dbio.run(self._engine, self._set_blocked_chat, channel, external_id, True)

    async def aresolve(self, citizen_ref: str) -> Contact | None:
        return await dbio.run(self._engine, self.resolve, citizen_ref)

    async def aresolve_many(self, citizen_refs: list[str]) -> dict[str, Contact]:
        return await dbio.run(self._engine, self.resolve_many, citizen_refs)

    async def aset_blocked(self, citizen_ref: str, blocked: bool = True) -> None:
        await dbio.run(self._engine, self.set_blocked, citizen_ref, blocked)

    # -- statements ---------------------------------------------------------------------------

    def _remember(self, channel: str, external_id: str, reference: str, blocked: bool) -> None:
        self._cache[(channel, external_id)] = (reference, blocked)
        self._cache.move_to_end((channel, external_id))
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)

    def _seen(self, channel: str, external_id: str) -> str:
        reference = self.citizen_ref(channel, external_id)
        self._set_blocked_chat(channel, external_id, False)
        return reference

    def _set_blocked_chat(self, channel: str, external_id: str, blocked: bool) -> None:
        with self._engine.begin() as connection:
            connection.execute(
                update(contacts)
                .where(
                    contacts.c.channel == channel,
                    contacts.c.external_id == external_id,
                    contacts.c.blocked != blocked,
                )
                .values(blocked=blocked)
            )
        cached = self._cache.get((channel, external_id))
        if cached is not None:
            self._remember(channel, external_id, cached[0], blocked)

    def citizen_ref(self, channel: str, external_id: str) -> str:
        """The citizen's opaque reference, created on first contact (race-safe)."""
        cached = self._cache.get((channel, external_id))
        if cached is not None:
            return cached[0]
        reference = self._citizen_ref(channel, external_id)
        self._remember(channel, external_id, reference, True)  # blocked unknown: not "seen"
        return reference

    def _citizen_ref(self, channel: str, external_id: str) -> str:
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
        for key, (reference, _blocked) in list(self._cache.items()):
            if reference == citizen_ref:
                self._cache[key] = (reference, blocked)
