"""Wire contract for units (no ORM imports: the API client uses these)."""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator


class UnitCreate(BaseModel):
    code: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=200)
    kind: str = Field(default="commune", max_length=32)
    parent_code: str | None = None
    # The unit's centre (WGS84), for routing a shared location to the nearest commune.
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)

    @model_validator(mode="after")
    def _both_or_neither(self) -> UnitCreate:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("lat và lon phải có cả hai hoặc bỏ trống cả hai")
        return self


class UnitPublic(BaseModel):
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    active: bool
    latitude: float | None = None
    longitude: float | None = None


class UnitsPublic(BaseModel):
    data: list[UnitPublic]
    count: int


class UnitMatch(BaseModel):
    """A unit proposed for a citizen's submission, with why it was proposed."""

    code: str
    name: str
    label: str  # the place as a citizen reads it ("Phường Hòa Bình")
    province: str  # the province it belongs to, shown when two communes share a name
    score: float
    reason: str  # typed, mention, mention_bare, boundary, centre, remembered


class UnitMatches(BaseModel):
    data: list[UnitMatch]
    # One clear winner: the bot may take it without asking which one.
    confident: bool = False


class RememberedUnitSet(BaseModel):
    citizen_ref: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    unit_code: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")
