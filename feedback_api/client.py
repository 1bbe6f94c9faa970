"""A typed client for the feedback API, used by the bot side (bot/, handlers/).

It imports only the wire schemas (pydantic), never the ORM or the app, so the bot process does
not load SQLModel. It talks HTTP to a remote server, or in-process through httpx's ASGI
transport when bot and API share one process (`FeedbackClient.in_process(app, token)`). In
that case the calls made for every message (send slots, status lookups, answers served) may
skip HTTP altogether: the composition root hands in `direct`
(feedback_api.inprocess.InProcessCalls), which makes the same service calls on the same
database; requests are still checked against the wire schemas here.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from typing import Any, Protocol

import httpx
from pydantic import ValidationError

from feedback_api.broadcasts.schemas import Claim, DeliveryOutcome, LinkResult, StepResult
from feedback_api.forums.schemas import ForumOpinionCreate, ForumPublic, ForumsPublic
from feedback_api.knowledge.schemas import (
    MAX_SERVED_BATCH,
    AnswerServedCreate,
    AnswersServedBatch,
    KnowledgeSnapshot,
    UnansweredCreate,
)
from feedback_api.outbox.schemas import (
    AckResult,
    LeasedMessages,
    PauseRequest,
    Slots,
    SlotsRequest,
)
from feedback_api.quizzes.schemas import AttemptCreate, AttemptResult, QuizPublic
from feedback_api.submissions.schemas import (
    AdditionCreate,
    AdditionReceipt,
    AttachmentPublic,
    PublicStatus,
    SubmissionCreate,
    SubmissionReceipt,
)
from feedback_api.units.schemas import UnitMatch, UnitMatches, UnitsPublic
from feedback_api.zalo.schemas import ZaloLease, ZaloTokensPublic

log = logging.getLogger(__name__)
SERVED_FLUSH_SECONDS = 5.0
MAX_CODE_CHARS = 32  # the status route's path limit; a longer one goes to the route (422)
MAX_SERVED_QUEUED = 10_000


class FeedbackApiError(Exception):
    """The API refused a request; `status` and `detail` say why (detail is Vietnamese)."""

    def __init__(self, status: int, detail: str, code: str | None = None):
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail
        self.code = code


class NotFoundError(FeedbackApiError):
    pass


class RateLimitedError(FeedbackApiError):
    pass


class DirectCalls(Protocol):
    """The per-message calls served in the API's own process (no HTTP); they raise this
    module's errors, as the HTTP path does."""

    async def reserve_slots(self, channel: str, count: int) -> list[float]: ...

    async def pause_sending(self, channel: str, seconds: float) -> None: ...

    async def status(self, code: str, citizen_ref: str | None) -> PublicStatus: ...

    async def record_answers_served(self, items: list[AnswerServedCreate]) -> None: ...


@functools.lru_cache(maxsize=64)
def _slots_request(channel: str, count: int) -> SlotsRequest:
    """Checked once per (channel, count): replies ask for the same few counts all day."""
    return _checked(SlotsRequest, channel=channel, count=count)


def _checked(schema: type, **fields):
    """A request as the API would validate it (422 on the same input as over HTTP)."""
    try:
        return schema(**fields)
    except ValidationError as error:
        raise FeedbackApiError(422, str(error)) from error


