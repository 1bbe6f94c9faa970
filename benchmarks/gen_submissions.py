"""A province's years of submissions, generated and bulk-loaded fast enough for a million rows.

Run: `.venv/bin/python benchmarks/gen_submissions.py --database-url URL --count 1000000`
(the database is migrated and gets the benchmark's province and communes when it has no units;
`benchmarks/load_bench.py` calls `load` itself).

What the rows look like, and why: created evenly over two years, Vietnamese texts from
benchmarks/api_bench.py's templates (a pool of 6,000 drafted and folded once, then drawn from),
spread over a province and its communes. Unlike
api_bench's rows, status follows age as in a unit that works its inbox: what is older than its
deadline is almost all closed (a few percent stay open, and are the overdue items), recent items
are mostly open. A benchmark where half of two years' items are open and overdue would measure
a province that has stopped working, not one that has grown.

How it loads: rows are generated and written in chunks (bounded memory): COPY on PostgreSQL
(the stored search column and its GIN index fill as rows arrive), SQLAlchemy core executemany
on SQLite (the FTS5 triggers index them). PostgreSQL then gets VACUUM ANALYZE, as autovacuum
would give it after a large import; SQLite gets no ANALYZE, as the app never runs one (its
plans are the ones of a real embedded install).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import api_bench  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from faq.normalize import normalize  # noqa: E402
from feedback_api.db import is_sqlite, make_engine  # noqa: E402
from feedback_api.submissions.models import Submission  # noqa: E402
from feedback_api.submissions.tracking import ALPHABET  # noqa: E402

CHUNK = 20_000
OPEN_STATUSES = [("new", 0.45), ("verifying", 0.35), ("forwarded", 0.2)]
CLOSED_STATUSES = [("resolved", 0.75), ("rejected", 0.15), ("duplicate", 0.1)]
PRIORITIES = ["low"] + ["normal"] * 6 + ["high"] * 2 + ["urgent"]
REPLY = "Cảm ơn bạn, công an đã tiếp nhận và xử lý."
COLUMNS = [c.name for c in Submission.__table__.columns if c.name != "id"]


def _status(rng: random.Random, age_days: float, deadline_days: int) -> str:
    """Open while young; past the deadline (plus a week of slack) 4 % are still open."""
    if age_days > deadline_days + 7:
        still_open = 0.04
    else:
        still_open = 0.85 - 0.6 * age_days / (deadline_days + 7)
    weighted = OPEN_STATUSES if rng.random() < still_open else CLOSED_STATUSES
    return api_bench._pick(rng, weighted)


POOL = 6_000  # distinct texts: drafting and folding each row cost 0.8 ms, a million 13 min


def _pool(rng: random.Random) -> list[tuple[api_bench.Draft, str]]:
    """Drafts with their folded search text, computed once and drawn from for every row."""
    pool = []
    for _ in range(POOL):
        d = api_bench.draft(rng)
        pool.append((d, normalize(" ".join(filter(None, [d.text, d.location_text, d.topic])))))
    return pool


def rows(count: int, unit_ids: list[int], *, seed: int, days: int = 730) -> Iterator[list[dict]]:
    """Chunks of submission rows, oldest first (ids grow with time as in production).

    `unit_ids`: the province first, then its communes; 5 % stay at the province."""
    rng = random.Random(seed)
    pool = _pool(rng)
    now = dt.datetime.now(dt.UTC)
    start = now - dt.timedelta(days=days)
    step = days * 86400 / max(count, 1)
    codes: set[str] = set()
    chunk: list[dict] = []
    communes = len(unit_ids) - 1
    for index in range(count):
        d, folded = pool[rng.randrange(POOL)]
        created = start + dt.timedelta(seconds=(index + rng.random()) * step)
        symbols = "".join(rng.choices(ALPHABET, k=8))
        while symbols in codes:
            symbols = "".join(rng.choices(ALPHABET, k=8))
        codes.add(symbols)
        deadline = api_bench.DEADLINE_DAYS[d.kind]
        status = _status(rng, (now - created).total_seconds() / 86400, deadline)
        closed = status in api_bench.CLOSED
        named = d.anonymity != "anonymous"
        unit = unit_ids[0] if rng.random() < 0.05 else unit_ids[1 + rng.randrange(communes)]
        chunk.append(
            {
                "tracking_code": f"LN-{symbols[:4]}-{symbols[4:]}",
                "kind": d.kind,
                "citizen_ref": f"cref_{rng.getrandbits(64):016x}",
                "channel": d.channel,
                "idempotency_key": None,
                "unit_id": unit,
                "category": d.category,
                "topic": d.topic,
                "text": d.text,
                "location_text": d.location_text,
                "latitude": None,
                "longitude": None,
                "anonymity": d.anonymity,
                # Stand-ins for sealed values: the inbox never reads them.
                "contact_name": "sealed:bench" if named else None,
                "contact_phone": "sealed:bench" if named else None,
                "status": status,
                "priority": PRIORITIES[rng.randrange(10)],
                "valuable": rng.random() < 0.1,
                "assigned_to_id": None,
                "duplicate_of_id": None,
                "public_reply": REPLY if closed else None,
                "search_text": folded,
                "due_at": created + dt.timedelta(days=deadline),
                "created_at": created,
                "updated_at": created + dt.timedelta(hours=1 + rng.randrange(71)),
                "closed_at": created + dt.timedelta(days=1 + rng.randrange(19)) if closed else None,
                "details": None,
            }
        )
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def load(engine: Engine, count: int, unit_ids: list[int], *, seed: int = 20261202) -> float:
    """Generate and insert `count` submissions; the seconds it took (generation included)."""
    began = time.perf_counter()
    if is_sqlite(engine):
        statement = insert(Submission.__table__)
        with engine.begin() as connection:
            for chunk in rows(count, unit_ids, seed=seed):
                connection.execute(statement, chunk)
        return time.perf_counter() - began
    raw = engine.raw_connection()
    try:
        cursor = raw.driver_connection.cursor()
        with cursor.copy(f"COPY submission ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for chunk in rows(count, unit_ids, seed=seed):
                for row in chunk:
                    copy.write_row([row[name] for name in COLUMNS])
        raw.driver_connection.commit()
    finally:
        raw.close()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE submission"))
    return time.perf_counter() - began


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20261202)
    args = parser.parse_args(argv)
    engine = make_engine(args.database_url)
    with engine.connect() as connection:
        has_units = connection.execute(text("SELECT count(*) FROM unit")).scalar_one() > 0
    unit_ids = (
        api_bench.seed(engine).unit_ids
        if not has_units
        else [
            row[0]
            for row in engine.connect().execute(
                text("SELECT id FROM unit ORDER BY parent_id NULLS FIRST, id")
            )
        ]
    )
    seconds = load(engine, args.count, unit_ids, seed=args.seed)
    print(f"{args.count:,} submissions in {seconds:.0f} s ({args.count / seconds:,.0f} rows/s)")


if __name__ == "__main__":
    main()
