"""Which commune or ward must act on a submission: the routing rules, in one place.

The bot asks these questions while the citizen is still in the conversation:
- a typed name ("p hoa binh") → the units it may mean, with a flag when one is clearly meant;
- free text (a tip's description) → communes it names, proposed first;
- a shared location → the commune whose boundary contains it, else the nearest centre within
  `Settings.routing_centre_radius_km`;
- a citizen reference → the commune they asked us to remember (with their consent).
Only routable units are proposed: communes, wards, special zones and townships, never the
province itself or a department.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlmodel import Session, col, func, select

from feedback_api.clock import utcnow
from feedback_api.permissions import NotFound
from feedback_api.units.geo import GeoCache, Place
from feedback_api.units.models import RememberedUnit, Unit, UnitBoundary
from feedback_api.units.names import (
    Match,
    NameEntry,
    confident,
    find_mentions,
    fold,
    match_typed,
)
from feedback_api.units.schemas import UnitMatch, UnitMatches
from feedback_api.units.service import UnitError, get_by_code

ROUTABLE_KINDS = ("commune", "ward", "special_zone", "township")


@dataclass(frozen=True)
class UnitRow:
    """The columns routing needs: never the boundary text, which runs to megabytes."""

    id: int
    code: str
    name: str
    kind: str
    path: str


@dataclass(frozen=True)
class Catalogue:
    entries: list[NameEntry]
    by_code: dict[str, UnitRow]
    by_id: dict[int, UnitRow]


_CATALOGUES: dict[int, Catalogue] = {}
_GEO = GeoCache()
_LOCK = threading.Lock()


def forget_caches() -> None:
    with _LOCK:
        _CATALOGUES.clear()
    _GEO.clear()


def _catalogue(db_session: Session) -> Catalogue:
    """The name index, rebuilt only when the (light) rows change: loading ~3,300 short rows is
    a few milliseconds, folding and indexing them is what the cache saves."""
    raw = tuple(
        db_session.connection()
        .execute(
            select(Unit.id, Unit.code, Unit.name, Unit.kind, Unit.path)
            .where(col(Unit.active))
            .order_by(col(Unit.id))
        )
        .all()
    )
    key = hash(raw)
    with _LOCK:
        found = _CATALOGUES.get(key)
    if found is not None:
        return found
    rows = [UnitRow(*r) for r in raw]
    by_id = {r.id: r for r in rows}
    routable = [r for r in rows if r.kind in ROUTABLE_KINDS]
    built = Catalogue(
        entries=[NameEntry(r.code, r.name, r.kind, province_of(r, by_id).name) for r in routable],
        by_code={r.code: r for r in routable},
        by_id=by_id,
    )
    with _LOCK:
        if len(_CATALOGUES) > 8:  # old versions of the tree
            _CATALOGUES.clear()
        _CATALOGUES[key] = built
    return built


def province_of(unit: UnitRow | Unit, by_id: dict) -> UnitRow | Unit:
    top_id = int(unit.path.strip("/").split("/")[0]) if unit.path.strip("/") else unit.id
    return by_id.get(top_id, unit)


def place_label(name: str) -> str:
    """ "Công an phường Hòa Bình" → "Phường Hòa Bình": citizens name the place, not the force."""
    label = name.strip()
    if fold(label).startswith("cong an "):
        label = label[len("Công an ") :].strip() or label
    return label[:1].upper() + label[1:]


def _public(unit: UnitRow | Unit, by_id: dict, score: float, reason: str) -> UnitMatch:
    return UnitMatch(
        code=unit.code,
        name=unit.name,
        label=place_label(unit.name),
        province=place_label(province_of(unit, by_id).name),
        score=score,
        reason=reason,
    )


def _matches(matches: list[Match], catalogue: Catalogue) -> UnitMatches:
    return UnitMatches(
        data=[
            _public(catalogue.by_code[m.entry.code], catalogue.by_id, m.score, m.reason)
            for m in matches
        ],
        confident=confident(matches),
    )


def resolve_name(*, db_session: Session, query: str) -> UnitMatches:
    """What a typed answer to "xã/phường nào?" means. A typed address ("số 5 ngõ 7 phường Hòa
    Bình") has no name match of its own, so the communes it mentions are tried next."""
    catalogue = _catalogue(db_session)
    matches = match_typed(query, catalogue.entries)
    if not matches:
        matches = [m for m in find_mentions(query, catalogue.entries) if m.reason == "mention"]
    return _matches(matches, catalogue)


def resolve_mentions(*, db_session: Session, text: str) -> UnitMatches:
    catalogue = _catalogue(db_session)
    return _matches(find_mentions(text, catalogue.entries), catalogue)


def _geo_key(db_session: Session) -> tuple:
    """Changes whenever a boundary or a centre changes; cheap (the newest boundary change is
    read from its index, never the boundaries themselves)."""
    routable = (col(Unit.active), col(Unit.kind).in_(ROUTABLE_KINDS))
    centres = db_session.exec(
        select(
            func.count(),
            func.coalesce(func.max(Unit.id), 0),
            func.coalesce(func.sum(Unit.latitude), 0),
            func.coalesce(func.sum(Unit.longitude), 0),
        ).where(*routable)
    ).one()
    shapes = db_session.exec(
        select(func.count(), func.max(UnitBoundary.updated_at)).select_from(UnitBoundary)
    ).one()
    return (str(db_session.get_bind().url), *centres, *shapes)


def resolve_point(
    *, db_session: Session, latitude: float, longitude: float, radius_km: float
) -> UnitMatches:
    """The commune at a shared location (boundary first, else nearest centre in range)."""

    def load() -> list[Place]:
        return [
            Place(*row)
            for row in db_session.exec(
                select(Unit.id, UnitBoundary.geometry, Unit.latitude, Unit.longitude)
                .outerjoin(UnitBoundary, col(UnitBoundary.unit_id) == col(Unit.id))
                .where(col(Unit.active), col(Unit.kind).in_(ROUTABLE_KINDS))
            )
        ]

    index = _GEO.get(_geo_key(db_session), load)
    found = index.locate(latitude, longitude, radius_km=radius_km)
    if found is None:
        return UnitMatches(data=[], confident=False)
    catalogue = _catalogue(db_session)
    unit = catalogue.by_id[found.unit_id]
    score = 100.0 if found.reason == "boundary" else 90.0
    return UnitMatches(data=[_public(unit, catalogue.by_id, score, found.reason)], confident=True)


# -- the commune a citizen asked us to remember -------------------------------------------------


def remembered(*, db_session: Session, citizen_ref: str) -> UnitMatch:
    row = db_session.exec(
        select(RememberedUnit).where(RememberedUnit.citizen_ref == citizen_ref)
    ).first()
    catalogue = _catalogue(db_session)
    unit = catalogue.by_id.get(row.unit_id) if row else None
    if unit is None or unit.kind not in ROUTABLE_KINDS:
        raise NotFound("remembered unit")
    return _public(unit, catalogue.by_id, 100.0, "remembered")


def remembered_codes(*, db_session: Session, citizen_refs: set[str]) -> dict[str, str]:
    """The remembered commune's code for each of these citizens who has one (as `remembered`
    would find it), in one query per 500 citizens instead of one per citizen."""
    found: dict[str, str] = {}
    refs = sorted(citizen_refs)
    if not refs:
        return found
    catalogue = _catalogue(db_session)
    for start in range(0, len(refs), 500):
        rows = db_session.exec(
            select(RememberedUnit.citizen_ref, RememberedUnit.unit_id).where(
                col(RememberedUnit.citizen_ref).in_(refs[start : start + 500])
            )
        )
        for citizen_ref, unit_id in rows:
            unit = catalogue.by_id.get(unit_id)
            if unit is not None and unit.kind in ROUTABLE_KINDS:
                found[citizen_ref] = unit.code
    return found


def remember(*, db_session: Session, citizen_ref: str, unit_code: str) -> UnitMatch:
    """Remember a citizen's commune; only called after the citizen said yes."""
    unit = get_by_code(db_session=db_session, code=unit_code)
    if unit is None or not unit.active or unit.kind not in ROUTABLE_KINDS:
        raise UnitError(f"không có xã/phường mã {unit_code!r}")  # bad input: 422
    row = db_session.exec(
        select(RememberedUnit).where(RememberedUnit.citizen_ref == citizen_ref)
    ).first() or RememberedUnit(citizen_ref=citizen_ref, unit_id=unit.id)
    row.unit_id, row.updated_at = unit.id, utcnow()
    db_session.add(row)
    db_session.commit()
    return remembered(db_session=db_session, citizen_ref=citizen_ref)


def forget(*, db_session: Session, citizen_ref: str) -> bool:
    row = db_session.exec(
        select(RememberedUnit).where(RememberedUnit.citizen_ref == citizen_ref)
    ).first()
    if row is None:
        return False
    db_session.delete(row)
    db_session.commit()
    return True
