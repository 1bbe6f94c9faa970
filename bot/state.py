"""Conversation state in the bot's database, so restarts and several processes share it."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import and_, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.storage import conversation_state
from handlers.state import ConversationState, StaleState


class SqlStateStore:
    """handlers.state.StateStore on the `bot_conversation` table (optimistic versions).

    Calls run in a worker thread so a slow disk never stalls the event loop.
    """

    def __init__(self, engine: Engine):
        self._engine = engine

    async def load(self, channel: str, chat_id: str) -> tuple[ConversationState, int]:
        return await asyncio.to_thread(self._load, channel, chat_id)

    async def save(
        self, channel: str, chat_id: str, state: ConversationState, version: int
    ) -> None:
        await asyncio.to_thread(self._save, channel, chat_id, state, version)

    def _load(self, channel: str, chat_id: str) -> tuple[ConversationState, int]:
        with self._engine.begin() as connection:
            row = connection.execute(
                select(conversation_state).where(
                    conversation_state.c.channel == channel, conversation_state.c.chat_id == chat_id
                )
            ).first()
        if row is None:
            return ConversationState(), 0
        return ConversationState.from_json(row.state), row.version

    def _save(self, channel: str, chat_id: str, state: ConversationState, version: int) -> None:
        values = {
            "state": state.to_json(),
            "version": version + 1,
            "updated_at": dt.datetime.now(dt.UTC),
        }
        with self._engine.begin() as connection:
            if version == 0:
                try:
                    connection.execute(
                        insert(conversation_state).values(
                            channel=channel, chat_id=chat_id, **values
                        )
                    )
                    return
                except IntegrityError:
                    raise StaleState(f"{channel}:{chat_id}") from None
            result = connection.execute(
                update(conversation_state)
                .where(
                    and_(
                        conversation_state.c.channel == channel,
                        conversation_state.c.chat_id == chat_id,
                        conversation_state.c.version == version,
                    )
                )
                .values(**values)
            )
            if result.rowcount != 1:
                raise StaleState(f"{channel}:{chat_id}")
