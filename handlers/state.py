"""Conversation state: which flow and step a chat is in, and what it has entered so far.

The engine is stateless between events; the state lives in a store keyed by (channel, chat),
so a restart mid-flow resumes at the same step and several processes can serve one bot. The
store uses optimistic versioning: two processes handling the same chat cannot both win.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Protocol


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class ConversationState:
    flow: str | None = None
    step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    # Button ids of the last message, so "1", "2"... typed on a channel without buttons work.
    choices: list[str] = field(default_factory=list)
    # Their labels, for channels whose keyboards send the label back as text.
    labels: list[str] = field(default_factory=list)
    updated_at: str = ""

    def to_json(self) -> dict:
        return {
            "flow": self.flow,
            "step": self.step,
            "data": self.data,
            "choices": self.choices,
            "labels": self.labels,
            "updated_at": self.updated_at,
        }

    @classmethod
    def from_json(cls, raw: dict | None) -> ConversationState:
        raw = raw or {}
        return cls(
            flow=raw.get("flow"),
            step=raw.get("step"),
            data=dict(raw.get("data") or {}),
            choices=list(raw.get("choices") or []),
            labels=list(raw.get("labels") or []),
            updated_at=raw.get("updated_at", ""),
        )

    def goto(self, flow: str | None, step: str | None, **data: Any) -> ConversationState:
        self.flow, self.step = flow, step
        if data:
            self.data.update(data)
        return self

    def reset(self) -> ConversationState:
        self.flow = self.step = None
        self.data = {}
        return self

    def idle_for(self, moment: dt.datetime) -> dt.timedelta:
        if not self.updated_at:
            return dt.timedelta(0)
        return moment - dt.datetime.fromisoformat(self.updated_at)


class StaleState(Exception):
    """Another process saved this chat's state first; reload and handle the event again."""


class StateStore(Protocol):
    async def load(self, channel: str, chat_id: str) -> tuple[ConversationState, int]: ...

    async def save(
        self,
        channel: str,
        chat_id: str,
        state: ConversationState,
        version: int,
        *,
        also: object = None,
    ) -> None:
        """Save if the stored version is still `version`, else raise StaleState. `also`:
        something the channel stores in the same transaction (store-specific)."""


class MemoryStateStore:
    """For tests and the terminal: same contract as the database store, in a dict."""

    def __init__(self) -> None:
        self._states: dict[tuple[str, str], tuple[dict, int]] = {}
        self._lock = asyncio.Lock()

    async def load(self, channel: str, chat_id: str) -> tuple[ConversationState, int]:
        raw, version = self._states.get((channel, chat_id), ({}, 0))
        return ConversationState.from_json(raw), version

    async def save(
        self,
        channel: str,
        chat_id: str,
        state: ConversationState,
        version: int,
        *,
        also: object = None,
    ) -> None:
        async with self._lock:
            _, current = self._states.get((channel, chat_id), ({}, 0))
            if current != version:
                raise StaleState(f"{channel}:{chat_id}")
            self._states[(channel, chat_id)] = (state.to_json(), version + 1)
