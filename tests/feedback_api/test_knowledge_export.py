"""`langnghe faq export DIR`: the live base, with an approved edit, written back as YAML that
`langnghe faq check` accepts and the FAQ loads to the same entries."""

from __future__ import annotations

import yaml
from sqlmodel import Session
from typer.testing import CliRunner

from faq import knowledge
from feedback_api.db import make_engine
from feedback_api.knowledge import seeding, service
from feedback_api.knowledge.schemas import RevisionCreate
from feedback_api.migrate import upgrade
from feedback_api.officers import service as officers
from feedback_api.officers.schemas import OfficerCreate
from feedback_api.units import service as units
from langnghe.cli import app

runner = CliRunner()
NEW_VARIANT = "xế nổ bị chôm lúc đá banh ở sân xã"


def _officers(db):
    units.import_csv(db_session=db, text="code,name,kind,parent_code\nT,Công an tỉnh,province,\n")
    unit = units.get_by_code(db_session=db, code="T")
    return [
        officers.actor_for(
            db_session=db,
            officer=officers.create(
                db_session=db,
                actor=None,
                data=OfficerCreate(
                    username=name,
                    full_name=name,
                    role="officer",
                    unit_id=unit.id,
                    password="mat-khau-xuat-ra-123",
                ),
            ),
        )
        for name in ("can.bo.a", "can.bo.b")
    ]


def test_export_writes_the_live_base_back_as_yaml_that_check_accepts(tmp_path, monkeypatch):
    monkeypatch.setenv("LANGNGHE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("LANGNGHE_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    engine = make_engine(f"sqlite:///{tmp_path / 'langnghe.db'}")
    upgrade(engine)
    with Session(engine, expire_on_commit=False) as db:
        seeding.seed_if_empty(db_session=db)
        a, b = _officers(db)
        document = service.live_documents(db_session=db)["trom-cap"]
        document["questions"].append(NEW_VARIANT)
        revision = service.propose(
            db_session=db, actor=a, data=RevisionCreate(slug="trom-cap", document=document)
        )
        service.approve(db_session=db, actor=b, revision_id=revision.id)
    engine.dispose()

    out = tmp_path / "xuat"
    exported = runner.invoke(app, ["faq", "export", str(out)])
    assert exported.exit_code == 0, exported.output
    assert "live version 2" in exported.output
    checked = runner.invoke(app, ["faq", "check", "--kb", str(out)])
    assert checked.exit_code == 0, checked.output

    shipped = {e.id: e for e in knowledge.load(knowledge.DEFAULT_DIR)}
    exported_entries = {e.id: e for e in knowledge.load(out)}
    assert exported_entries.keys() == shipped.keys()
    assert exported_entries["trom-cap"].questions == (*shipped["trom-cap"].questions, NEW_VARIANT)
    unchanged = [i for i in shipped if i != "trom-cap"]
    assert all(exported_entries[i] == shipped[i] for i in unchanged)
    text = (out / "trom-cap.yaml").read_text(encoding="utf-8")
    assert text.startswith("id: trom-cap\n") and "answer: |" in text
    assert yaml.safe_load(text)["last_reviewed"] == shipped["trom-cap"].last_reviewed


def test_export_of_a_fresh_database_is_the_shipped_base(tmp_path, monkeypatch):
    monkeypatch.setenv("LANGNGHE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("LANGNGHE_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["faq", "export", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert knowledge.load(tmp_path / "out") == knowledge.load(knowledge.DEFAULT_DIR)
