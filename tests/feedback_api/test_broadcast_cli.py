"""`langnghe broadcasts list|status`: campaign staff follow a campaign from a terminal."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from feedback_api.broadcasts import delivery, service
from feedback_api.broadcasts.schemas import BroadcastDraft, DeliveryOutcome
from feedback_api.db import make_engine
from feedback_api.migrate import upgrade
from feedback_api.officers import service as officers
from feedback_api.officers.schemas import OfficerCreate
from feedback_api.settings import Settings
from feedback_api.subscriptions import service as subscriptions
from feedback_api.subscriptions.schemas import SubscriptionSet
from feedback_api.units import service as units
from langnghe.cli import app

runner = CliRunner()


@pytest.fixture
def campaign(tmp_path, monkeypatch):
    monkeypatch.setenv("LANGNGHE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "160")  # rich wraps cells to the terminal's width
    monkeypatch.setenv("LANGNGHE_BROADCAST_QUIET_START", "00:00")
    monkeypatch.setenv("LANGNGHE_BROADCAST_QUIET_END", "00:00")
    monkeypatch.delenv("LANGNGHE_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    settings = Settings(data_dir=tmp_path, _env_file=None, **{
        "broadcast_quiet_start": "00:00", "broadcast_quiet_end": "00:00"})  # fmt: skip
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine)
    with Session(engine, expire_on_commit=False) as db:
        units.import_csv(db_session=db, text="code,name,kind,parent_code\nT1,Tỉnh Một,province,\n")
        unit = units.get_by_code(db_session=db, code="T1")
        people = {}
        for name, role in (("tuyen.truyen", "campaign"), ("lanh.dao", "leader")):
            officer = officers.create(
                db_session=db,
                actor=None,
                data=OfficerCreate(
                    username=name, full_name=name, role=role, unit_id=unit.id,
                    password="mat-khau-rat-dai-123",
                ),
            )  # fmt: skip
            people[name] = officers.actor_for(db_session=db, officer=officer)
        for n in range(4):
            subscriptions.subscribe(
                db_session=db,
                data=SubscriptionSet(citizen_ref=f"cref_cli_{n}", unit_code="T1", topics=["fire"]),
            )
        data = BroadcastDraft(title="Phòng cháy mùa khô", text="Kiểm tra bình chữa cháy.")
        b = service.create(db_session=db, actor=people["tuyen.truyen"], data=data)
        service.approve(db_session=db, actor=people["lanh.dao"], broadcast_id=b.id, revision=1)
        now = dt.datetime.now(dt.UTC)
        claim = delivery.claim(db_session=db, settings=settings, limit=4, lease_seconds=60, now=now)
        ids = [d.id for d in claim.deliveries]
        delivery.step(db_session=db, settings=settings, lease_token=claim.lease_token,
                      outcomes=[], start=ids[:2], now=now)  # fmt: skip
        delivery.step(
            db_session=db, settings=settings, lease_token=claim.lease_token, now=now, start=[],
            outcomes=[DeliveryOutcome(id=ids[0], outcome="sent"),
                      DeliveryOutcome(id=ids[1], outcome="blocked")],
        )  # fmt: skip
    engine.dispose()
    return b.id


def test_list_and_status_show_the_campaign_and_its_progress(campaign):
    listed = runner.invoke(app, ["broadcasts", "list"])
    assert listed.exit_code == 0, listed.output
    assert "Phòng cháy mùa khô" in listed.output and "running" in listed.output
    status = runner.invoke(app, ["broadcasts", "status", str(campaign)])
    assert status.exit_code == 0, status.output
    assert f"#{campaign}" in status.output and "2/4" in status.output  # done / total
    assert "blocked" in status.output and "pending" in status.output
    missing = runner.invoke(app, ["broadcasts", "status", "999"])
    assert missing.exit_code == 1
