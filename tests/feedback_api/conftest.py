"""Fixtures for the feedback API: a migrated database on SQLite or PostgreSQL, a small unit
tree (one province, two communes) and one officer of each role.

Every service and API test runs on both backends (`backend` is parametrised). PostgreSQL tests
skip on a machine without the server and fail under CI=true. Each test starts from empty
tables: SQLite copies a migrated template file, PostgreSQL truncates a migrated database.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session

from feedback_api.db import make_engine
from feedback_api.main import create_app
from feedback_api.migrate import upgrade
from feedback_api.officers import service as officers
from feedback_api.officers.schemas import OfficerCreate
from feedback_api.settings import Settings
from feedback_api.submissions import service as submissions
from feedback_api.submissions.schemas import SubmissionCreate
from feedback_api.units import service as units
from tests.conftest import require

PG_ADMIN_URL = os.environ.get("LANGNGHE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
SERVICE_TOKEN = "test-service-token-0123456789abcdef"
PASSWORD = "mat-khau-rat-dai-123"
TABLES = (
    "broadcast_delivery",
    "broadcast_rate_bucket",
    "officer_chat_link",
    "broadcast",
    "subscription",
    "audit_event",
    "quiz_attempt",
    "quiz_question",
    "quiz",
    "forum_opinion",
    "forum_theme",
    "forum",
    "subscription",
    "unanswered_question",
    "faq_answer_served",
    "knowledge_revision",
    "knowledge_entry",
    "outbox_message",
    "subscription",
    "attachment",
    "note",
    "submission_addition",
    "submission",
    "officer_session",
    "api_token",
    "login_throttle",
    "officer",
    "remembered_unit",
    "unit_boundary",
    "unit",
    "zalo_credentials",
    "zalo_consent",
)


def _postgres_available() -> bool:
    try:
        engine = make_engine(PG_ADMIN_URL)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("db") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url():
    require(_postgres_available(), "PostgreSQL at 127.0.0.1:5432")
    name = f"langnghe_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_ADMIN_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request):
    return request.param


@pytest.fixture
def engine(backend, request, tmp_path):
    if backend == "sqlite":
        path = tmp_path / "langnghe.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        engine = make_engine(f"sqlite:///{path}")
    else:
        engine = make_engine(request.getfixturevalue("postgres_url"))
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
    yield engine
    engine.dispose()


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(
        environment="test",
        data_dir=tmp_path / "var",
        service_token=SERVICE_TOKEN,
        secret_key="test-secret-key-0123456789abcdef0123",
        _env_file=None,
    )


@pytest.fixture
def db(engine):
    with Session(engine, expire_on_commit=False) as session:
        yield session


@dataclass
class World:
    province: object
    commune_a: object
    commune_b: object
    officers: dict


@pytest.fixture
def world(db) -> World:
    """Tỉnh Thử Nghiệm with Xã An Bình (A) and Phường Bình Minh (B), and their officers."""
    units.import_csv(
        db_session=db,
        text=(
            "code,name,kind,parent_code\n"
            "T01,Công an tỉnh Thử Nghiệm,province,\n"
            "XA,Công an xã An Bình,commune,T01\n"
            "PB,Công an phường Bình Minh,ward,T01\n"
        ),
    )
    province = units.get_by_code(db_session=db, code="T01")
    commune_a = units.get_by_code(db_session=db, code="XA")
    commune_b = units.get_by_code(db_session=db, code="PB")
    people = {
        "admin": ("admin", province),
        "officer_a": ("officer", commune_a),
        "officer_b": ("officer", commune_b),
        "leader_a": ("leader", commune_a),
        "campaign_a": ("campaign", commune_a),
        "officer_p": ("officer", province),
    }
    created = {}
    for username, (role, unit) in people.items():
        created[username] = officers.create(
            db_session=db,
            actor=None,
            data=OfficerCreate(
                username=username.replace("_", "."),
                full_name=f"Cán bộ {username}",
                role=role,
                unit_id=unit.id,
                password=PASSWORD,
            ),
        )
    return World(province, commune_a, commune_b, created)


def actor(db, officer):
    return officers.actor_for(db_session=db, officer=officer)


def make_tip(
    db,
    settings,
    *,
    unit_code="XA",
    text="Có người bán ma túy ở đầu ngõ 5",
    anonymity="anonymous",
    **extra,
):
    data = SubmissionCreate(
        kind=extra.pop("kind", "tip"),
        citizen_ref=extra.pop("citizen_ref", "cref_" + uuid.uuid4().hex[:12]),
        unit_code=unit_code,
        category=extra.pop("category", "drugs"),
        text=text,
        anonymity=anonymity,
        **extra,
    )
    return submissions.create(db_session=db, data=data, settings=settings)


@pytest.fixture
def app(engine, settings):
    return create_app(settings, engine=engine)


@pytest.fixture
def client(app):
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def bot_headers():
    return {"Authorization": f"Bearer {SERVICE_TOKEN}"}


def login(client: TestClient, username: str) -> dict:
    """Sign in through the JSON API; returns headers carrying the CSRF token."""
    response = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"X-CSRF-Token": response.json()["csrf_token"]}
