"""Connection pools and database threads for every engine of the project (the API's and the
bot's). It imports SQLAlchemy only, so the bot may use it without loading the API's models.

Liveness: a pooled connection unused for IDLE_PING_SECONDS is checked with one round trip before it
is handed out (the database may have restarted meanwhile); a busy one is not: `pool_pre_ping` paid
that round trip on every transaction — every API request, three or four per Telegram update
(README, load and bot benchmarks).

Threads: async code never runs a database call on the event loop; `run` hands it to a small
thread pool per database, and for SQLite to exactly one thread. SQLite allows one writer at a
time anyway: several threads only take turns at its lock (busy waits, GIL hand-offs, and pool
overflow connections opened and closed under a burst) without adding throughput, while one
thread keeps the statements in order and the per-call cost low. PostgreSQL gets a few threads.
"""

from __future__ import annotations

import asyncio
import functools
import time
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

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


T = TypeVar("T")
SERVER_THREADS = 4

_executors: weakref.WeakKeyDictionary[Engine, ThreadPoolExecutor] = weakref.WeakKeyDictionary()


def _executor(engine: Engine) -> ThreadPoolExecutor:
    executor = _executors.get(engine)
    if executor is None:
        workers = 1 if engine.dialect.name == "sqlite" else SERVER_THREADS
        executor = ThreadPoolExecutor(workers, thread_name_prefix=f"db-{engine.dialect.name}")
        _executors[engine] = executor
    return executor


async def run(engine: Engine, function: Callable[..., T], /, *args, **kwargs) -> T:
    """`function(*args, **kwargs)` on the database's threads; awaited from the event loop."""
    call = (
        functools.partial(function, *args, **kwargs)
        if kwargs
        else functools.partial(function, *args)
    )
    return await asyncio.get_running_loop().run_in_executor(_executor(engine), call)
