"""`/healthz` and `/readyz` for load balancers and systemd/nginx checks.

`/healthz` says only that the process answers (no database: a slow database must not get a
healthy process restarted). `/readyz` says whether it should get traffic: the database answers
and its schema is at the migration head this code expects, so a server started before
`langnghe db upgrade` finished is kept out of rotation (503) rather than failing requests.
"""

from __future__ import annotations

from functools import cache

from alembic.script import ScriptDirectory
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.engine import Engine

from feedback_api.migrate import alembic_config

router = APIRouter(include_in_schema=False)


@cache
def expected_heads() -> frozenset[str]:
    """The migration head(s) shipped with this code."""
    return frozenset(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def readiness(engine: Engine) -> tuple[bool, str]:
    """(ready, reason). The reason names no secret and no data, only what is wrong."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            try:
                rows = connection.execute(text("SELECT version_num FROM alembic_version"))
                current = frozenset(row[0] for row in rows)
            except Exception:
                return False, "database not migrated"
    except Exception:
        return False, "database unreachable"
    if current != expected_heads():
        return False, "database migrations not at head"
    return True, "ready"


@router.get("/healthz")
def healthz() -> dict:
    return {"ok": True}


@router.get("/readyz")
def readyz(request: Request):
    ready, reason = readiness(request.app.state.engine)
    return JSONResponse({"ready": ready, "detail": reason}, status_code=200 if ready else 503)
