"""Connection-pool liveness for every engine of the project (the API's and the bot's).

A pooled connection unused for IDLE_PING_SECONDS is checked with one round trip before it is
handed out (the database may have restarted meanwhile); a busy one is not: `pool_pre_ping` paid
that round trip on every transaction — every API request, three or four per Telegram update
(README, load and bot benchmarks). It imports SQLAlchemy only, so the bot may use it without
loading the API's models.
"""

from __future__ import annotations

import time

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

IDLE_PING_SECONDS = 10.0


def ping_when_idle(engine: Engine) -> None:
    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection, record) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_connection, record, _proxy) -> None:
        returned = record.info.get("returned_at")
        if returned is not None and time.monotonic() - returned < IDLE_PING_SECONDS:
            return
        try:
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
            dbapi_connection.rollback()
        except Exception as error:  # the pool drops this connection and tries another
            raise DisconnectionError(str(error)) from error
