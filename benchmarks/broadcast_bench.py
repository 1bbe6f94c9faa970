"""Broadcast benchmark: rate held, duplicates, losses, engine ceiling, expansion memory, and the
naive alternative side by side.

Run: `.venv/bin/python benchmarks/broadcast_bench.py [--quick]` (PostgreSQL rows need the
server at 127.0.0.1:5432, database `test`, or LANGNGHE_TEST_PG_URL). Prints Markdown tables.

1. Rate: N recipients against the fake Bot API enforcing 30 msg/s (429 + retry_after above
   it; run in a process of its own, as the real platform is), through the real PTB stack, one
   worker: achieved rate as a fraction of the limit,
   duplicates, losses, 429s, the busiest one-second window.
2. Naive: the loop a team would write instead — `for chat in chats: await
   bot.send_message(...)` with PTB's AIORateLimiter(30/s) — against the same fake.
3. Ceiling: the engine against an unlimited in-memory channel (no HTTP), SQLite and
   PostgreSQL: how many deliveries per second the claim/step/outcome machinery sustains.
4. Memory: peak RSS of the process while expanding an audience of 1,000,000 subscribers into
   delivery rows (INSERT … SELECT in chunks; nothing per recipient in Python).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import text  # noqa: E402
from telegram import Bot  # noqa: E402
from telegram.error import RetryAfter  # noqa: E402
from telegram.ext import AIORateLimiter, ApplicationBuilder  # noqa: E402
from telegram.request import HTTPXRequest  # noqa: E402

from bot.broadcast_render import TelegramBroadcast  # noqa: E402
from bot.broadcast_worker import BroadcastWorker  # noqa: E402
from bot.storage import make_bot_engine  # noqa: E402
from feedback_api.broadcasts import delivery  # noqa: E402
from feedback_api.db import make_engine  # noqa: E402
from feedback_api.migrate import upgrade  # noqa: E402
from tests.bot.broadcast_fixtures import BroadcastWorld, RecordingBroadcast, make_settings  # noqa: E402
from tests.fakes.telegram_server import FakeTelegram  # noqa: E402

PG_ADMIN = os.environ.get("LANGNGHE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
BOT_TOKEN = "123456:BENCH"
LIMIT = 30


@dataclass(frozen=True)
class Seen:
    """One send as the fake platform saw it (what `summarise` reads)."""

    chat_id: str
    at: float
    status: int

    @property
    def ok(self) -> bool:
        return self.status == 200


def _platform(conn, per_second: int) -> None:
    """The fake Bot API in a process of its own, as Telegram is: its arrival times are not
    skewed by the sender's own CPU work (one GIL would serialise the two)."""
    with FakeTelegram() as fake:
        fake.enforce_rate_limit(per_second=per_second)
        conn.send(fake.base_url)
        conn.recv()  # "done"
        conn.send(
            [(str(c.chat_id), c.at, c.status) for c in fake.calls() if c.method == "sendMessage"]
        )


class Platform:
    """`with Platform(30) as p:` → p.base_url while it runs; p.calls once it has stopped."""

    def __init__(self, per_second: int):
        self._per_second = per_second
        self.calls: list[Seen] = []

    def __enter__(self) -> Platform:
        self._conn, child = multiprocessing.Pipe()
        self._process = multiprocessing.get_context("fork").Process(
            target=_platform, args=(child, self._per_second), daemon=True
        )
        self._process.start()
        self.base_url = self._conn.recv()
        return self

    def __exit__(self, *exc) -> None:
        self._conn.send("done")
        self.calls = [Seen(*row) for row in self._conn.recv()]
        self._process.join(timeout=10)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def busiest_second(times: list[float]) -> int:
    times, best, j = sorted(times), 0, 0
    for i, start in enumerate(times):
        while times[j] <= start - 1.0:
            j += 1
        best = max(best, i - j + 1)
    return best


