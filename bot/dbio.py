"""The one I/O policy of bot/: database calls never run on the event loop; they run on a small
thread pool per database, and for SQLite on exactly one thread.

Why one thread for SQLite: it allows one writer at a time anyway, so several threads only take
turns at its lock (busy waits and GIL hand-offs cost CPU without adding throughput); one thread
keeps the statements in order and the per-update cost low. PostgreSQL gets a few threads.
"""

from __future__ import annotations

import asyncio
import functools
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from sqlalchemy.engine import Engine

T = TypeVar("T")
SERVER_THREADS = 4

_executors: weakref.WeakKeyDictionary[Engine, ThreadPoolExecutor] = weakref.WeakKeyDictionary()


def _executor(engine: Engine) -> ThreadPoolExecutor:
    executor = _executors.get(engine)
    if executor is None:
        workers = 1 if engine.dialect.name == "sqlite" else SERVER_THREADS
        executor = ThreadPoolExecutor(workers, thread_name_prefix=f"bot-db-{engine.dialect.name}")
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
