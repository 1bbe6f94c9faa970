"""Police units as a tree: province → commune/ward (two levels since 1 July 2025).

The depth is not hard-coded: a unit knows its parent and its materialised `path` ("/1/7/"), so
"this unit and everything under it" is one indexed prefix query at any depth.
"""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class Unit(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=32, default="commune")
    parent_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    path: str = Field(max_length=500, index=True, default="/")
    active: bool = True
