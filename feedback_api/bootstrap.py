"""First-run setup: migrate, load the demo units, create the first admin (password shown once)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from feedback_api import onetime
from feedback_api.knowledge import seeding
from feedback_api.migrate import upgrade
from feedback_api.officers import service as officers
from feedback_api.officers.models import Officer
from feedback_api.officers.schemas import OfficerCreate
from feedback_api.units import boundaries
from feedback_api.units import service as units
from feedback_api.units.models import Unit

DEMO_UNITS = Path(__file__).resolve().parent / "sample_data" / "units_demo.csv"
# Simple polygons for the demo communes, so a shared location is routed out of the box.
DEMO_BOUNDARIES = DEMO_UNITS.with_name("boundaries_demo.geojson")


@dataclass(frozen=True)
class FirstAdmin:
    username: str
    password: str


def prepare(engine: Engine, *, demo_units: bool = True) -> FirstAdmin | None:
    """Bring the database to the latest schema; on an empty one, seed units and an admin, and
    copy the shipped FAQ (faq/knowledge/) into the live knowledge base officers edit; on a
    seeded one, bring in what a new release changed in the shipped FAQ (`sync_shipped`)."""
    upgrade(engine)
    with Session(engine, expire_on_commit=False) as db:
        seeding.sync_shipped(db_session=db)
        if demo_units and db.exec(select(func.count()).select_from(Unit)).one() == 0:
            units.import_csv(db_session=db, text=DEMO_UNITS.read_text(encoding="utf-8"))
            boundaries.import_geojson(
                db_session=db, text=DEMO_BOUNDARIES.read_text(encoding="utf-8")
            )
        if db.exec(select(func.count()).select_from(Officer)).one() > 0:
            return None
        top = db.exec(select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.id)).first()
        if top is None:
            return None
        password = onetime.temporary_password()
        officers.create(
            db_session=db,
            actor=None,
            data=OfficerCreate(
                username="admin",
                full_name="Quản trị hệ thống",
                role="admin",
                unit_id=top.id,
                password=password,
            ),
        )
        return FirstAdmin("admin", password)
