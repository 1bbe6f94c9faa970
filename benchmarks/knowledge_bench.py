"""Knowledge loop benchmark: what "no restart" costs a process serving citizens, and what an
officer waits for when proposing an edit.

Run: `.venv/bin/python benchmarks/knowledge_bench.py [--rounds 30]`. Prints a Markdown table.
Everything runs in one process on SQLite (a temporary file), through the same in-process API
client the bot uses:
- the version check every serving process makes at most every LANGNGHE_KNOWLEDGE_CHECK_SECONDS
  while messages arrive (unchanged base: no entries sent);
- the full live base sent when the version moved;
- rebuilding the Faq from those documents (the FAQ's strict loader + the matcher's index),
  done in a worker thread while the old Faq keeps answering;
- an officer's proposal (whole-base validation by faq/knowledge.py) and an approval;
- grouping 2,000 unanswered questions for the officers' page.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlmodel import Session  # noqa: E402

from faq.assistant import Faq  # noqa: E402
from feedback_api.client import FeedbackClient  # noqa: E402
from feedback_api.db import make_engine  # noqa: E402
from feedback_api.knowledge import seeding, service, unanswered  # noqa: E402
from feedback_api.knowledge.grouping import Asked, group  # noqa: E402
from feedback_api.knowledge.schemas import RevisionCreate, UnansweredCreate  # noqa: E402
from feedback_api.main import create_app  # noqa: E402
from feedback_api.migrate import upgrade  # noqa: E402
from feedback_api.officers import service as officers  # noqa: E402
from feedback_api.officers.schemas import OfficerCreate  # noqa: E402
from feedback_api.settings import Settings  # noqa: E402
from feedback_api.units import service as units  # noqa: E402
from handlers.knowledge import build_faq  # noqa: E402

TOKEN = "bench-service-token-0123456789abcdef"


def _ms(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    return statistics.median(samples) * 1000, samples[int(0.99 * (len(samples) - 1))] * 1000


def _time(function, rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    rounds = parser.parse_args().rounds
    directory = Path(tempfile.mkdtemp(prefix="kb-bench-"))
    engine = make_engine(f"sqlite:///{directory / 'bench.db'}")
    upgrade(engine)
    with Session(engine, expire_on_commit=False) as db:
        seeding.seed_if_empty(db_session=db)
        units.import_csv(db_session=db, text="code,name,kind,parent_code\nT,Tỉnh,province,\n")
        unit = units.get_by_code(db_session=db, code="T")
        actors = [
            officers.actor_for(
                db_session=db,
                officer=officers.create(
                    db_session=db,
                    actor=None,
                    data=OfficerCreate(
                        username=name,
                        full_name=name,
                        role="officer",
                        unit_id=unit.id,
                        password="mat-khau-do-toc-do-1",
                    ),
                ),
            )
            for name in ("bench.a", "bench.b")
        ]
    settings = Settings(environment="test", data_dir=directory, service_token=TOKEN, _env_file=None)
    app = create_app(settings, engine=engine)
    rows = []

    async def api_rows():
        client = FeedbackClient.in_process(app, TOKEN)
        try:
            snapshot = await client.knowledge()
            for label, since in (
                ("version check, base unchanged (GET /api/v1/knowledge?since=V)", snapshot.version),
                ("full live base sent (version moved)", None),
            ):
                samples = []
                for _ in range(rounds):
                    start = time.perf_counter()
                    await client.knowledge(since=since)
                    samples.append(time.perf_counter() - start)
                rows.append((label, *_ms(samples)))
            return snapshot
        finally:
            await client.aclose()

    snapshot = asyncio.run(api_rows())
    rows.append(
        (
            f"rebuild the Faq from {len(snapshot.entries)} documents (worker thread)",
            *_ms(_time(lambda: build_faq(snapshot.entries, Faq), max(5, rounds // 3))),
        )
    )

    proposals, approvals = [], []
    with Session(engine, expire_on_commit=False) as db:
        for n in range(max(5, rounds // 3)):
            document = service.live_documents(db_session=db)["trom-cap"]
            document["questions"] = [*document["questions"], f"câu hỏi đo tốc độ số {n}"]
            start = time.perf_counter()
            revision = service.propose(
                db_session=db,
                actor=actors[0],
                data=RevisionCreate(slug="trom-cap", document=document),
            )
            proposals.append(time.perf_counter() - start)
            start = time.perf_counter()
            service.approve(db_session=db, actor=actors[1], revision_id=revision.id)
            approvals.append(time.perf_counter() - start)
    rows.append(("officer proposes an edit (whole-base validation)", *_ms(proposals)))
    rows.append(("second officer approves (validation again + new version)", *_ms(approvals)))

    rng = random.Random(7)
    words = [
        "xe",
        "may",
        "mat",
        "trom",
        "cap",
        "can",
        "cuoc",
        "lam",
        "o",
        "dau",
        "bao",
        "nhieu",
        "tien",
        "tam",
        "tru",
        "vang",
        "nha",
        "ad",
        "oi",
    ]
    asked = [
        Asked(i, " ".join(rng.choice(words) for _ in range(rng.randint(3, 9))), None)
        for i in range(2000)
    ]
    rows.append(("group 2,000 unanswered questions", *_ms(_time(lambda: group(asked), 3))))
    with Session(engine) as db:
        start = time.perf_counter()
        for item in asked[:200]:
            unanswered.record_unanswered(
                db_session=db, data=UnansweredCreate(text=item.text, channel="web")
            )
        per_record = (time.perf_counter() - start) / 200
    rows.append(
        ("record one unanswered question (service, commit)", per_record * 1000, float("nan"))
    )

    print(f"Python {platform.python_version()} on {platform.machine()}, {rounds} rounds\n")
    print("| step | p50 ms | p99 ms |\n|---|---:|---:|")
    for label, p50, p99 in rows:
        print(f"| {label} | {p50:.2f} | {'–' if p99 != p99 else f'{p99:.2f}'} |")


if __name__ == "__main__":
    main()
