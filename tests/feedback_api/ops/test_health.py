"""A load balancer asks whether the process lives (/healthz) and whether it should get traffic
(/readyz): only when the database answers and its schema is at the head this code expects."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import text

from feedback_api.db import make_engine
from feedback_api.main import create_app


def test_a_migrated_database_is_ready(engine, settings):
    client = TestClient(create_app(settings, engine=engine))
    assert client.get("/healthz").json() == {"ok": True}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["ready"] is True


def test_a_database_behind_the_code_keeps_the_process_out_of_rotation(settings, tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    client = TestClient(create_app(settings, engine=engine))
    assert client.get("/healthz").status_code == 200
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json() == {"ready": False, "detail": "database not migrated"}

    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32))"))
        connection.execute(text("INSERT INTO alembic_version VALUES ('0003')"))
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["detail"] == "database migrations not at head"
    engine.dispose()


def test_an_unreachable_database_is_not_ready_but_the_process_is_healthy(settings):
    engine = make_engine("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
    client = TestClient(create_app(settings, engine=engine))
    assert client.get("/healthz").status_code == 200
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["detail"] == "database unreachable"
