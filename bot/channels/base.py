"""What every channel adapter offers the sender: deliver one message to one chat."""

from __future__ import annotations

from typing import Protocol

from handlers.events import OutboundMessage


class DeliveryError(Exception):
    """A message could not be delivered now.

    `retry_after`: the platform asked us to wait (HTTP 429); `blocked`: the citizen blocked the
    bot (HTTP 403) and nothing more should be sent; `skipped`: the platform's rules forbid this
    message (e.g. Zalo's "outside_window"): recorded with that reason, never retried; otherwise
    the error is transient.
    """

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        blocked: bool = False,
        skipped: str | None = None,
    ):
        super().__init__(message)
        self.retry_after = retry_after
        self.blocked = blocked
        self.skipped = skipped


class OutboundChannel(Protocol):
    name: str

    async def send(self, chat_id: str, message: OutboundMessage) -> None:
        """Deliver or raise DeliveryError."""
