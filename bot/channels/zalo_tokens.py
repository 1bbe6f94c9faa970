"""The OA's access token for the Zalo channel: read from the feedback API (where the pair is
stored sealed), refreshed before it expires, and refreshed once when Zalo rejects it.

Zalo's refresh token is single-use and rotated on every refresh. So a refresh happens only
under the store's lease (one process at a time; another process waiting for a lease waits for
the new pair instead of refreshing again), and the new pair is stored in one guarded write
(feedback_api.zalo.service). A refresh that fails is recorded there, which raises the alert in
the officer view; messages then wait in the outbox until an admin pastes a new pair.

Known limit: if Zalo rotates the pair but the answer is lost (the connection drops after Zalo
spent the old token), the pair cannot be recovered; the alert asks for a new one.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import secrets
from collections.abc import Awaitable, Callable

import httpx

from bot.channels.zalo_api import ZaloApi, ZaloApiError
from feedback_api.client import FeedbackApiError, FeedbackClient
from feedback_api.zalo.schemas import ZaloTokensPublic

log = logging.getLogger(__name__)


class NoTokens(Exception):
    """No usable token: none stored yet, or the last refresh failed."""


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class TokenKeeper:
    def __init__(
        self,
        client: FeedbackClient,
        api: ZaloApi,
        *,
        margin_seconds: float = 3600.0,
        lease_seconds: int = 30,
        failure_pause_seconds: float = 300.0,
        wait_step: float = 0.25,
        now: Callable[[], dt.datetime] = _utcnow,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ):
        self._client = client
        self._api = api
        self._margin = dt.timedelta(seconds=margin_seconds)
        self._lease_seconds = lease_seconds
        self._wait_step = wait_step
        self._now = now
        self._sleep = sleep
        self.holder = "bot-" + secrets.token_hex(8)
        self._cached: ZaloTokensPublic | None = None
        self._lock = asyncio.Lock()  # one refresh at a time inside this process
        # After a failed refresh, the same pair is not tried again for a while (Zalo would
        # refuse it again); a new pair (another generation) is tried at once.
        self._failure_pause = dt.timedelta(seconds=failure_pause_seconds)
        self._failed: tuple[int, dt.datetime] | None = None

    async def seed(self, *, access_token: str, refresh_token: str, expires_in: int) -> bool:
        """First tokens from the environment, taken only while the store holds none."""
        return await self._client.zalo_initial_tokens(
            access_token=access_token, refresh_token=refresh_token, expires_in=expires_in
        )

    async def _latest(self) -> ZaloTokensPublic | None:
        self._cached = await self._client.zalo_tokens()
        return self._cached

    async def access_token(self) -> str:
        """A token valid for at least the margin (refreshing first if needed)."""
        tokens = self._cached or await self._latest()
        if tokens is None:
            raise NoTokens("no Zalo tokens stored yet")
        if tokens.access_expires_at - self._margin <= self._now():
            tokens = await self._refresh(tokens.generation)
        return tokens.access_token

    async def after_rejection(self, rejected: str) -> str:
        """Zalo refused `rejected` as invalid or expired: a newer token if another process
        already refreshed, else refresh once now."""
        latest = await self._latest()
        if latest is None:
            raise NoTokens("no Zalo tokens stored")
        if latest.access_token != rejected:
            return latest.access_token
        return (await self._refresh(latest.generation)).access_token

    async def ensure_fresh(self) -> None:
        """For the background loop: refresh ahead of expiry even when nothing is being sent."""
        self._cached = None
        await self.access_token()

    async def _refresh(self, generation: int) -> ZaloTokensPublic:
        async with self._lock:
            latest = await self._latest()
            if latest is None:
                raise NoTokens("no Zalo tokens stored")
            if latest.generation != generation:  # refreshed meanwhile (here or elsewhere)
                return latest
            failed = self._failed
            if failed and failed[0] == generation and self._now() - failed[1] < self._failure_pause:
                raise NoTokens("the last refresh of this pair failed; waiting for a new one")
            lease = await self._client.zalo_lease(
                holder=self.holder, lease_seconds=self._lease_seconds
            )
            if not lease.granted or lease.refresh_token is None:
                return await self._wait_for_other(generation)
            try:
                pair = await self._api.refresh(lease.refresh_token)
            except (ZaloApiError, httpx.HTTPError) as error:
                log.error("Zalo token refresh failed: %s", error)
                await self._client.zalo_refresh_failed(holder=self.holder, error=str(error))
                self._failed = (generation, self._now())
                self._cached = None
                raise NoTokens(f"refresh failed: {error}") from error
            stored = await self._client.zalo_refreshed(
                holder=self.holder,
                generation=lease.generation,
                access_token=pair.access_token,
                refresh_token=pair.refresh_token,
                expires_in=pair.expires_in,
            )
            if not stored:  # an admin pasted a new pair meanwhile: theirs wins
                log.warning("refreshed Zalo pair not stored: the stored pair changed")
            latest = await self._latest()
            if latest is None:
                raise NoTokens("tokens vanished after a refresh")
            return latest

    async def _wait_for_other(self, generation: int) -> ZaloTokensPublic:
        """Another process holds the lease: its new pair will do for us too."""
        waited = 0.0
        while waited <= self._lease_seconds:
            await self._sleep(self._wait_step)
            waited += self._wait_step
            try:
                latest = await self._latest()
            except FeedbackApiError:
                continue
            if latest is not None and latest.generation != generation:
                return latest
        raise NoTokens("another process did not finish refreshing the Zalo token")
