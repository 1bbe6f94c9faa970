"""Wire contract for units (no ORM imports: the API client uses these)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class UnitCreate(BaseModel):
    code: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=200)
    kind: str = Field(default="commune", max_length=32)
    parent_code: str | None = None


class UnitPublic(BaseModel):
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    active: bool


class UnitsPublic(BaseModel):
    data: list[UnitPublic]
    count: int
