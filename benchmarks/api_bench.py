"""Feedback API benchmark over real HTTP: tip intake throughput and inbox latency at scale.

Run: `.venv/bin/python benchmarks/api_bench.py` (about 4-6 minutes on 2 cores), or
`.venv/bin/python benchmarks/api_bench.py --quick` for a smoke run of a few seconds.

For each backend — SQLite (a fresh file in a temporary directory) and PostgreSQL (a fresh
database created through the `test` database at 127.0.0.1:5432, dropped at the end; skipped
with a note when the server is unreachable) — the script:

1. bulk-loads realistic submissions (a province with 10 communes, Vietnamese texts from
   templates, a year of history, mixed kinds and statuses) with SQLAlchemy core executemany
   on SQLite (the FTS5 triggers index them) and COPY on PostgreSQL (the GIN index takes them),
   so that after the intake step the table holds exactly `--submissions` rows;
2. starts uvicorn with the app in a subprocess on 127.0.0.1 and POSTs `--requests` tips to
   /api/v1/intake/submissions with the service token, from 8 then 32 concurrent clients
   (one httpx.AsyncClient each); reports req/s, p50/p99 latency and checks every tip was
   stored (rows counted by idempotency key, plus their audit events). A /healthz row at the
   highest concurrency gives the HTTP stack's own ceiling on the machine;
3. times GET /api/v1/submissions one request at a time with officers' API tokens: a province
   officer's first page, a commune officer's first page, a status filter, a text search
   (q="lua dao") and the page `--keyset-depth` pages deep reached by following next_cursor;
   then, beyond the API, the overdue filter and the officers' web inbox (/officer, signed in),
   which adds the per-status tab counts.

Besides wall-clock latency, every row reports the uvicorn process's CPU time per request
(Linux /proc): on a shared or busy machine it moves far less than latency does.
`--migrate-to REV` builds the schema at an older Alembic revision to compare before/after an
index, e.g. `--migrate-to 0002` (without the (status, unit_id) index of 0003).

PostgreSQL gets VACUUM ANALYZE after the bulk load (what autovacuum does after a large insert);
SQLite gets nothing, as the app never runs ANALYZE. Progress goes to stderr, the report to
stdout. All traffic stays on 127.0.0.1; every loop is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import math
import os
import platform
import random
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from faq.normalize import normalize  # noqa: E402
from feedback_api.db import is_sqlite, make_engine  # noqa: E402
from feedback_api.migrate import upgrade  # noqa: E402
from feedback_api.officers import service as officers  # noqa: E402
from feedback_api.officers.models import Officer  # noqa: E402
from feedback_api.officers.schemas import OfficerCreate  # noqa: E402
from feedback_api.submissions.models import Submission  # noqa: E402
from feedback_api.submissions.tracking import ALPHABET  # noqa: E402
from feedback_api.units import service as units  # noqa: E402

PG_ADMIN_URL = os.environ.get("LANGNGHE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
SERVICE_TOKEN = "bench-service-token-0123456789abcdef0123"
SECRET_KEY = "bench-secret-key-0123456789abcdef0123456789"
PASSWORD = "mat-khau-rat-dai-123"
PROVINCE_OFFICER = "can.bo.tinh"
HOST = "127.0.0.1"
WARMUP_INTAKE = 50
WARMUP_INBOX = 5

# -- realistic data -----------------------------------------------------------------------------

PROVINCE = ("BTM", "Công an tỉnh Bình Thuận Mẫu", "province")
COMMUNES = [
    ("BTM-ANBINH", "Công an xã An Bình", "commune"),
    ("BTM-HOABINH", "Công an phường Hòa Bình", "ward"),
    ("BTM-TANLAP", "Công an xã Tân Lập", "commune"),
    ("BTM-TRUNGTAM", "Công an phường Trung Tâm", "ward"),
    ("BTM-PHULOC", "Công an xã Phú Lộc", "commune"),
    ("BTM-HAMTIEN", "Công an phường Hàm Tiến", "ward"),
    ("BTM-MUINE", "Công an phường Mũi Né", "ward"),
    ("BTM-TANTHANH", "Công an xã Tân Thành", "commune"),
    ("BTM-PHUTHUY", "Công an phường Phú Thủy", "ward"),
    ("BTM-HOATHANG", "Công an xã Hòa Thắng", "commune"),
]

TIP_TEMPLATES = [
    ("drugs", "Có người bán ma túy ở {place}, thường tụ tập vào {time}."),
    ("drugs", "Nghi có nhóm thanh niên sử dụng ma túy đá trong {place}, mùi rất nặng."),
    ("gambling", "Phát hiện nhóm người đánh bạc tại {place} vào {time}, tiền cược {amount}."),
    ("gambling", "Có đường dây ghi số đề hoạt động công khai ở {place}."),
    ("fraud", "Tôi bị lừa đảo qua mạng, đối tượng giả danh công an yêu cầu chuyển {amount}."),
    ("fraud", "Có người gọi điện giả danh ngân hàng, lừa đảo chiếm đoạt {amount} của mẹ tôi."),
    ("fraud", "Trang mạng tuyển cộng tác viên bán hàng online lừa đảo, tôi đã nạp {amount}."),
    ("theft", "Xe máy của tôi bị trộm tại {place} lúc {time}, biển số 86B1-{digits}."),
    ("theft", "Nhà tôi ở {place} bị kẻ gian đột nhập lấy trộm {amount} tiền mặt."),
    ("public_disorder", "Nhóm thanh niên mang hung khí gây rối trật tự ở {place} vào {time}."),
    ("public_disorder", "Đua xe trái phép trên {place} vào {time}, rất nguy hiểm."),
    ("domestic_violence", "Hàng xóm ở {place} thường xuyên đánh vợ con, la hét vào {time}."),
    ("trafficking", "Nghi mua bán người: có phụ nữ bị dụ đi làm việc nhẹ lương cao từ {place}."),
    ("weapons", "Có người tàng trữ súng tự chế và dao kiếm ở {place}."),
    ("other", "Có người lạ lảng vảng quanh {place} vào {time}, dân trong xóm rất lo."),
]
QUESTION_TEMPLATES = [
    ("residence", "Cho hỏi đăng ký thường trú ở {place} thì nộp hồ sơ ở đâu ạ?"),
    ("id_card", "Xin hỏi làm căn cước cho con {age} tuổi cần những giấy tờ gì?"),
    ("id_card", "Tôi bị mất căn cước, xin cấp lại như thế nào và mất bao lâu?"),
    ("vehicle", "Mua xe máy cũ thì sang tên, đăng ký xe ở đâu, phí bao nhiêu?"),
    ("fraud", "Làm sao nhận biết cuộc gọi lừa đảo giả danh công an yêu cầu chuyển tiền?"),
    ("residence", "Tạm trú cho người thuê trọ ở {place} khai báo qua ứng dụng được không?"),
]
OPINION_TEMPLATES = [
    ("security", "Đề nghị tăng cường tuần tra vào {time} ở {place}, khu này hay mất trộm."),
    ("traffic", "Đèn đường ở {place} hỏng lâu ngày, buổi tối đi lại rất nguy hiểm."),
    ("service", "Cảm ơn cán bộ công an đã hỗ trợ làm thủ tục nhanh chóng, tận tình."),
    ("fraud", "Nên tuyên truyền nhiều hơn về các thủ đoạn lừa đảo qua mạng cho người cao tuổi."),
    ("traffic", "Đề nghị xử lý tình trạng đua xe, nẹt pô trên {place} vào {time}."),
]
PLACES = [
    "đầu ngõ 5 đường Trần Phú",
    "chợ Phú Lộc",
    "quán cà phê cạnh trường THCS",
    "bãi biển Đồi Dương",
    "khu trọ gần cầu Sông Cát",
    "đường Nguyễn Huệ",
    "nhà văn hóa thôn 3",
    "bến xe phía Bắc",
    "hẻm 12 đường Lê Lợi",
    "khu công nghiệp Phong Phú",
]
TIMES = ["tối thứ Bảy", "khoảng 22 giờ", "sáng sớm", "giờ tan học", "nửa đêm", "chiều chủ nhật"]
AMOUNTS = ["5 triệu đồng", "12 triệu", "300 nghìn", "2,5 tỷ đồng", "47 triệu đồng", "800 nghìn"]
SUFFIXES = [
    "",
    "",
    " Mong công an sớm xử lý.",
    " Xin giữ bí mật danh tính cho tôi.",
    " Việc này kéo dài mấy tháng nay rồi.",
    " Tôi có ảnh chụp nếu cần.",
]
KINDS = [("tip", 0.6), ("question", 0.25), ("opinion", 0.15)]
STATUSES = [
    ("new", 0.2),
    ("verifying", 0.15),
    ("forwarded", 0.1),
    ("resolved", 0.38),
    ("rejected", 0.1),
    ("duplicate", 0.07),
]
CLOSED = {"resolved", "rejected", "duplicate"}
ANONYMITY = [("anonymous", 0.6), ("named", 0.3), ("confidential", 0.1)]
CHANNELS = [("telegram", 0.55), ("zalo", 0.3), ("web", 0.15)]
DEADLINE_DAYS = {"tip": 20, "question": 7, "opinion": 30}


def _pick(rng: random.Random, weighted: list[tuple[str, float]]) -> str:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


@dataclass(frozen=True)
class Draft:
    kind: str
    category: str
    text: str
    location_text: str | None
    topic: str | None
    anonymity: str
    channel: str
    commune: int  # index in COMMUNES, -1 for the province itself


def draft(rng: random.Random) -> Draft:
    kind = _pick(rng, KINDS)
    templates = {"tip": TIP_TEMPLATES, "question": QUESTION_TEMPLATES}.get(kind, OPINION_TEMPLATES)
    category, template = rng.choice(templates)
    place = rng.choice(PLACES)
    body = template.format(
        place=place,
        time=rng.choice(TIMES),
        amount=rng.choice(AMOUNTS),
        digits=f"{rng.randrange(100000):05d}",
        age=rng.randrange(6, 18),
    ) + rng.choice(SUFFIXES)
    return Draft(
        kind=kind,
        category=category if kind == "tip" else "other",
        text=body,
        location_text=place if kind == "tip" and rng.random() < 0.5 else None,
        topic=category if kind != "tip" else None,
        anonymity=_pick(rng, ANONYMITY),
        channel=_pick(rng, CHANNELS),
        commune=-1 if rng.random() < 0.05 else rng.randrange(len(COMMUNES)),
    )


def tracking_code(rng: random.Random) -> str:
    symbols = "".join(rng.choices(ALPHABET, k=8))
    return f"LN-{symbols[:4]}-{symbols[4:]}"


def build_rows(count: int, unit_ids: list[int], seed: int) -> list[dict]:
    """`count` submission rows, created over the last year in id order (oldest first)."""
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    start = now - dt.timedelta(days=365)
    moments = sorted(rng.uniform(0, 365 * 86400 - 7200) for _ in range(count))
    codes: set[str] = set()
    folded: dict[str, str] = {}
    rows = []
    for offset in moments:
        d = draft(rng)
        code = tracking_code(rng)
        while code in codes:
            code = tracking_code(rng)
        codes.add(code)
        created = start + dt.timedelta(seconds=offset)
        status = _pick(rng, STATUSES)
        named = d.anonymity != "anonymous"
        source = " ".join(filter(None, [d.text, d.location_text, d.topic]))
        if source not in folded:
            folded[source] = normalize(source)
        rows.append(
            {
                "tracking_code": code,
                "kind": d.kind,
                "citizen_ref": "cref_" + "".join(rng.choices("0123456789abcdef", k=16)),
                "channel": d.channel,
                "idempotency_key": None,
                "unit_id": unit_ids[d.commune + 1],
                "category": d.category,
                "topic": d.topic,
                "text": d.text,
                "location_text": d.location_text,
                "latitude": None,
                "longitude": None,
                "anonymity": d.anonymity,
                "contact_name": "Nguyễn Văn An" if named else None,
                "contact_phone": f"09{rng.randrange(10**8):08d}" if named else None,
                "status": status,
                "priority": rng.choices(["low", "normal", "high", "urgent"], [1, 6, 2, 1])[0],
                "valuable": rng.random() < 0.1,
                "assigned_to_id": None,
                "duplicate_of_id": None,
                "public_reply": "Cảm ơn bạn, công an đã tiếp nhận và xử lý."
                if status in CLOSED
                else None,
                "search_text": folded[source],
                "due_at": created + dt.timedelta(days=DEADLINE_DAYS[d.kind]),
                "created_at": created,
                "updated_at": created + dt.timedelta(hours=rng.randrange(1, 72)),
                "closed_at": created + dt.timedelta(days=rng.randrange(1, 20))
                if status in CLOSED
                else None,
            }
        )
    return rows


def intake_payloads(count: int, prefix: str, seed: int) -> list[bytes]:
    """JSON bodies as the bot sends them (one idempotency key per citizen confirmation)."""
    rng = random.Random(seed)
    bodies = []
    for index in range(count):
        d = draft(rng)
        body = {
            "kind": d.kind,
            "citizen_ref": "cref_" + "".join(rng.choices("0123456789abcdef", k=16)),
            "channel": d.channel if d.channel != "web" else "telegram",
            "unit_code": COMMUNES[d.commune][0] if d.commune >= 0 else PROVINCE[0],
            "category": d.category,
            "topic": d.topic,
            "text": d.text,
            "location_text": d.location_text,
            "anonymity": d.anonymity,
            "idempotency_key": f"{prefix}-{index:07d}",
        }
        if d.anonymity != "anonymous":
            body["contact_name"] = "Trần Thị Bình"
            body["contact_phone"] = f"09{rng.randrange(10**8):08d}"
        bodies.append(json.dumps(body, ensure_ascii=False).encode())
    return bodies


# -- databases ----------------------------------------------------------------------------------


def postgres_available() -> tuple[bool, str]:
    try:
        engine = make_engine(PG_ADMIN_URL)
        with engine.connect() as connection:
            version = connection.execute(text("SHOW server_version")).scalar_one()
        engine.dispose()
        return True, str(version)
    except Exception as exc:  # unreachable server, wrong auth: the PG rows are skipped
        return False, f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"


class PostgresDatabase:
    """A fresh database created through the admin `test` database; dropped on exit."""

    def __init__(self) -> None:
        self.name = f"langnghe_bench_{uuid.uuid4().hex[:10]}"
        self.admin = make_engine(PG_ADMIN_URL).execution_options(isolation_level="AUTOCOMMIT")
        self.url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{self.name}"

    def __enter__(self) -> str:
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{self.name}"'))
        return self.url

    def __exit__(self, *_exc) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.admin.dispose()


@dataclass
class Seeded:
    unit_ids: list[int]  # province first, then COMMUNES in order
    province_token: str
    commune_token: str


def seed(engine: Engine, revision: str = "head") -> Seeded:
    upgrade(engine, revision)
    csv_lines = ["code,name,kind,parent_code", ",".join(PROVINCE) + ","]
    csv_lines += [f"{code},{name},{kind},{PROVINCE[0]}" for code, name, kind in COMMUNES]
    with Session(engine, expire_on_commit=False) as db:
        units.import_csv(db_session=db, text="\n".join(csv_lines) + "\n")
        unit_ids = [
            units.get_by_code(db_session=db, code=code).id
            for code in [PROVINCE[0]] + [c[0] for c in COMMUNES]
        ]
        tokens = []
        for username, unit_id in ((PROVINCE_OFFICER, unit_ids[0]), ("can.bo.xa", unit_ids[1])):
            officer = officers.create(
                db_session=db,
                actor=None,
                data=OfficerCreate(
                    username=username,
                    full_name=f"Cán bộ {username}",
                    role="officer",
                    unit_id=unit_id,
                    password=PASSWORD,
                ),
            )
            tokens.append(officers.create_api_token(db_session=db, officer=officer, label="bench"))
    return Seeded(unit_ids, tokens[0], tokens[1])


def reuse(engine: Engine) -> Seeded:
    """The units and officers `seed` created in a database loaded earlier, with new API
    tokens: re-measuring the inbox against a data set already there (load_bench.py
    --database-url) skips a million-row load."""
    with Session(engine, expire_on_commit=False) as db:
        codes = [PROVINCE[0]] + [c[0] for c in COMMUNES]
        unit_ids = [units.get_by_code(db_session=db, code=code).id for code in codes]
        tokens = []
        for username in (PROVINCE_OFFICER, "can.bo.xa"):
            officer = db.exec(select(Officer).where(Officer.username == username)).one()
            tokens.append(officers.create_api_token(db_session=db, officer=officer, label="bench"))
    return Seeded(unit_ids, tokens[0], tokens[1])


COLUMNS = [c.name for c in Submission.__table__.columns if c.name != "id"]


def bulk_load(engine: Engine, rows: list[dict]) -> None:
    if not rows:
        return
    if is_sqlite(engine):
        statement = insert(Submission.__table__)
        with engine.begin() as connection:
            for start in range(0, len(rows), 10_000):
                connection.execute(statement, rows[start : start + 10_000])
        return
    raw = engine.raw_connection()
    try:
        cursor = raw.driver_connection.cursor()
        with cursor.copy(f"COPY submission ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[name] for name in COLUMNS])
        raw.driver_connection.commit()
    finally:
        raw.close()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))


def scalar(engine: Engine, sql: str, **params) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text(sql), params).scalar_one())


# -- the server ---------------------------------------------------------------------------------


def serve(database_url: str, data_dir: str, port: int) -> None:
    """Entry point of the server subprocess (`--serve`)."""
    import uvicorn

    from feedback_api.main import create_app
    from feedback_api.ops.heap import freeze_startup_heap
    from feedback_api.settings import Settings

    settings = Settings(
        environment="test",
        database_url=database_url,
        data_dir=Path(data_dir),
        service_token=SERVICE_TOKEN,
        secret_key=SECRET_KEY,
        _env_file=None,
    )
    # As `langnghe serve` runs it: uvicorn's proxy-header middleware off (feedback_api.clientaddr
    # reads forwarded addresses from trusted proxies itself); access log off (nginx keeps one).
    app = create_app(settings)
    freeze_startup_heap()  # as langnghe serve does
    uvicorn.run(
        app,
        host=HOST,
        port=port,
        log_level="warning",
        access_log=False,
        proxy_headers=False,
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, database_url: str, data_dir: Path) -> None:
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.log_path = data_dir / "server.log"
        self.args = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--serve",
            database_url,
            str(data_dir),
            str(self.port),
        ]
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        self.log = self.log_path.open("wb")
        self.process = subprocess.Popen(self.args, stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(300):  # up to 30 s
            if self.process.poll() is not None:
                break
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1, trust_env=False).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.__exit__()
        raise RuntimeError(f"server did not start:\n{self.log_path.read_text()[-2000:]}")

    def __exit__(self, *_exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.log.close()

    def cpu_seconds(self) -> float | None:
        """User + system CPU of the server process so far (Linux /proc), None elsewhere."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError, AttributeError):
            return None

    def cpu_ms_per_request(self, before: float | None, requests: int) -> float | None:
        after = self.cpu_seconds()
        if before is None or after is None or requests <= 0:
            return None
        return (after - before) * 1000 / requests

    def errors(self) -> str:
        lines = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(line for line in lines if line.strip())[-3000:]


