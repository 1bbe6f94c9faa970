"""Conversation state in the bot's database, so restarts and several processes share it."""

from __future__ import annotations

import datetime as dt
import json
from collections import OrderedDict
from collections.abc import Callable

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from bot import dbio
from bot.storage import conversation_state
from handlers.state import ConversationState, StaleState

CACHE_SIZE = 10_000

# Built once: every update saves its chat's state (see telegram_updates for why).
_table = conversation_state.c
_LOAD = select(conversation_state).where(
    _table.channel == bindparam("b_channel"), _table.chat_id == bindparam("b_chat")
)
_INSERT = insert(conversation_state)
_UPDATE = update(conversation_state).where(
    _table.channel == bindparam("b_channel"),
    _table.chat_id == bindparam("b_chat"),
    _table.version == bindparam("b_version"),
)


class SqlStateStore:
    """handlers.state.StateStore on the `bot_conversation` table (optimistic versions).

    Calls run in a worker thread so a slow disk never stalls the event loop. What this process
    saved last is remembered per chat, so the next event's load costs no database round trip;
    if another process moved the chat on meanwhile, the versioned save fails (StaleState), the
    memory is dropped and the engine reloads from the database — correctness never rests on it.
    """

    def __init__(self, engine: Engine):
        self._engine = engine
        # (channel, chat) -> (the state as JSON text, its version): text, because a load
        # must hand out a copy the engine may change, and json.loads copies far faster than
        # copy.deepcopy.
        self._saved: OrderedDict[tuple[str, str], tuple[str, int]] = OrderedDict()

    async def load(self, channel: str, chat_id: str) -> tuple[ConversationState, int]:
        cached = self._saved.get((channel, chat_id))
        if cached is not None:
            return ConversationState.from_json(json.loads(cached[0])), cached[1]
        return await dbio.run(self._engine, self._load, channel, chat_id)

    async def save(
        self,
        channel: str,
        chat_id: str,
        state: ConversationState,
        version: int,
        *,
        also: Callable[[Connection], object] | None = None,
    ) -> None:
        """`also(connection)` runs in the same transaction (e.g. the replies owed)."""
        raw = state.to_json()
        text = json.dumps(raw, ensure_ascii=False)  # taken now: the engine may change `state`
        try:
            await dbio.run(self._engine, self._save, channel, chat_id, raw, version, also)
        except StaleState:
            self._saved.pop((channel, chat_id), None)
            raise
        self._saved[(channel, chat_id)] = (text, version + 1)
        self._saved.move_to_end((channel, chat_id))
        while len(self._saved) > CACHE_SIZE:
            self._saved.popitem(last=False)

    def _load(self, channel: str, chat_id: str) -> tuple[ConversationState, int]:
        with self._engine.begin() as connection:
            row = connection.execute(_LOAD, {"b_channel": channel, "b_chat": chat_id}).first()
        if row is None:
            return ConversationState(), 0
        return ConversationState.from_json(row.state), row.version

    def _save(
        self,
        channel: str,
        chat_id: str,
        raw: dict,
        version: int,
        also: Callable[[Connection], object] | None = None,
    ) -> None:
        values = {
            "state": raw,
            "version": version + 1,
            "updated_at": dt.datetime.now(dt.UTC),
        }
        with self._engine.begin() as connection:
            if version == 0:
                try:
                    connection.execute(_INSERT, {"channel": channel, "chat_id": chat_id, **values})
                except IntegrityError:
                    raise StaleState(f"{channel}:{chat_id}") from None
                if also is not None:
                    also(connection)
                return
            result = connection.execute(
                _UPDATE, {"b_channel": channel, "b_chat": chat_id, "b_version": version, **values}
            )
            if result.rowcount != 1:
                raise StaleState(f"{channel}:{chat_id}")
            if also is not None:
                also(connection)
