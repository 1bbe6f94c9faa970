"""Every operation of the API, fuzzed from its own OpenAPI schema (schemathesis).

With valid credentials (the bot's service token for its endpoints, an admin's API token for the
rest), generated requests must never get a server error, and every answer must match the
schema: a documented status code, the documented content type and body shape. Bounded: a few
examples per operation, so the whole module stays well under a minute.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlmodel import Session

from feedback_api.db import make_engine
from feedback_api.main import create_app
from feedback_api.migrate import upgrade
from feedback_api.officers import service as officers
from feedback_api.officers.models import Officer
from feedback_api.officers.schemas import OfficerCreate
from feedback_api.settings import Settings
from feedback_api.units import service as units
from tests.feedback_api.conftest import PASSWORD, SERVICE_TOKEN, make_tip

SERVICE_PATHS = ("/api/v1/intake", "/api/v1/outbox", "/api/v1/status", "/api/v1/zalo")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


# The app is built at import, because the schema (hence the parametrisation) comes from it;
# building it touches no database. The `site` fixture migrates and seeds that database.
# (schemathesis's fixture-based lazy loading does not run under pytest 9.)
_DATA = Path(tempfile.mkdtemp(prefix="langnghe-schemathesis-"))
SETTINGS = Settings(
    environment="test",
    data_dir=_DATA,
    service_token=SERVICE_TOKEN,
    secret_key="schemathesis-secret-0123456789abcdef",
    status_lookups_per_minute=10_000,
    _env_file=None,
)
ENGINE = make_engine(f"sqlite:///{_DATA / 'api.db'}")
APP = create_app(SETTINGS, engine=ENGINE)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module")
def site():
    upgrade(ENGINE)
    with Session(ENGINE, expire_on_commit=False) as db:
        units.import_csv(
            db_session=db,
            text="code,name,kind,parent_code\nT,Tỉnh,province,\nXA,Xã An Bình,commune,T\n",
        )
        province = units.get_by_code(db_session=db, code="T")
        admin = officers.create(
            db_session=db,
            actor=None,
            data=OfficerCreate(
                username="admin",
                full_name="Quản trị",
                role="admin",
                unit_id=province.id,
                password=PASSWORD,
            ),
        )
        for _ in range(3):
            make_tip(db, SETTINGS, unit_code="XA", anonymity="named", contact_name="Tên")
    yield admin.id
    ENGINE.dispose()
    shutil.rmtree(_DATA, ignore_errors=True)


@pytest.fixture
def credentials(site):
    """A fresh admin token per operation (a generated request may change the password)."""
    with Session(ENGINE, expire_on_commit=False) as db:
        admin = db.get(Officer, site)
        token = officers.create_api_token(db_session=db, officer=admin)
    return {"Authorization": f"Bearer {token}"}


@schema.parametrize()
@settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_documented_and_never_with_a_server_error(case, credentials):
    service = case.path.startswith(SERVICE_PATHS)
    headers = {"Authorization": f"Bearer {SERVICE_TOKEN}"} if service else credentials
    case.call_and_validate(headers=headers, checks=CHECKS)
