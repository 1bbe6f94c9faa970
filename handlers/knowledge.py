"""The FAQ of the live knowledge base, replaced in place when an approved edit changes it.

Officers edit the base in feedback_api (two-person rule). Every process serving citizens asks,
at most every `check_seconds` and only when a message arrives, whether the live version moved
(`GET /api/v1/knowledge?since=V` through the API client: a few bytes when unchanged). When it
did, the process rebuilds its Faq from the new documents in a worker thread and swaps it in — no
restart, in every process. The message that noticed the change waits for the rebuild at most
`wait_seconds` (about 0.3 s today): a quick rebuild answers it with the new text, a slow one
(a bigger base, a trained classifier) finishes in the background while the old Faq answers.

Until the first successful load, and whenever the live base cannot be used (API down, a base the
FAQ's validator refuses), the Faq it has keeps answering: citizens never get half a base, and a
broken version is not fetched again until the version moves on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

from faq.assistant import Faq
from faq.knowledge import Entry, KnowledgeBaseError, from_documents
from faq.legal import DEFAULT_DOCUMENTS, read_documents
from feedback_api.knowledge.schemas import KnowledgeSnapshot, from_json_value

log = logging.getLogger(__name__)


class KnowledgeSource(Protocol):
    """The part of feedback_api.client.FeedbackClient that serves the live base."""

    async def knowledge(self, *, since: int | None = None) -> KnowledgeSnapshot: ...


def faq_with_register(entries: list[Entry]) -> Faq:
    """A Faq citing the shipped register of legal documents (faq/data/legal_documents.yaml)."""
    register, _faults = read_documents(DEFAULT_DOCUMENTS)  # from_documents refused a bad one
    return Faq(entries, documents=register)


def build_faq(
    documents: list[dict], build: Callable[[list[Entry]], Faq] = faq_with_register
) -> Faq:
    """A Faq from the live base's documents, judged by the FAQ's own loader rules."""
    entries = from_documents((str(d.get("id", "?")), from_json_value(d)) for d in documents)
    return build(entries)


class LiveFaq:
    """Answers like a Faq (every attribute is the current Faq's) and can refresh itself."""

    def __init__(
        self,
        faq: Faq,
        source: KnowledgeSource,
        *,
        check_seconds: float = 10.0,
        wait_seconds: float = 1.0,
        build: Callable[[list[Entry]], Faq] = faq_with_register,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._faq = faq
        self._source = source
        self._check_seconds = check_seconds
        self._wait_seconds = wait_seconds
        self._task: asyncio.Task | None = None
        self._build = build
        self._clock = clock
        self._checked_at: float | None = None
        self._lock = asyncio.Lock()
        self.version: int | None = None

    @property
    def current(self) -> Faq:
        return self._faq

    def __getattr__(self, name: str) -> Any:
        # Delegation rather than a copied list of methods: whatever faq/ adds to Faq is served
        # by the live base too. Only called for names LiveFaq itself does not have.
        return getattr(self._faq, name)

    async def refresh_if_due(self) -> None:
        """Check the live version if the last check is older than `check_seconds`, waiting for
        it at most `wait_seconds`. An event arriving while a refresh runs does not wait."""
        if self._lock.locked() or (self._task is not None and not self._task.done()):
            return
        last = self._checked_at
        if last is not None and self._clock() - last < self._check_seconds:
            return
        self._task = asyncio.create_task(self.refresh())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._task), self._wait_seconds)

    async def refresh(self) -> bool:
        """Fetch the live base if its version moved and swap it in; True when it changed."""
        async with self._lock:
            self._checked_at = self._clock()
            try:
                snapshot = await self._source.knowledge(since=self.version)
            except Exception:  # the API being down must not stop citizens getting answers
                log.warning("could not check the live knowledge base", exc_info=True)
                return False
            if not snapshot.changed:
                return False
            if snapshot.version == 0:  # nothing seeded yet: the Faq we have is the seed
                self.version = 0
                return False
            try:
                faq = await asyncio.to_thread(build_faq, snapshot.entries, self._build)
            except KnowledgeBaseError as exc:
                log.error(
                    "live knowledge base version %s refused, keeping version %s:\n%s",
                    snapshot.version,
                    self.version,
                    exc,
                )
                self.version = snapshot.version
                return False
            self._faq = faq
            self.version = snapshot.version
            log.info(
                "knowledge base version %s live (%d entries)",
                snapshot.version,
                len(snapshot.entries),
            )
            return True
