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

from sqlmodel import Session, col, func, select

from feedback_api.clock import utcnow
from feedback_api.permissions import NotFound
from feedback_api.units.geo import GeoCache, Place
from feedback_api.units.models import RememberedUnit, Unit
from feedback_api.units.names import (
    Match,
    NameEntry,
    confident,
    find_mentions,
    fold,
    match_typed,
)
from feedback_api.units.schemas import UnitMatch, UnitMatches
from feedback_api.units.service import get_by_code

ROUTABLE_KINDS = ("commune", "ward", "special_zone", "township")
_GEO = GeoCache()


def _routable(db_session: Session) -> tuple[list[Unit], dict[int, Unit]]:
    units = list(db_session.exec(select(Unit).where(col(Unit.active))))
    by_id = {u.id: u for u in units}
    return [u for u in units if u.kind in ROUTABLE_KINDS], by_id


def province_of(unit: Unit, by_id: dict[int, Unit]) -> Unit:
    top_id = int(unit.path.strip("/").split("/")[0]) if unit.path.strip("/") else unit.id
    return by_id.get(top_id, unit)


def place_label(name: str) -> str:
    """ "Công an phường Hòa Bình" → "Phường Hòa Bình": citizens name the place, not the force."""
    label = name.strip()
    if fold(label).startswith("cong an "):
        label = label[len("Công an ") :].strip() or label
    return label[:1].upper() + label[1:]


def _public(unit: Unit, by_id: dict[int, Unit], score: float, reason: str) -> UnitMatch:
    return UnitMatch(
        code=unit.code,
        name=unit.name,
        label=place_label(unit.name),
        province=place_label(province_of(unit, by_id).name),
        score=score,
        reason=reason,
    )


def _entries(db_session: Session) -> tuple[list[NameEntry], dict[str, Unit], dict[int, Unit]]:
    routable, by_id = _routable(db_session)
    entries = [NameEntry(u.code, u.name, u.kind, province_of(u, by_id).name) for u in routable]
    return entries, {u.code: u for u in routable}, by_id


def _matches(matches: list[Match], by_code: dict[str, Unit], by_id) -> UnitMatches:
    return UnitMatches(
        data=[_public(by_code[m.entry.code], by_id, m.score, m.reason) for m in matches],
        confident=confident(matches),
    )


def resolve_name(*, db_session: Session, query: str) -> UnitMatches:
    """What a typed answer to "xã/phường nào?" means. A typed address ("số 5 ngõ 7 phường Hòa
    Bình") has no name match of its own, so the communes it mentions are tried next."""
    entries, by_code, by_id = _entries(db_session)
    matches = match_typed(query, entries)
    if not matches:
        matches = [m for m in find_mentions(query, entries) if m.reason == "mention"]
    return _matches(matches, by_code, by_id)


def resolve_mentions(*, db_session: Session, text: str) -> UnitMatches:
    entries, by_code, by_id = _entries(db_session)
    return _matches(find_mentions(text, entries), by_code, by_id)


def _geo_key(db_session: Session) -> tuple:
    """Changes whenever boundaries or centres change (cheap: no boundary text is read)."""
    return tuple(
        db_session.exec(
            select(
                func.count(),
                func.coalesce(func.sum(func.length(Unit.boundary)), 0),
                func.coalesce(func.sum(Unit.latitude), 0),
                func.coalesce(func.sum(Unit.longitude), 0),
                func.coalesce(func.max(Unit.id), 0),
            ).where(col(Unit.active), col(Unit.kind).in_(ROUTABLE_KINDS))
        ).one()
    )


def resolve_point(
    *, db_session: Session, latitude: float, longitude: float, radius_km: float
) -> UnitMatches:
    """The commune at a shared location (boundary first, else nearest centre in range)."""

    def load() -> list[Place]:
        routable, _ = _routable(db_session)
        return [Place(u.id, u.boundary, u.latitude, u.longitude) for u in routable]

    index = _GEO.get((str(db_session.get_bind().url), _geo_key(db_session)), load)
    found = index.locate(latitude, longitude, radius_km=radius_km)
    if found is None:
        return UnitMatches(data=[], confident=False)
    _, by_id = _routable(db_session)
    unit = by_id[found.unit_id]
    score = 100.0 if found.reason == "boundary" else 90.0
    return UnitMatches(data=[_public(unit, by_id, score, found.reason)], confident=True)


# -- the commune a citizen asked us to remember -------------------------------------------------


def remembered(*, db_session: Session, citizen_ref: str) -> UnitMatch:
    row = db_session.exec(
        select(RememberedUnit).where(RememberedUnit.citizen_ref == citizen_ref)
    ).first()
    unit = db_session.get(Unit, row.unit_id) if row else None
    if unit is None or not unit.active or unit.kind not in ROUTABLE_KINDS:
        raise NotFound("remembered unit")
    _, by_id = _routable(db_session)
    return _public(unit, by_id, 100.0, "remembered")


def remember(*, db_session: Session, citizen_ref: str, unit_code: str) -> UnitMatch:
    """Remember a citizen's commune; only called after the citizen said yes."""
    unit = get_by_code(db_session=db_session, code=unit_code)
    if unit is None or not unit.active or unit.kind not in ROUTABLE_KINDS:
        raise NotFound("unit")
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
