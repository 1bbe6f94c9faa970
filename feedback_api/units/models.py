"""Police units as a tree: province → commune/ward (two levels since 1 July 2025).

The depth is not hard-coded: a unit knows its parent and its materialised `path` ("/1/7/"), so
"this unit and everything under it" is one indexed prefix query at any depth.

A unit may carry a centre point, and a boundary in a table of its own (`UnitBoundary`, GeoJSON
text that runs to megabytes for a province: the unit rows every request reads stay small), so
a location a citizen shares can be routed to the commune that must act on it (units/geo.py).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from feedback_api.clock import utcnow


class Unit(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=32, default="commune")
    parent_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    path: str = Field(max_length=500, index=True, default="/")
    active: bool = True
    latitude: float | None = None
    longitude: float | None = None


class UnitBoundary(SQLModel, table=True):
    """A commune's boundary: a GeoJSON Polygon/MultiPolygon in lon/lat (RFC 7946)."""

    __tablename__ = "unit_boundary"

    unit_id: int = Field(foreign_key="unit.id", primary_key=True)
    geometry: str = Field(sa_column=Column(Text, nullable=False))
    # Indexed: the newest change is how the routing cache knows boundaries changed.
    updated_at: dt.datetime = Field(default_factory=utcnow, index=True)


class RememberedUnit(SQLModel, table=True):
    """The commune a citizen asked us to remember for next time (by opaque reference only).

    Kept only with the citizen's consent, given in the conversation, and forgotten on request.
    """

    __tablename__ = "remembered_unit"

    id: int | None = Field(default=None, primary_key=True)
    citizen_ref: str = Field(max_length=64, unique=True, index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    updated_at: dt.datetime = Field(default_factory=utcnow)