# -- measuring ----------------------------------------------------------------------------------


def pct(values: list[float], share: float) -> float:
    """Nearest-rank percentile of seconds, in milliseconds."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1))
    return ordered[rank] * 1000


@dataclass
class Row:
    backend: str
    test: str
    clients: int
    requests: int
    rate: float
    p50: float
    p99: float
    server_cpu: float | None  # server process CPU ms per request (user + system, all threads)
    check: str
    ok: bool = True


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def load_round(base: str, headers: dict, send, items: list, concurrency: int):
    """`concurrency` independent clients (one httpx.AsyncClient and one keep-alive connection
    each, like separate bot workers) drain `items` between them; each item is sent once.

    One client per connection on purpose: a single AsyncClient shared by 32 connections spends
    more CPU in its own pool than the server spends on /healthz, and would measure itself.
    """
    latencies: list[float] = []
    outcomes: Counter = Counter()
    pending = iter(items)  # one shared iterator: each item is sent exactly once
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)

    async def worker() -> None:
        async with httpx.AsyncClient(
            base_url=base, headers=headers, limits=limits, timeout=60, trust_env=False
        ) as client:
            for item in pending:
                began = time.perf_counter()
                try:
                    response = await send(client, item)
                    outcomes[response.status_code] += 1
                except httpx.HTTPError as exc:
                    outcomes[type(exc).__name__] += 1
                latencies.append(time.perf_counter() - began)

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - began, latencies, outcomes


def _post_intake(client: httpx.AsyncClient, body: bytes):
    return client.post("/api/v1/intake/submissions", content=body)


def _get_healthz(client: httpx.AsyncClient, _item: int):
    return client.get("/healthz")


INTAKE_HEADERS = {"Authorization": f"Bearer {SERVICE_TOKEN}", "Content-Type": "application/json"}


def run_intake(backend: str, engine: Engine, server: Server, args, report: Report) -> None:
    warm = intake_payloads(WARMUP_INTAKE, f"warm-{backend}", args.seed + 1)
    asyncio.run(load_round(server.base, INTAKE_HEADERS, _post_intake, warm, 4))
    concurrency = max(args.concurrency)
    cpu_before = server.cpu_seconds()
    elapsed, latencies, outcomes = asyncio.run(
        load_round(server.base, {}, _get_healthz, list(range(args.requests)), concurrency)
    )
    report.rows.append(
        Row(
            backend,
            "GET /healthz (no database: HTTP stack ceiling)",
            concurrency,
            args.requests,
            args.requests / elapsed,
            pct(latencies, 0.5),
            pct(latencies, 0.99),
            server.cpu_ms_per_request(cpu_before, args.requests),
            f"{outcomes.get(200, 0)}/{args.requests} OK",
            outcomes.get(200, 0) == args.requests,
        )
    )
    for round_index, concurrency in enumerate(args.concurrency):
        prefix = f"bench-{backend}-c{concurrency}"
        bodies = intake_payloads(args.requests, prefix, args.seed + 10 + round_index)
        audit_before = scalar(engine, "SELECT count(*) FROM audit_event")
        log(f"[{backend}] intake: {args.requests} requests, {concurrency} concurrent clients")
        cpu_before = server.cpu_seconds()
        elapsed, latencies, outcomes = asyncio.run(
            load_round(server.base, INTAKE_HEADERS, _post_intake, bodies, concurrency)
        )
        cpu = server.cpu_ms_per_request(cpu_before, args.requests)
        stored = scalar(
            engine,
            "SELECT count(*) FROM submission WHERE idempotency_key LIKE :p",
            p=f"{prefix}-%",
        )
        audited = scalar(engine, "SELECT count(*) FROM audit_event") - audit_before
        created = outcomes.get(201, 0)
        ok = stored == args.requests and created == args.requests and audited == args.requests
        other = {str(k): v for k, v in outcomes.items() if k != 201}
        check = f"{stored}/{args.requests} stored, {audited} audited"
        if other:
            check += f", other outcomes {other}"
        report.rows.append(
            Row(
                backend,
                "POST /intake/submissions",
                concurrency,
                args.requests,
                args.requests / elapsed,
                pct(latencies, 0.5),
                pct(latencies, 0.99),
                cpu,
                check if ok else f"FAILED: {check}",
                ok,
            )
        )


def timed_gets(client: httpx.Client, url: str, params: dict, count: int):
    latencies, last = [], None
    for _ in range(WARMUP_INBOX):
        client.get(url, params=params)
    began = time.perf_counter()
    for _ in range(count):
        start = time.perf_counter()
        last = client.get(url, params=params)
        latencies.append(time.perf_counter() - start)
        if last.status_code != 200:
            break
    return time.perf_counter() - began, latencies, last


def run_inbox(backend: str, seeded: Seeded, server: Server, args, report: Report) -> None:
    url = "/api/v1/submissions"

    def client(token: str) -> httpx.Client:
        return httpx.Client(
            base_url=server.base,
            headers={"Authorization": f"Bearer {token}"},
            timeout=120,
            trust_env=False,
        )

    def measure(
        label: str, http: httpx.Client, params: dict, extra: str = "", path: str = url
    ) -> None:
        log(f"[{backend}] inbox: {label} × {args.inbox_requests}")
        cpu_before = server.cpu_seconds()
        elapsed, latencies, last = timed_gets(http, path, params, args.inbox_requests)
        cpu = server.cpu_ms_per_request(cpu_before, len(latencies) + WARMUP_INBOX)
        ok = last is not None and last.status_code == 200
        if ok and path != url:
            check = f"HTML, {len(last.content) // 1024} KiB{extra}"
        elif ok:
            body = last.json()
            check = f"count={body['count']}, {len(body['data'])} rows{extra}"
        else:
            check = f"FAILED: HTTP {last.status_code if last else '-'}"
        report.rows.append(
            Row(
                backend,
                f"GET {path.removeprefix('/api/v1')}: {label}",
                1,
                len(latencies),
                len(latencies) / elapsed,
                pct(latencies, 0.5),
                pct(latencies, 0.99),
                cpu,
                check,
                ok,
            )
        )

    with client(seeded.province_token) as province, client(seeded.commune_token) as commune:
        measure("province officer, first page", province, {})
        measure("commune officer, first page", commune, {})
        measure("province, status=new", province, {"status": "new"})
        measure('province, q="lua dao"', province, {"q": "lua dao"})
        # Reach page N by following next_cursor; the walk itself is timed too.
        cursor, walk = None, []
        cpu_before = server.cpu_seconds()
        for _ in range(args.keyset_depth - 1):
            start = time.perf_counter()
            response = province.get(url, params={"cursor": cursor} if cursor else {})
            walk.append(time.perf_counter() - start)
            cursor = response.json().get("next_cursor") if response.status_code == 200 else None
            if cursor is None:
                break
        depth = len(walk) + 1 if cursor else len(walk)
        if walk:
            report.rows.append(
                Row(
                    backend,
                    f"GET /submissions: walk pages 1→{depth} by next_cursor",
                    1,
                    len(walk),
                    len(walk) / sum(walk),
                    pct(walk, 0.5),
                    pct(walk, 0.99),
                    server.cpu_ms_per_request(cpu_before, len(walk)),
                    f"reached page {depth}" if cursor else "ran out of pages",
                    cursor is not None,
                )
            )
        if cursor:
            measure(
                f"province, keyset page {depth}",
                province,
                {"cursor": cursor},
                f", cursor={cursor}",
            )
        # Beyond the API: the overdue filter, and the officers' web inbox, which adds the
        # per-status tab counts (queries.status_counts) to the page and its count.
        measure("province, overdue=true", province, {"overdue": "true"})
        # The inbox orders officers asked for: open items by deadline, urgent first.
        measure("province, sort=due", province, {"sort": "due"})
        measure("province, sort=priority", province, {"sort": "priority"})
        measure('province, q="ln 7k3m q9px" (a code)', province, {"q": "ln 7k3m q9px"})
    with httpx.Client(base_url=server.base, timeout=120, trust_env=False) as browser:
        login = browser.post(
            "/api/v1/auth/login", json={"username": PROVINCE_OFFICER, "password": PASSWORD}
        )
        if login.status_code != 200:
            report.notes.append(f"{backend}: web inbox skipped, login HTTP {login.status_code}")
            return
        measure(
            "web inbox HTML (page + status tab counts), province officer",
            browser,
            {},
            path="/officer",
        )


def run_backend(backend: str, database_url: str, workdir: Path, rows_for, args, report) -> None:
    engine = make_engine(database_url)
    try:
        log(f"[{backend}] migrating and seeding units and officers")
        seeded = seed(engine, args.migrate_to)
        intake_total = WARMUP_INTAKE + args.requests * len(args.concurrency)
        rows = rows_for(max(0, args.submissions - intake_total), seeded.unit_ids)
        log(f"[{backend}] bulk-loading {len(rows)} submissions")
        began = time.perf_counter()
        bulk_load(engine, rows)
        load_seconds = time.perf_counter() - began
        how = "executemany, FTS5 triggers" if backend == "SQLite" else "COPY + VACUUM ANALYZE"
        report.notes.append(
            f"{backend}: bulk load of {len(rows):,} submissions ({how}) took {load_seconds:.1f} s "
            f"({len(rows) / max(load_seconds, 1e-9):,.0f} rows/s)."
        )
        with Server(database_url, workdir) as server:
            run_intake(backend, engine, server, args, report)
            total = scalar(engine, "SELECT count(*) FROM submission")
            report.notes.append(f"{backend}: {total:,} submissions in the table for the inbox.")
            run_inbox(backend, seeded, server, args, report)
            errors = server.errors()
            if errors:
                report.notes.append(f"{backend}: server log:\n```\n{errors}\n```")
    finally:
        engine.dispose()


# -- report -------------------------------------------------------------------------------------


def machine(pg_version: str | None) -> list[str]:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return [
        f"- Platform: {platform.platform()}",
        f"- CPU: {cpu}; {os.cpu_count()} logical CPUs ({usable} usable)",
        f"- Python: {platform.python_version()} ({platform.python_implementation()})",
        f"- SQLite: {sqlite3.sqlite_version}",
        f"- PostgreSQL: {pg_version or 'unreachable'}",
        f"- Load average at start (1/5/15 min): {_load()}",
    ]


def _load() -> str:
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def print_report(report: Report, header: list[str], args, elapsed: float) -> None:
    print("## Lắng Nghe feedback API benchmark")
    print()
    print("\n".join(header))
    print(
        f"- Run: --submissions {args.submissions} --requests {args.requests} "
        f"--concurrency {','.join(map(str, args.concurrency))} "
        f"--inbox-requests {args.inbox_requests} --keyset-depth {args.keyset_depth}"
        f"{'' if args.migrate_to == 'head' else f' --migrate-to {args.migrate_to}'}"
        f"{' (--quick)' if args.quick else ''}; uvicorn, 1 worker, in a subprocess on {HOST}"
    )
    print()
    print(
        "| Backend | Test | Clients | Requests | req/s | p50 ms | p99 ms "
        "| Server CPU ms/req | Check |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---|")
    for r in report.rows:
        cpu = "–" if r.server_cpu is None else f"{r.server_cpu:.1f}"
        print(
            f"| {r.backend} | {r.test} | {r.clients} | {r.requests} | {r.rate:,.0f} | "
            f"{r.p50:.1f} | {r.p99:.1f} | {cpu} | {r.check} |"
        )
    print()
    for note in report.notes:
        print(f"- {note}")
    print(
        "- Server CPU ms/req: CPU time of the uvicorn process (all threads) per request; "
        "PostgreSQL's own backend processes are not included."
    )
    print(f"- Load average at end (1/5/15 min): {_load()}.")
    print(f"- Total run time: {elapsed:.0f} s.")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=2_000, help="intake requests per level")
    parser.add_argument(
        "--concurrency",
        type=lambda s: [int(x) for x in s.split(",") if x],
        default=[8, 32],
        help="comma-separated concurrent intake clients (default 8,32)",
    )
    parser.add_argument("--inbox-requests", type=int, default=200)
    parser.add_argument("--keyset-depth", type=int, default=50)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument(
        "--migrate-to",
        default="head",
        help="Alembic revision to build the schema at (compare before/after an index)",
    )
    parser.add_argument("--quick", action="store_true", help="a tiny smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.submissions, args.requests = 2_000, 100
        args.inbox_requests, args.keyset_depth = 10, 5
    if min(args.concurrency, default=0) < 1 or args.requests < 1 or args.inbox_requests < 1:
        parser.error("--concurrency, --requests and --inbox-requests must be positive")
    args.keyset_depth = max(2, min(args.keyset_depth, 10_000))
    return args


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--serve"]:
        serve(argv[1], argv[2], int(argv[3]))
        return
    args = parse_args(argv)
    began = time.perf_counter()
    backends = [b.strip().lower() for b in args.backends.split(",") if b.strip()]
    pg_ok, pg_info = postgres_available() if "postgres" in backends else (False, "not requested")
    header = machine(pg_info if pg_ok else None)
    report = Report()
    cache: dict[int, list[dict]] = {}

    def rows_for(count: int, unit_ids: list[int]) -> list[dict]:
        if count not in cache:
            log(f"generating {count} submissions")
            cache[count] = build_rows(count, list(range(len(COMMUNES) + 1)), args.seed)
        return [{**row, "unit_id": unit_ids[row["unit_id"]]} for row in cache[count]]

    with tempfile.TemporaryDirectory(prefix="langnghe-bench-") as tmp:
        if "sqlite" in backends:
            workdir = Path(tmp) / "sqlite"
            workdir.mkdir()
            url = f"sqlite:///{workdir / 'langnghe.db'}"
            run_backend("SQLite", url, workdir, rows_for, args, report)
        if "postgres" in backends:
            if not pg_ok:
                report.notes.append(
                    f"PostgreSQL rows skipped: server at {PG_ADMIN_URL} unreachable ({pg_info})."
                )
            else:
                workdir = Path(tmp) / "postgres"
                workdir.mkdir()
                with PostgresDatabase() as url:
                    run_backend("PostgreSQL", url, workdir, rows_for, args, report)
    print_report(report, header, args, time.perf_counter() - began)
    if not all(r.ok for r in report.rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