class Database:
    """A fresh migrated database (SQLite file or a new PostgreSQL database)."""

    def __init__(self, kind: str, tmp: Path):
        self.kind, self.tmp, self.name = kind, tmp, None
        if kind == "sqlite":
            self.url = f"sqlite:///{tmp / f'bench-{uuid.uuid4().hex[:6]}.db'}"
        else:
            self.name = f"langnghe_bench_{uuid.uuid4().hex[:8]}"
            admin = make_engine(PG_ADMIN).execution_options(isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{self.name}"'))
            admin.dispose()
            self.url = PG_ADMIN.rsplit("/", 1)[0] + f"/{self.name}"
        self.engine = make_engine(self.url)
        upgrade(self.engine)

    def drop(self) -> None:
        self.engine.dispose()
        if self.name:
            admin = make_engine(PG_ADMIN).execution_options(isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
            admin.dispose()


def postgres_available() -> bool:
    try:
        engine = make_engine(PG_ADMIN)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


def world(db: Database, tmp: Path, **settings) -> BroadcastWorld:
    bot_engine = make_bot_engine(f"sqlite:///{tmp / f'bot-{uuid.uuid4().hex[:6]}.db'}")
    return BroadcastWorld(db.engine, bot_engine, make_settings(tmp, **settings))


async def until_done(bw: BroadcastWorld, campaign, workers, stop: asyncio.Event) -> float:
    started = time.monotonic()
    tasks = [asyncio.create_task(w.run_forever(stop, idle_seconds=0.05)) for w in workers]
    while bw.reload(campaign).status != "done":
        await asyncio.sleep(0.1)
    elapsed = time.monotonic() - started
    stop.set()
    await asyncio.gather(*tasks)
    return elapsed


def rate_run(n: int, tmp: Path) -> dict:
    db = Database("sqlite", tmp)
    bw = world(db, tmp, broadcast_per_second=float(LIMIT))
    chats = bw.subscribe(n)
    campaign = bw.launch()
    with Platform(LIMIT) as fake:

        async def go() -> None:
            bot = Bot(
                BOT_TOKEN, base_url=fake.base_url, request=HTTPXRequest(connection_pool_size=12)
            )
            await bot.initialize()
            client = bw.client()
            worker = BroadcastWorker(client, bw.contacts, {"telegram": TelegramBroadcast(bot)})
            try:
                await until_done(bw, campaign, [worker], asyncio.Event())
            finally:
                await client.aclose()
                await bot.shutdown()

        asyncio.run(go())
    result = summarise(fake.calls, chats)
    bw.close()
    db.drop()
    return result


def summarise(calls, chats) -> dict:
    ok = [c for c in calls if c.ok]
    copies = Counter(str(c.chat_id) for c in ok)
    times = sorted(c.at for c in ok)
    span = (times[-1] - times[0]) if len(times) > 1 else 1.0
    return {
        "sent": len(ok),
        "rate": (len(ok) - 1) / span if span else 0.0,
        "duplicates": sum(v - 1 for v in copies.values() if v > 1),
        "losses": sum(1 for chat in chats if copies[chat] == 0),
        "refused": sum(1 for c in calls if c.status == 429),
        "busiest": busiest_second(times),
    }


def naive_run(n: int) -> dict:
    """What a team writes first: a loop, PTB's AIORateLimiter, nothing persisted."""
    chats = [str(100_000 + i) for i in range(n)]
    with Platform(LIMIT) as fake:

        async def go() -> int:
            app = (
                ApplicationBuilder()
                .token(BOT_TOKEN)
                .base_url(fake.base_url)
                .rate_limiter(AIORateLimiter(overall_max_rate=LIMIT, overall_time_period=1))
                .build()
            )
            failed = 0
            async with app:
                for chat in chats:
                    try:
                        await app.bot.send_message(int(chat), "Cảnh báo lừa đảo")
                    except RetryAfter:
                        failed += 1  # AIORateLimiter(max_retries=0): the message is dropped
            return failed

        asyncio.run(go())
    return summarise(fake.calls, chats)


def cpu_seconds() -> float:
    """CPU time of this process, every thread (worker, in-process API, SQLite) included."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def warm_up(bw: BroadcastWorld) -> None:
    """One request before the clock starts: FastAPI builds its route table on the first
    request (about a second of CPU for this app), a start-up cost, not a per-delivery one."""
    transport = httpx.ASGITransport(app=bw.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        (await client.get("/healthz")).raise_for_status()


def ceiling_run(kind: str, n: int, tmp: Path, workers: int = 1) -> tuple[float, float]:
    """(deliveries per second, CPU ms of this process per delivery). On a machine shared with
    other jobs the first depends on the CPU share this process gets; the second does not (for
    PostgreSQL it leaves out the database server's own CPU)."""
    db = Database(kind, tmp)
    bw = world(db, tmp, broadcast_per_second=1_000_000.0)
    bw.subscribe(n)
    campaign = bw.launch()
    channel = RecordingBroadcast()

    async def go() -> float:
        clients = [bw.client() for _ in range(workers)]
        ws = [BroadcastWorker(c, bw.contacts, {"telegram": channel}, batch=500) for c in clients]
        try:
            return await until_done(bw, campaign, ws, asyncio.Event())
        finally:
            for c in clients:
                await c.aclose()

    asyncio.run(warm_up(bw))
    cpu = cpu_seconds()
    elapsed = asyncio.run(go())
    cpu = cpu_seconds() - cpu
    assert len(channel.chats()) == len(set(channel.chats())) == n
    bw.close()
    db.drop()
    return n / elapsed, cpu * 1000 / n


def expansion_run(kind: str, n: int, tmp: Path) -> tuple[float, float, float]:
    """(seconds, peak RSS MB before, peak RSS MB after) expanding n subscribers."""
    db = Database(kind, tmp)
    bw = world(db, tmp)
    unit = bw.unit["XA"].id
    # n subscribers written by the database itself, so the bench process never holds them.
    with db.engine.begin() as connection:
        if kind == "sqlite":
            connection.execute(
                text(
                    "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < :n) "
                    "INSERT INTO subscription (citizen_ref, unit_id, topics, active, created_at, "
                    "updated_at) SELECT 'c_bench_' || i, :unit, 'security', 1, "
                    "'2026-12-01 00:00:00.000000', '2026-12-01 00:00:00.000000' FROM s"
                ),
                {"n": n, "unit": unit},
            )
        else:
            connection.execute(
                text(
                    "INSERT INTO subscription (citizen_ref, unit_id, topics, active, created_at, "
                    "updated_at) SELECT 'c_bench_' || i, :unit, 'security', true, now(), now() "
                    "FROM generate_series(1, :n) AS i"
                ),
                {"n": n, "unit": unit},
            )
    campaign = bw.launch()
    before = rss_mb()
    started = time.monotonic()
    from sqlmodel import Session

    while not bw.reload(campaign).expansion_done:
        with Session(db.engine) as session:
            delivery.housekeeping(session, bw.settings, delivery.utcnow())
    elapsed = time.monotonic() - started
    after = rss_mb()
    assert bw.reload(campaign).recipients == n
    bw.close()
    db.drop()
    return elapsed, before, after


def main() -> None:
    import logging

    logging.getLogger("telegram").setLevel(logging.CRITICAL)  # the naive loop's dropped 429s
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller runs (a minute or two)")
    parser.add_argument(
        "--only", choices=("memory", "rate", "ceiling"), help="run one section only"
    )
    args = parser.parse_args()
    n_rate = 600 if args.quick else 10_000
    n_ceiling = 5_000 if args.quick else 20_000
    n_expand = 100_000 if args.quick else 1_000_000
    pg = postgres_available()
    tmp = Path(tempfile.mkdtemp(prefix="broadcast-bench-"))
    print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.machine()}")
    print(f"load average at start: {' / '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(
        f"{'quick' if args.quick else 'full'} run; PostgreSQL {'yes' if pg else 'not available'}\n"
    )
    try:
        if args.only in (None, "memory"):  # first, while the process holds nothing else
            print(f"### Expanding an audience of {n_expand:,} subscribers\n")
            print("| database | seconds | peak RSS before (MB) | peak RSS after (MB) |")
            print("|---|---|---|---|")
            for kind in ("sqlite", "postgres") if pg else ("sqlite",):
                seconds, before, after = expansion_run(kind, n_expand, tmp)
                print(f"| {kind} | {seconds:.1f} | {before:.0f} | {after:.0f} |", flush=True)
        if args.only in (None, "rate"):
            engine = rate_run(n_rate, tmp)
            naive = naive_run(n_rate)
            print(
                f"\n### At the platform's limit ({n_rate:,} recipients, fake enforcing {LIMIT}/s)\n"
            )
            print(
                "| sender | achieved rate | fraction of limit | duplicates | losses | 429s "
                "| busiest 1-s window | after a crash |"
            )
            print("|---|---|---|---|---|---|---|---|")
            for name, r, crash in (
                (
                    "Lắng Nghe worker (leases, shared bucket)",
                    engine,
                    "resumes; ≤ 10 unknown, none re-sent",
                ),
                ("naive loop + PTB AIORateLimiter", naive, "no record: starts over or skips all"),
            ):
                print(
                    f"| {name} | {r['rate']:.1f} msg/s | {r['rate'] / LIMIT:.3f} | "
                    f"{r['duplicates']} | {r['losses']} | {r['refused']} | {r['busiest']} "
                    f"| {crash} |",
                    flush=True,
                )
        if args.only in (None, "ceiling"):
            print(f"\n### Engine ceiling (unlimited in-memory channel, {n_ceiling:,} recipients)\n")
            print("| database | workers | deliveries/s | CPU ms per delivery (this process) |")
            print("|---|---|---|---|")
            runs = [("SQLite", "sqlite", 1)]
            if pg:
                runs += [("PostgreSQL", "postgres", 1), ("PostgreSQL", "postgres", 2)]
            for name, kind, workers in runs:
                rate, cpu = ceiling_run(kind, n_ceiling, tmp, workers=workers)
                print(f"| {name} | {workers} | {rate:,.0f} | {cpu:.2f} |", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
