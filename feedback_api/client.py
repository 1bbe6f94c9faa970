"""A typed client for the feedback API, used by the bot side (bot/, handlers/).

It imports only the wire schemas (pydantic), never the ORM or the app, so the bot process does
not load SQLModel. It talks HTTP to a remote server, or in-process through httpx's ASGI
transport when bot and API share one process (`FeedbackClient.in_process(app, token)`).
"""

from __future__ import annotations

from typing import Any

import httpx

from feedback_api.forums.schemas import ForumOpinionCreate, ForumPublic, ForumsPublic
from feedback_api.knowledge.schemas import KnowledgeSnapshot, UnansweredCreate
from feedback_api.outbox.schemas import AckResult, LeasedMessages
from feedback_api.quizzes.schemas import AttemptCreate, AttemptResult, QuizPublic
from feedback_api.submissions.schemas import (
    AttachmentPublic,
    PublicStatus,
    SubmissionCreate,
    SubmissionReceipt,
)
from feedback_api.units.schemas import UnitsPublic


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


class FeedbackClient:
    def __init__(self, http: httpx.AsyncClient):
        self._http = http

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
    def in_process(cls, app: Any, service_token: str) -> FeedbackClient:
        transport = httpx.ASGITransport(app=app)
        return cls(
            httpx.AsyncClient(
                transport=transport,
                base_url="http://feedback-api",
                headers={"Authorization": f"Bearer {service_token}"},
                timeout=30.0,
            )
        )

    async def aclose(self) -> None:
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
        headers = {"X-Citizen-Ref": citizen_ref} if citizen_ref else {}
        response = await self._request("GET", f"/api/v1/status/{tracking_code}", headers=headers)
        return PublicStatus.model_validate(response.json())

    async def units(self) -> UnitsPublic:
        response = await self._request("GET", "/api/v1/units")
        return UnitsPublic.model_validate(response.json())

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

    async def lease_outbox(self, *, limit: int = 50, lease_seconds: int = 60) -> LeasedMessages:
        response = await self._request(
            "POST", "/api/v1/outbox/lease", json={"limit": limit, "lease_seconds": lease_seconds}
        )
        return LeasedMessages.model_validate(response.json())

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