class FeedbackClient:
    def __init__(self, http: httpx.AsyncClient, *, direct: DirectCalls | None = None):
        self._http = http
        self._direct = direct
        self._served: list[AnswerServedCreate] = []
        self._served_flush: asyncio.Task | None = None

    @classmethod
    def remote(cls, base_url: str, service_token: str, *, timeout: float = 10.0) -> FeedbackClient:
        return cls(
            httpx.AsyncClient(
                base_url=base_url.rstrip("/"),
                timeout=timeout,
                headers={"Authorization": f"Bearer {service_token}"},
            )
        )

    @classmethod
    def in_process(
        cls, app: Any, service_token: str, *, direct: DirectCalls | None = None
    ) -> FeedbackClient:
        """`direct`: the per-message calls served without HTTP (same process, database)."""
        transport = httpx.ASGITransport(app=app)
        http = httpx.AsyncClient(
            transport=transport,
            base_url="http://feedback-api",
            headers={"Authorization": f"Bearer {service_token}"},
            timeout=30.0,
        )
        # Subclasses (test doubles) may take only `http`.
        return cls(http) if direct is None else cls(http, direct=direct)

    async def aclose(self) -> None:
        if self._served_flush is not None:
            self._served_flush.cancel()
        with contextlib.suppress(Exception):
            await self.flush_answers_served()
        await self._http.aclose()

    async def _request(self, method: str, url: str, **kwargs) -> httpx.Response:
        response = await self._http.request(method, url, **kwargs)
        if response.status_code >= 400:
            try:
                body = response.json()
                detail, code = str(body.get("detail", "")), body.get("code")
            except ValueError:
                detail, code = response.text[:200], None
            error = {404: NotFoundError, 429: RateLimitedError}.get(
                response.status_code, FeedbackApiError
            )
            raise error(response.status_code, detail, code)
        return response

    async def create_submission(self, data: SubmissionCreate) -> SubmissionReceipt:
        response = await self._request(
            "POST", "/api/v1/intake/submissions", json=data.model_dump(mode="json")
        )
        return SubmissionReceipt.model_validate(response.json())

    async def add_to_submission(self, data: AdditionCreate) -> AdditionReceipt:
        """A correction or an addition from the citizen; NotFoundError if not theirs."""
        response = await self._request(
            "POST", "/api/v1/intake/additions", json=data.model_dump(mode="json")
        )
        return AdditionReceipt.model_validate(response.json())

    async def upload_attachment(
        self,
        tracking_code: str,
        content: bytes,
        *,
        filename: str = "photo.jpg",
        content_type: str | None = None,
    ) -> AttachmentPublic:
        files = {"file": (filename, content, content_type or "application/octet-stream")}
        response = await self._request(
            "POST", f"/api/v1/intake/submissions/{tracking_code}/attachments", files=files
        )
        return AttachmentPublic.model_validate(response.json())

    async def status(self, tracking_code: str, *, citizen_ref: str | None = None) -> PublicStatus:
        if self._direct is not None and len(tracking_code) <= MAX_CODE_CHARS:
            return await self._direct.status(tracking_code, citizen_ref)
        headers = {"X-Citizen-Ref": citizen_ref} if citizen_ref else {}
        response = await self._request("GET", f"/api/v1/status/{tracking_code}", headers=headers)
        return PublicStatus.model_validate(response.json())

    async def units(self) -> UnitsPublic:
        response = await self._request("GET", "/api/v1/units")
        return UnitsPublic.model_validate(response.json())

    async def resolve_units(
        self,
        *,
        q: str | None = None,
        text: str | None = None,
        latitude: float | None = None,
        longitude: float | None = None,
    ) -> UnitMatches:
        """Communes for a typed name, named in free text, or at a location (one of the three)."""
        params: dict = {}
        if q is not None:
            params["q"] = q[:200]
        elif text is not None:
            params["text"] = text[:5000]
        else:
            params = {"lat": latitude, "lon": longitude}
        response = await self._request("GET", "/api/v1/units/resolve", params=params)
        return UnitMatches.model_validate(response.json())

    async def remembered_unit(self, citizen_ref: str) -> UnitMatch | None:
        try:
            response = await self._request("GET", f"/api/v1/intake/remembered-unit/{citizen_ref}")
        except NotFoundError:
            return None
        return UnitMatch.model_validate(response.json())

    async def remember_unit(self, citizen_ref: str, *, unit_code: str) -> None:
        await self._request(
            "PUT",
            "/api/v1/intake/remembered-unit",
            json={"citizen_ref": citizen_ref, "unit_code": unit_code},
        )

    async def forget_unit(self, citizen_ref: str) -> None:
        await self._request("DELETE", f"/api/v1/intake/remembered-unit/{citizen_ref}")

    async def subscribe(self, citizen_ref: str, *, unit_code: str, topics: list[str]) -> None:
        await self._request(
            "PUT",
            "/api/v1/intake/subscriptions",
            json={"citizen_ref": citizen_ref, "unit_code": unit_code, "topics": topics},
        )

    async def unsubscribe(self, citizen_ref: str) -> None:
        await self._request("DELETE", f"/api/v1/intake/subscriptions/{citizen_ref}")

    async def forum(self, code: str) -> ForumPublic:
        response = await self._request("GET", f"/api/v1/intake/forums/{code}")
        return ForumPublic.model_validate(response.json())

    async def open_forums(self, citizen_ref: str) -> ForumsPublic:
        response = await self._request(
            "GET", "/api/v1/intake/forums/open", params={"citizen_ref": citizen_ref}
        )
        return ForumsPublic.model_validate(response.json())

    async def quiz(self, code: str) -> QuizPublic:
        response = await self._request("GET", f"/api/v1/intake/quizzes/{code}")
        return QuizPublic.model_validate(response.json())

    async def quiz_attempt(self, code: str, data: AttemptCreate) -> AttemptResult:
        """Raises FeedbackApiError 409 with code "closed" or "already" when refused."""
        response = await self._request(
            "POST", f"/api/v1/intake/quizzes/{code}/attempts", json=data.model_dump(mode="json")
        )
        return AttemptResult.model_validate(response.json())

    async def forum_opinion(self, code: str, data: ForumOpinionCreate) -> SubmissionReceipt:
        response = await self._request(
            "POST", f"/api/v1/intake/forums/{code}/opinions", json=data.model_dump(mode="json")
        )
        return SubmissionReceipt.model_validate(response.json())

    async def knowledge(self, *, since: int | None = None) -> KnowledgeSnapshot:
        """The live FAQ base, or `changed=False` when `since` is still the live version."""
        params = {} if since is None else {"since": since}
        response = await self._request("GET", "/api/v1/knowledge", params=params)
        return KnowledgeSnapshot.model_validate(response.json())

    async def record_unanswered(self, data: UnansweredCreate) -> None:
        """Report a question the FAQ did not answer (the text only, never who asked)."""
        await self._request("POST", "/api/v1/intake/unanswered", json=data.model_dump(mode="json"))

    async def record_answer_served(self, data: AnswerServedCreate) -> None:
        """Count an FAQ answer shown to a citizen (entry, channel, commune; never who). Only
        queued here: the counts go in batches, within SERVED_FLUSH_SECONDS, so counting costs
        the citizen no waiting and the server one request per batch, not per answer. A crash
        can lose the last few seconds of counts, never an answer."""
        self._served.append(data)
        if len(self._served) >= MAX_SERVED_BATCH:
            await self.flush_answers_served()
        elif self._served_flush is None or self._served_flush.done():
            self._served_flush = asyncio.get_running_loop().create_task(self._flush_later())

    async def _flush_later(self) -> None:
        await asyncio.sleep(SERVED_FLUSH_SECONDS)
        try:
            await self.flush_answers_served()
        except Exception:  # kept for the next flush; counting never breaks the bot
            log.warning("could not send the FAQ answers served; will retry", exc_info=True)

    async def flush_answers_served(self) -> None:
        """Send every queued count now (tests, shutdown). On failure the batch is kept, up to
        MAX_SERVED_QUEUED counts."""
        while self._served:
            batch = self._served[:MAX_SERVED_BATCH]
            del self._served[:MAX_SERVED_BATCH]
            try:
                checked = AnswersServedBatch(items=batch)
                if self._direct is not None:
                    await self._direct.record_answers_served(checked.items)
                else:
                    await self._request(
                        "POST",
                        "/api/v1/intake/answers-served",
                        json=checked.model_dump(mode="json"),
                    )
            except Exception:
                self._served[:0] = batch
                del self._served[MAX_SERVED_QUEUED:]
                raise

    async def lease_outbox(self, *, limit: int = 50, lease_seconds: int = 60) -> LeasedMessages:
        response = await self._request(
            "POST", "/api/v1/outbox/lease", json={"limit": limit, "lease_seconds": lease_seconds}
        )
        return LeasedMessages.model_validate(response.json())

    async def send_slots(self, *, channel: str, count: int) -> list[float]:
        """Moments (epoch seconds) at which `count` messages may go out on `channel`, from the
        rate shared by every process that sends as the bot."""
        request = _slots_request(channel, count)
        if self._direct is not None:
            return await self._direct.reserve_slots(request.channel, request.count)
        response = await self._request(
            "POST", "/api/v1/outbox/slots", json=request.model_dump(mode="json")
        )
        return Slots.model_validate(response.json()).slots

    async def pause_sending(self, *, channel: str, seconds: float) -> None:
        """The platform said 429: every process holds its sends on `channel` that long."""
        request = _checked(PauseRequest, channel=channel, seconds=seconds)
        if self._direct is not None:
            await self._direct.pause_sending(request.channel, request.seconds)
            return
        await self._request("POST", "/api/v1/outbox/pause", json=request.model_dump(mode="json"))

    async def ack_outbox(
        self,
        message_id: int,
        *,
        lease_token: str,
        outcome: str,
        error: str | None = None,
        retry_after: float | None = None,
    ) -> AckResult:
        response = await self._request(
            "POST",
            f"/api/v1/outbox/{message_id}/ack",
            json={
                "lease_token": lease_token,
                "outcome": outcome,
                "error": error,
                "retry_after": retry_after,
            },
        )
        return AckResult.model_validate(response.json())

    # -- broadcasts (delivery workers) ------------------------------------------------------------

    async def broadcast_claim(self, *, limit: int = 200, lease_seconds: int = 60) -> Claim:
        response = await self._request(
            "POST",
            "/api/v1/broadcast-work/claim",
            json={"limit": limit, "lease_seconds": lease_seconds},
        )
        return Claim.model_validate(response.json())

    async def broadcast_step(
        self,
        *,
        lease_token: str,
        outcomes: list[DeliveryOutcome],
        start: list[int],
        renew_seconds: int | None = None,
        lease_seconds: int = 60,
    ) -> StepResult:
        response = await self._request(
            "POST",
            "/api/v1/broadcast-work/step",
            json={
                "lease_token": lease_token,
                "outcomes": [o.model_dump(mode="json") for o in outcomes],
                "start": start,
                "renew_seconds": renew_seconds,
                "lease_seconds": lease_seconds,
            },
        )
        return StepResult.model_validate(response.json())

    async def broadcast_image(self, broadcast_id: int) -> bytes:
        response = await self._request("GET", f"/api/v1/broadcast-work/{broadcast_id}/image")
        return response.content

    async def link_officer_chat(self, citizen_ref: str, code: str) -> bool:
        """Redeem an officer's one-time code (`/lienket 123456`) for this chat."""
        response = await self._request(
            "POST",
            "/api/v1/broadcast-work/links",
            json={"citizen_ref": citizen_ref, "code": code},
        )
        return LinkResult.model_validate(response.json()).linked

    # -- the Zalo OA's tokens (bot/channels/zalo_tokens.py) ----------------------------------

    async def zalo_tokens(self) -> ZaloTokensPublic | None:
        try:
            response = await self._request("GET", "/api/v1/zalo/tokens")
        except NotFoundError:
            return None
        return ZaloTokensPublic.model_validate(response.json())

    async def zalo_initial_tokens(
        self, *, access_token: str, refresh_token: str, expires_in: int
    ) -> bool:
        body = {"access_token": access_token, "refresh_token": refresh_token}
        response = await self._request(
            "POST", "/api/v1/zalo/tokens/initial", json=body | {"expires_in": expires_in}
        )
        return bool(response.json()["stored"])

    async def zalo_lease(self, *, holder: str, lease_seconds: int) -> ZaloLease:
        response = await self._request(
            "POST",
            "/api/v1/zalo/tokens/lease",
            json={"holder": holder, "lease_seconds": lease_seconds},
        )
        return ZaloLease.model_validate(response.json())

    async def zalo_refreshed(
        self,
        *,
        holder: str,
        generation: int,
        access_token: str,
        refresh_token: str,
        expires_in: int,
    ) -> bool:
        response = await self._request(
            "POST",
            "/api/v1/zalo/tokens/refreshed",
            json={
                "holder": holder,
                "generation": generation,
                "access_token": access_token,
                "refresh_token": refresh_token,
                "expires_in": expires_in,
            },
        )
        return bool(response.json()["stored"])

    async def zalo_refresh_failed(self, *, holder: str, error: str) -> None:
        await self._request(
            "POST",
            "/api/v1/zalo/tokens/refresh-failed",
            json={"holder": holder, "error": error[:500] or "?"},
        )
