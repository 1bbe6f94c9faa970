"""An in-memory stand-in for the feedback API, for tests that run thousands of conversations."""

from __future__ import annotations

import datetime as dt
import itertools

from feedback_api.client import FeedbackApiError, NotFoundError
from feedback_api.forums.schemas import ForumOpinionCreate, ForumPublic, ForumsPublic
from feedback_api.knowledge.schemas import AnswerServedCreate, UnansweredCreate
from feedback_api.submissions.schemas import (
    AdditionCreate,
    AdditionReceipt,
    PublicStatus,
    SubmissionCreate,
    SubmissionReceipt,
)
from feedback_api.units.schemas import UnitMatch, UnitMatches, UnitPublic, UnitsPublic


class MemoryFeedbackApi:
    def __init__(self):
        self.created: list[SubmissionCreate] = []
        self.by_key: dict[str, SubmissionReceipt] = {}
        self.uploads: list[tuple[str, int]] = []
        self.additions: list[AdditionCreate] = []
        self.subscriptions: dict[str, tuple[str, list[str]]] = {}
        self.remembered: dict[str, str] = {}
        self.forums: dict[str, ForumPublic] = {}
        self.forum_opinions: list[tuple[str, ForumOpinionCreate]] = []
        self.unanswered: list[UnansweredCreate] = []
        self.served: list[AnswerServedCreate] = []
        self._codes = (f"LN-{n:04d}-TEST" for n in itertools.count(1000))

    async def create_submission(self, data: SubmissionCreate) -> SubmissionReceipt:
        if data.idempotency_key and data.idempotency_key in self.by_key:
            return self.by_key[data.idempotency_key]
        now = dt.datetime.now(dt.UTC)
        receipt = SubmissionReceipt(
            tracking_code=next(self._codes),
            kind=data.kind,
            status="new",
            created_at=now,
            due_at=now,
        )
        self.created.append(data)
        if data.idempotency_key:
            self.by_key[data.idempotency_key] = receipt
        return receipt

    async def upload_attachment(self, tracking_code, content, *, filename="", content_type=None):
        self.uploads.append((tracking_code, len(content)))

    async def status(self, tracking_code: str, *, citizen_ref=None) -> PublicStatus:
        for receipt in self.by_key.values():
            if receipt.tracking_code == tracking_code.upper():
                return PublicStatus(
                    tracking_code=receipt.tracking_code,
                    kind=receipt.kind,
                    status="new",
                    status_label="Mới tiếp nhận",
                    public_reply=None,
                    updated_at=receipt.created_at,
                )
        raise NotFoundError(404, "not found")

    async def add_to_submission(self, data: AdditionCreate) -> AdditionReceipt:
        self.additions.append(data)
        for key, receipt in self.by_key.items():
            created = next(c for c in self.created if c.idempotency_key == key)
            ids = created.details.message_ids if created.details else []
            if receipt.tracking_code == (data.tracking_code or "").upper() or (
                data.message_id and data.message_id in ids
            ):
                return AdditionReceipt(tracking_code=receipt.tracking_code, kind=data.kind)
        raise NotFoundError(404, "not found")

    async def units(self) -> UnitsPublic:
        units = [
            UnitPublic(
                id=1, code="T", name="Công an tỉnh", kind="province", parent_id=None, active=True
            ),
            UnitPublic(
                id=2, code="XA", name="Công an xã An Bình", kind="commune", parent_id=1, active=True
            ),
        ]
        return UnitsPublic(data=units, count=2)

    async def subscribe(self, citizen_ref: str, *, unit_code: str, topics: list[str]) -> None:
        self.subscriptions[citizen_ref] = (unit_code, topics)

    async def unsubscribe(self, citizen_ref: str) -> None:
        self.subscriptions.pop(citizen_ref, None)

    async def link_officer_chat(self, citizen_ref: str, code: str) -> bool:
        return False

    async def forum(self, code: str) -> ForumPublic:
        if code not in self.forums:
            raise NotFoundError(404, "not found")
        return self.forums[code]

    async def open_forums(self, citizen_ref: str) -> ForumsPublic:
        unit = self.subscriptions.get(citizen_ref, ("", []))[0]
        data = [f for f in self.forums.values() if f.open and f.unit_code == unit]
        return ForumsPublic(data=data, count=len(data))

    async def forum_opinion(self, code: str, data: ForumOpinionCreate) -> SubmissionReceipt:
        forum = await self.forum(code)
        if not forum.open:
            raise FeedbackApiError(409, "closed")
        self.forum_opinions.append((code, data))
        return await self.create_submission(
            SubmissionCreate(
                kind="opinion",
                citizen_ref=data.citizen_ref,
                unit_code=forum.unit_code,
                text=data.text,
                idempotency_key=data.idempotency_key,
            )
        )

    async def quiz(self, code: str):
        raise NotFoundError(404, "not found")

    async def quiz_attempt(self, code: str, data):
        raise NotFoundError(404, "not found")

    async def record_unanswered(self, data: UnansweredCreate) -> None:
        self.unanswered.append(data)

    async def record_answer_served(self, data: AnswerServedCreate) -> None:
        self.served.append(data)

    async def resolve_units(self, *, q=None, text=None, latitude=None, longitude=None):
        """Knows one commune, by its folded name only: enough for property tests."""
        said = (q or text or "").lower()
        if "an binh" in said or "an bình" in said:
            return UnitMatches(data=[self._an_binh("typed" if q else "mention")], confident=True)
        return UnitMatches(data=[], confident=False)

    async def remembered_unit(self, citizen_ref: str) -> UnitMatch | None:
        return self._an_binh("remembered") if citizen_ref in self.remembered else None

    async def remember_unit(self, citizen_ref: str, *, unit_code: str) -> None:
        self.remembered[citizen_ref] = unit_code

    async def forget_unit(self, citizen_ref: str) -> None:
        self.remembered.pop(citizen_ref, None)

    @staticmethod
    def _an_binh(reason: str) -> UnitMatch:
        return UnitMatch(
            code="XA",
            name="Công an xã An Bình",
            label="Xã An Bình",
            province="Tỉnh",
            score=100.0,
            reason=reason,
        )
