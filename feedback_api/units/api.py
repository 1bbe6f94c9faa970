"""Unit routes: the bot lists and resolves communes for citizens; admins add units."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query

from feedback_api.deps import CurrentActor, ServiceCaller, ServiceOrActor, SessionDep, SettingsDep
from feedback_api.units import routing, service
from feedback_api.units.schemas import (
    RememberedUnitSet,
    UnitCreate,
    UnitMatch,
    UnitMatches,
    UnitPublic,
    UnitsPublic,
)

router = APIRouter(prefix="/api/v1/units", tags=["units"])
remembered_router = APIRouter(prefix="/api/v1/intake/remembered-unit", tags=["intake"])
CitizenRef = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{8,64}$")]


@router.get("", response_model=UnitsPublic)
def list_units(db: SessionDep, _caller: ServiceOrActor) -> UnitsPublic:
    """All active units, for the bot's commune picker and officers' forms."""
    units = [u for u in service.list_units(db_session=db) if u.active]
    return UnitsPublic(
        data=[UnitPublic.model_validate(u, from_attributes=True) for u in units], count=len(units)
    )


@router.get("/resolve", response_model=UnitMatches)
def resolve(
    db: SessionDep,
    settings: SettingsDep,
    _caller: ServiceOrActor,
    q: Annotated[str | None, Query(max_length=200)] = None,
    text: Annotated[str | None, Query(max_length=5000)] = None,
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
) -> UnitMatches:
    """Communes/wards for a typed name (`q`), named in free text (`text`), or at a location
    (`lat` and `lon`). Exactly one of the three."""
    given = [q is not None, text is not None, lat is not None or lon is not None]
    if sum(given) != 1 or (given[2] and (lat is None or lon is None)):
        raise HTTPException(422, "Cần đúng một trong: q, text, hoặc lat và lon.")
    if q is not None:
        return routing.resolve_name(db_session=db, query=q)
    if text is not None:
        return routing.resolve_mentions(db_session=db, text=text)
    return routing.resolve_point(
        db_session=db, latitude=lat, longitude=lon, radius_km=settings.routing_centre_radius_km
    )


@router.post("", status_code=201, response_model=UnitPublic)
def create_unit(data: UnitCreate, db: SessionDep, actor: CurrentActor) -> UnitPublic:
    unit = service.create_in_reach(db_session=db, actor=actor, data=data)
    return UnitPublic.model_validate(unit, from_attributes=True)


@remembered_router.get("/{citizen_ref}", response_model=UnitMatch)
def get_remembered(citizen_ref: CitizenRef, db: SessionDep, _caller: ServiceCaller) -> UnitMatch:
    return routing.remembered(db_session=db, citizen_ref=citizen_ref)


@remembered_router.put("", response_model=UnitMatch)
def remember(data: RememberedUnitSet, db: SessionDep, _caller: ServiceCaller) -> UnitMatch:
    """Remember a citizen's commune for next time (the bot asks for consent first)."""
    return routing.remember(db_session=db, citizen_ref=data.citizen_ref, unit_code=data.unit_code)


@remembered_router.delete("/{citizen_ref}", status_code=204)
def forget(citizen_ref: CitizenRef, db: SessionDep, _caller: ServiceCaller) -> None:
    routing.forget(db_session=db, citizen_ref=citizen_ref)
