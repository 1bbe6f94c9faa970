"""Wire contract for subscriptions."""

from __future__ import annotations

from pydantic import BaseModel, Field

TOPICS = ("security", "traffic", "fraud", "admin", "fire")


class SubscriptionSet(BaseModel):
    citizen_ref: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    unit_code: str = Field(min_length=1, max_length=32)
    topics: list[str] = Field(min_length=1, max_length=len(TOPICS))

    def model_post_init(self, _context) -> None:
        unknown = set(self.topics) - set(TOPICS)
        if unknown:
            raise ValueError(f"unknown topics: {', '.join(sorted(unknown))}")


class SubscriptionPublic(BaseModel):
    citizen_ref: str
    unit_id: int
    topics: list[str]
    active: bool
