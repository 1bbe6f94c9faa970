"""Pooled PostgreSQL connections (feedback_api.pool): checked after sitting idle, not while busy.

The database restarts or drops idle connections; the next request must not fail on a dead one.
A busy pool is not pinged (the round trip per transaction cost every request, README).
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from feedback_api import pool
from feedback_api.db import make_engine


class Clock:
    def __init__(self, start: float = 1000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now


def _backend_pid(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar()


def _drop(admin, pid: int) -> None:
    with admin.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})


@pytest.fixture
def dropped(postgres_url, monkeypatch):
    """(engine, clock, pid): the engine's one pooled connection, back in the pool at clock
    time 1000 and then terminated by the database, as a restart or an idle timeout would."""
    clock = Clock()
    monkeypatch.setattr(pool.time, "monotonic", clock)
    engine = make_engine(postgres_url)
    admin = make_engine(postgres_url)
    try:
        first = _backend_pid(engine)
        _drop(admin, first)
        yield engine, clock, first
    finally:
        engine.dispose()
        admin.dispose()


def test_a_connection_the_database_dropped_while_idle_is_replaced_before_use(dropped):
    engine, clock, first = dropped
    clock.now += pool.IDLE_PING_SECONDS + 1
    assert _backend_pid(engine) != first  # pinged, found dead, replaced: no error


def test_a_busy_connection_pays_no_ping_so_one_dropped_meanwhile_fails_once_then_is_replaced(
    dropped,
):
    engine, clock, first = dropped
    clock.now += 1  # returned a second ago: handed out as it is, no round trip
    with pytest.raises(OperationalError):
        _backend_pid(engine)
    assert _backend_pid(engine) != first  # the pool dropped the dead one
