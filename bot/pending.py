"""Submissions kept by the bot while the feedback API cannot take them: nothing a citizen
confirmed is lost to an outage.

When "send" meets an unreachable or failing API, the flow hands the submission here (the
handlers' SubmissionQueue port) and tells the citizen it is kept. Each kept submission is a row
in the bot's database — so it survives restarts and, being out of the conversation state, never
expires with an idle chat — retried with exponential backoff under its idempotency key (the
API creates it once however often we retry). Once accepted, its files are uploaded and the
citizen gets the tracking code on their channel; then the row is deleted.

States of a row: waiting (no tracking code) → accepted (code stored, citizen not told yet) →
deleted. A 4xx refusal is final: the row is kept with its reason for an operator, not retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable, Mapping

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot import dbio
from bot.channels.base import DeliveryError, OutboundChannel
from bot.contacts import ContactRegistry
from bot.storage import pending_submissions
from feedback_api.submissions.schemas import SubmissionCreate
from handlers.events import Button, FileRef, OutboundMessage, rows
from handlers.flows.common import receipt_text, transient
from handlers.ports import FeedbackPort, FileFetcher
from handlers.texts import t

log = logging.getLogger(__name__)

BASE_BACKOFF = 5.0
REFUSED = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)  # "never again": a final refusal


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _due(kept: dict | None) -> dt.datetime | None:
    """The deadline an accepted submission's receipt gave, kept with its code; None before."""
    raw = (kept or {}).get("due_at")
    try:
        return dt.datetime.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        return None


class PendingSubmissions:
    def __init__(
        self,
        db: Engine,
        *,
        api: FeedbackPort,
        contacts: ContactRegistry,
        channels: Mapping[str, OutboundChannel],
        files: Mapping[str, FileFetcher],
        max_backoff: float = 600.0,
        clock: Callable[[], dt.datetime] = _now,
    ):
        self._db = db
        self._api = api
        self._contacts = contacts
        self._channels = channels
        self._files = files
        self._max_backoff = max_backoff
        self._clock = clock

    # -- the port the flows use -------------------------------------------------------------

    async def keep(self, *, channel: str, data: SubmissionCreate, files: list[dict]) -> None:
        await dbio.run(self._db, self._insert, channel, data, files)

    def _insert(self, channel: str, data: SubmissionCreate, files: list[dict]) -> None:
        key = data.idempotency_key or ""
        try:
            with self._db.begin() as connection:
                connection.execute(
                    insert(pending_submissions).values(
                        idempotency_key=key,
                        channel=channel,
                        citizen_ref=data.citizen_ref,
                        submission=data.model_dump(mode="json"),
                        files=files,
                        attempts=0,
                        next_attempt_at=self._clock(),
                        created_at=self._clock(),
                    )
                )
        except IntegrityError:  # the same confirmation twice: already kept
            pass

    # -- delivery -----------------------------------------------------------------------------

    async def run_once(self, limit: int = 20) -> int:
        """Try every kept submission that is due; how many are finished (code delivered)."""
        finished = 0
        for row in await dbio.run(self._db, self._due, limit):
            try:
                finished += await self._attempt(row)
            except Exception as error:  # one bad row never stalls the others
                log.exception("kept submission %s failed", row.idempotency_key)
                await dbio.run(self._db, self._later, row, f"{type(error).__name__}: {error}")
        return finished

    async def run_forever(self, stop: asyncio.Event, every: float = 10.0) -> None:
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception:
                log.exception("pending submissions pass failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every)

    async def _attempt(self, row) -> int:
        code, due = row.tracking_code, _due(row.submission)
        if code is None:
            data = SubmissionCreate.model_validate(row.submission)
            try:
                receipt = await self._api.create_submission(data)
            except Exception as error:
                final = not transient(error)
                await dbio.run(self._db, self._later, row, repr(error)[:500], final)
                return 0
            code, due = receipt.tracking_code, receipt.due_at
            await dbio.run(self._db, self._accepted, row.idempotency_key, code, data.kind, due)
            failed = await self._upload(row.channel, code, row.files or [])
            if failed:
                log.warning("%s file(s) of kept submission %s not uploaded", failed, code)
        contact = await self._contacts.aresolve(row.citizen_ref)
        channel = self._channels.get(contact.channel) if contact else None
        if contact is None or channel is None:
            await dbio.run(self._db, self._later, row, "no channel to tell the citizen")
            return 0
        kind = row.submission.get("kind", "tip")
        key = "opinion.accepted" if kind == "opinion" else "tip.accepted"
        text = receipt_text(key, code, due)
        menu = rows(Button(t("menu.back"), "m:menu"))
        try:
            await channel.send(contact.external_id, OutboundMessage(text, menu))
        except DeliveryError as error:
            await dbio.run(self._db, self._later, row, str(error)[:500])
            return 0
        await dbio.run(self._db, self._forget, row.idempotency_key)
        return 1

    async def _upload(self, channel: str, code: str, files: list[dict]) -> int:
        fetch = self._files.get(channel)
        failed = 0
        for index, file in enumerate(files, start=1):
            try:
                if fetch is None:
                    raise LookupError("no file fetcher for this channel")
                content = await fetch(
                    FileRef(file["id"], file.get("size"), file.get("mime"), file.get("name"))
                )
                await self._api.upload_attachment(
                    code,
                    content,
                    filename=file.get("name") or f"tep-{index}",
                    content_type=file.get("mime"),
                )
            except Exception:
                failed += 1
        return failed

    # -- statements ---------------------------------------------------------------------------

    def _due(self, limit: int) -> list:
        table = pending_submissions.c
        query = (
            select(pending_submissions)
            .where(table.next_attempt_at <= self._clock())
            .order_by(table.next_attempt_at)
            .limit(limit)
        )
        with self._db.begin() as connection:
            return list(connection.execute(query))

    def _later(self, row, error: str, final: bool = False) -> None:
        backoff = min(BASE_BACKOFF * 2**row.attempts, self._max_backoff)
        when = REFUSED if final else self._clock() + dt.timedelta(seconds=backoff)
        with self._db.begin() as connection:
            connection.execute(
                update(pending_submissions)
                .where(pending_submissions.c.idempotency_key == row.idempotency_key)
                .values(attempts=row.attempts + 1, next_attempt_at=when, last_error=error)
            )

    def _accepted(self, key: str, code: str, kind: str, due: dt.datetime) -> None:
        """Accepted: the content is the API's now; keep only what telling the citizen needs
        (the receipt's deadline too: a receipt sent on a later pass still says when to expect
        an answer)."""
        kept = {"kind": kind, "due_at": due.isoformat()}
        with self._db.begin() as connection:
            connection.execute(
                update(pending_submissions)
                .where(pending_submissions.c.idempotency_key == key)
                .values(tracking_code=code, files=[], submission=kept)
            )

    def _forget(self, key: str) -> None:
        with self._db.begin() as connection:
            connection.execute(
                delete(pending_submissions).where(pending_submissions.c.idempotency_key == key)
            )

    def count(self) -> int:
        with self._db.begin() as connection:
            return len(list(connection.execute(select(pending_submissions.c.idempotency_key))))
