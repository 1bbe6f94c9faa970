"""Unit routes: the bot lists communes for citizens to choose; admins add units."""

from __future__ import annotations

from fastapi import APIRouter

from feedback_api.deps import CurrentActor, ServiceOrActor, SessionDep
from feedback_api.units import service
from feedback_api.units.schemas import UnitCreate, UnitPublic, UnitsPublic

router = APIRouter(prefix="/api/v1/units", tags=["units"])


@router.get("", response_model=UnitsPublic)
def list_units(db: SessionDep, _caller: ServiceOrActor) -> UnitsPublic:
    """All active units, for the bot's commune picker and officers' forms."""
    units = [u for u in service.list_units(db_session=db) if u.active]
    return UnitsPublic(
        data=[UnitPublic.model_validate(u, from_attributes=True) for u in units], count=len(units)
    )


@router.post("", status_code=201, response_model=UnitPublic)
def create_unit(data: UnitCreate, db: SessionDep, actor: CurrentActor) -> UnitPublic:
    unit = service.create_in_reach(db_session=db, actor=actor, data=data)
    return UnitPublic.model_validate(unit, from_attributes=True)
