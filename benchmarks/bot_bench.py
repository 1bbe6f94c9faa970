"""Telegram bot benchmark, end to end through the webhook: updates/s and latencies.

Run: `.venv/bin/python benchmarks/bot_bench.py` (about 1-3 minutes on 2 cores), or
`.venv/bin/python benchmarks/bot_bench.py --quick` for a smoke run of a few seconds.

What one row measures. A fake Telegram Bot API server (tests/fakes/telegram_server.py) runs in
this process; the server under test runs in a subprocess (uvicorn on 127.0.0.1, its own GIL)
with python-telegram-bot pointed at the fake. A load generator here POSTs `--updates` Telegram
updates (JSON, with the X-Telegram-Bot-Api-Secret-Token header) to /telegram/webhook from
`--concurrency` concurrent senders, spread over `--chats` distinct private chats. Each chat
belongs to one sender, which posts that chat's updates in order (each POST awaits its 200, not
the reply), so the server sees every chat's updates in order. The row ends when the fake has
received every reply (sendMessage) the bot owes, and reports:

* updates/s: updates ÷ (first POST → arrival at the fake of the last reply);
* webhook ack p50/p99: POST → HTTP 200 (Lắng Nghe acks once the update is recorded durably
  and processes it in the background; the PTB baseline acks only after it has replied);
* update→reply p50/p99: POST → arrival at the fake of the update's *last* reply (e.g. the
  menu after the welcome, the "was this helpful?" after an FAQ answer). Senders do not wait
  for replies, so this includes queueing behind the same chat's earlier updates;
* server CPU per update: user+system CPU of the server process over the run (/proc), which
  moves much less than latency on a shared machine.

Events are a realistic mix: FAQ questions in Vietnamese typed without diacritics ("lam cccd
lan dau o dau", "quen mat khau vneid"...), greetings and thanks, /start, and tracking-code
lookups (codes of real submissions seeded beforehand, and unknown codes). Replies are matched
to updates by chat and order: before the run, each distinct text is sent once to a fresh chat
of the same server to learn the exact replies it produces (the bot's own durable update log
says when it is done); the run then checks every chat received exactly the replies expected,
in order, and the "check" column says so.

Rows: (a) Lắng Nghe on SQLite (feedback DB and bot DB as files in a temporary directory),
(b) Lắng Nghe on PostgreSQL (two fresh databases created through the `test` database at
127.0.0.1:5432 and dropped at the end; skipped with a note when unreachable), (c) a bare
python-telegram-bot echo bot on the same fake and the same load: Application built with
.updater(None), a MessageHandler echoing the text, and a Starlette route doing
`await application.process_update(Update.de_json(json, bot))`, served by uvicorn — the baseline
that shows the cost of durability, the conversation engine and the FAQ.

Each row first sends a warm-up batch on other chats. All traffic stays on 127.0.0.1; every wait
is bounded. Progress goes to stderr, the report to stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import resource
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from tests.fakes import telegram_server  # noqa: E402
from tests.fakes.telegram_server import FakeTelegram  # noqa: E402

PG_ADMIN_URL = os.environ.get("LANGNGHE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
TOKEN = "123456:BENCH-TOKEN"
SECRET = "bench-webhook-secret-0123456789"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
HOST = "127.0.0.1"
FIRST_CHAT = 100_001
WARMUP_FIRST_CHAT = 500_001
UNLIMITED_RATE = 1000.0  # the bot's shared send rate in the benchmark (messages/s)
CALIBRATION_FIRST_CHAT = 900_001
MAX_LOOKUPS_PER_CHAT = 8  # the API allows 10 status lookups per citizen per minute
SERVER_START_TIMEOUT = 60.0
CALIBRATION_TIMEOUT = 30.0
POST_TIMEOUT = 30.0
FAKE_LISTEN_BACKLOG = 128

# -- the event mix ------------------------------------------------------------------------------

FAQ_QUESTIONS = [
    "lam cccd lan dau o dau",
    "quen mat khau vneid",
    "lam the nao de dang ky tam tru",
    "doi bang lai xe may o dau",
    "cap lai can cuoc mat bao lau",
    "dang ky xe may moi can giay to gi",
    "tai khoan dinh danh dien tu muc 2 lam o dau",
    "con toi 14 tuoi co phai lam cccd khong",
    "bi lua dao qua mang thi bao ai",
    "mat vi thi lam sao",
]
GREETINGS = ["xin chao", "chao ban", "chao anh", "cam on nhe", "hello"]
UNKNOWN_CODES = ["LN-0000-0000", "LN-ZZZZ-9999", "ln 1234 abcd"]
SEEDED_TIPS = 4  # real submissions whose codes are looked up


@dataclass
class Mix:
    """Weights of the event kinds; tracking lookups are half real codes, half unknown ones."""

    faq: float = 0.55
    greeting: float = 0.15
    start: float = 0.10
    tracking: float = 0.20


def make_plan(
    n: int, chats: list[int], codes: list[str], rng: random.Random, mix: Mix = Mix()
) -> list[tuple[int, str]]:
    """(chat, text) for n updates, chats in round robin, kinds drawn from the mix."""
    kinds = ["faq", "greeting", "start", "tracking"]
    weights = [mix.faq, mix.greeting, mix.start, mix.tracking]
    lookups: dict[int, int] = defaultdict(int)
    plan = []
    for i in range(n):
        chat = chats[i % len(chats)]
        kind = rng.choices(kinds, weights)[0]
        if kind == "tracking" and lookups[chat] >= MAX_LOOKUPS_PER_CHAT:
            kind = "faq"
        if kind == "faq":
            text = rng.choice(FAQ_QUESTIONS)
        elif kind == "greeting":
            text = rng.choice(GREETINGS)
        elif kind == "start":
            text = "/start"
        else:
            lookups[chat] += 1
            text = rng.choice(codes) if rng.random() < 0.5 else rng.choice(UNKNOWN_CODES)
        plan.append((chat, text))
    return plan


def distinct_texts(codes: list[str]) -> list[str]:
    return [*FAQ_QUESTIONS, *GREETINGS, "/start", *codes, *UNKNOWN_CODES]


# -- the machine --------------------------------------------------------------------------------


def postgres_version() -> tuple[bool, str]:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3) as connection:
            version = connection.execute("SHOW server_version").fetchone()[0]
        return True, str(version)
    except Exception as exc:  # unreachable server, wrong auth: the PostgreSQL row is skipped
        return False, f"{type(exc).__name__}: {str(exc).splitlines()[0][:120] if str(exc) else ''}"


def package_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


class PostgresDatabases:
    """Fresh databases created through the admin `test` database; dropped on exit."""

    def __init__(self, count: int) -> None:
        tag = uuid.uuid4().hex[:8]
        self.names = [f"langnghe_botbench_{tag}_{i}" for i in range(count)]
        self.base = PG_ADMIN_URL.rsplit("/", 1)[0]

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as connection:
            connection.execute(sql)

    def __enter__(self) -> list[str]:
        for name in self.names:
            self._admin(f'CREATE DATABASE "{name}"')
        return [f"{self.base}/{name}" for name in self.names]

    def __exit__(self, *_exc) -> None:
        for name in self.names:
            try:
                self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except Exception as exc:  # report, never hide a leftover database
                print(f"warning: could not drop database {name}: {exc!r}", file=sys.stderr)


# -- servers under test (subprocess side) -------------------------------------------------------


def serve(kind: str, config: dict) -> None:
    """Entry point of the server subprocess (`--serve KIND --config JSON`)."""
    import uvicorn

    if kind == "langnghe":
        from bot.settings import BotSettings
        from feedback_api.settings import Settings
        from langnghe.server import build_app

        data_dir = Path(config["data_dir"])
        settings = Settings(
            environment="test",
            data_dir=data_dir,
            database_url=config["feedback_db"],
            # The fake enforces no rate here (nor does the echo bot keep one): at Telegram's real
            # 30 msg/s the shared rate would cap this load at 29 updates/s (one reply each).
            broadcast_per_second=UNLIMITED_RATE,
            _env_file=None,
        )
        bot_settings = BotSettings(
            data_dir=data_dir,
            bot_database_url=config["bot_db"],
            telegram_token=TOKEN,
            telegram_webhook_secret=SECRET,
            telegram_api_url=config["api_url"],
            telegram_file_url=config["file_url"],
            public_url=f"http://{HOST}:{config['port']}",
            _env_file=None,
        )
        app = build_app(settings, bot_settings, poll_telegram=False)
    elif kind == "ptb-echo":
        app = echo_app(config["api_url"], config["file_url"])
    else:
        raise SystemExit(f"unknown server kind {kind!r}")
    uvicorn.run(app, host=HOST, port=config["port"], log_level="warning", lifespan="on")


def echo_app(api_url: str, file_url: str):
    """The baseline: python-telegram-bot's custom-webhook pattern with a MessageHandler echo."""
    from contextlib import asynccontextmanager

    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route
    from telegram import Update
    from telegram.ext import Application, ContextTypes, MessageHandler, filters

    application = (
        Application.builder()
        .token(TOKEN)
        .base_url(api_url)
        .base_file_url(file_url)
        .updater(None)
        .build()
    )

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_text(update.message.text)

    application.add_handler(MessageHandler(filters.TEXT, echo))

    async def webhook(request: Request) -> Response:
        if request.headers.get(SECRET_HEADER) != SECRET:
            return Response(status_code=403)
        await application.process_update(Update.de_json(await request.json(), application.bot))
        return Response()

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"ok": True})

    @asynccontextmanager
    async def lifespan(_app):
        async with application:  # initialize() (getMe at the fake) ... shutdown()
            await application.start()
            yield
            await application.stop()

    return Starlette(
        routes=[
            Route("/telegram/webhook", webhook, methods=["POST"]),
            Route("/healthz", healthz),
        ],
        lifespan=lifespan,
    )


# -- servers under test (benchmark side) --------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """user + system CPU of a process, all threads (Linux /proc); 0.0 elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def self_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class ServerProcess:
    """The server under test in a subprocess on a loopback port; terminated on exit."""

    def __init__(self, kind: str, fake: FakeTelegram, workdir: Path, **config) -> None:
        self.kind = kind
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.webhook = f"{self.url}/telegram/webhook"
        self.fake = fake
        self.config = config | {
            "port": self.port,
            "api_url": fake.base_url,
            "file_url": fake.base_file_url,
        }
        self.log_path = workdir / f"server-{kind}-{self.port}.log"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> ServerProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LANGNGHE_")}
        env["PYTHONPATH"] = str(ROOT)
        command = [sys.executable, __file__, "--serve", self.kind]
        command += ["--config", json.dumps(self.config)]
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.kind} server exited at start:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                self.__exit__()
                raise RuntimeError(f"{self.kind} server did not start:\n{self.log_tail()}")
            with contextlib.suppress(httpx.HTTPError):
                ready = httpx.get(f"{self.url}/healthz", timeout=1, trust_env=False)
                if ready.status_code == 200:
                    break
            time.sleep(0.1)
        if self.kind == "langnghe" and self.fake.webhook_url != self.webhook:
            self.__exit__()
            raise RuntimeError(f"the bot did not register its webhook:\n{self.log_tail()}")
        return self

    def cpu(self) -> float:
        return cpu_seconds(self.process.pid) if self.process else 0.0

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def __exit__(self, *_exc) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # uvicorn: graceful, runs the lifespan end
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        with contextlib.suppress(Exception):
            self._log.close()


# -- load generation and reply matching ---------------------------------------------------------


@dataclass
class Sent:
    update_id: int
    chat: int
    text: str
    expected: list[str]
    posted_at: float = 0.0  # time.monotonic(), the clock the fake stamps calls with
    acked_at: float = 0.0
    status: int = 0


@dataclass
class Outcome:
    sent: list[Sent]
    first_post: float
    last_reply: float
    complete: bool
    replies: int
    expected_replies: int
    latencies: list[float]  # update → its last reply, seconds
    mismatched: int  # updates whose replies differ in text from the calibrated ones
    examples: list[str]  # a few mismatches, for the report
    extra: int  # replies beyond those expected
    errors: int  # non-200 webhook answers or transport errors
    server_cpu: float = 0.0
    client_cpu: float = 0.0


def build_updates(
    fake: FakeTelegram, plan: list[tuple[int, str]], expected: dict[str, list[str]]
) -> tuple[list[Sent], dict[int, bytes]]:
    sent, bodies = [], {}
    for chat, text in plan:
        update = fake.text_update(chat, text)
        sent.append(Sent(update["update_id"], chat, text, expected[text]))
        bodies[update["update_id"]] = json.dumps(update, ensure_ascii=False).encode()
    return sent, bodies


async def post_all(url: str, sent: list[Sent], bodies: dict[int, bytes], concurrency: int) -> None:
    """`concurrency` senders; chats are dealt to them in turn, each posts its chats in order."""
    lanes: dict[int, list[Sent]] = defaultdict(list)
    chat_lane: dict[int, int] = {}
    for item in sent:
        lane = chat_lane.setdefault(item.chat, len(chat_lane) % concurrency)
        lanes[lane].append(item)
    headers = {"Content-Type": "application/json", SECRET_HEADER: SECRET}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=POST_TIMEOUT, trust_env=False) as client:

        async def lane_worker(items: list[Sent]) -> None:
            for item in items:
                item.posted_at = time.monotonic()
                try:
                    response = await client.post(
                        url, content=bodies[item.update_id], headers=headers
                    )
                    item.status = response.status_code
                except httpx.HTTPError:
                    item.status = -1
                item.acked_at = time.monotonic()

        await asyncio.gather(*(lane_worker(items) for items in lanes.values()))


def wait_replies(fake: FakeTelegram, owed: dict[int, int], timeout: float) -> bool:
    """Poll until each chat in `owed` got at least its number of sendMessage replies."""
    chats = {str(chat) for chat in owed}
    counts: dict[str, int] = defaultdict(int)
    seen = 0
    deadline = time.monotonic() + timeout
    while True:
        calls = fake.sent
        for call in calls[seen:]:
            if call.method == "sendMessage" and call.ok and str(call.chat_id) in chats:
                counts[str(call.chat_id)] += 1
        seen = len(calls)
        if all(counts[str(chat)] >= n for chat, n in owed.items()):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)


def match_replies(
    fake: FakeTelegram, sent: list[Sent]
) -> tuple[list[float], int, int, int, float, list[str]]:
    """Per chat, the k-th reply belongs to the update whose expected replies cover index k."""
    by_chat: dict[str, list] = defaultdict(list)
    for call in fake.sent:
        if call.method == "sendMessage" and call.ok:
            by_chat[str(call.chat_id)].append(call)
    latencies, mismatched, replies, extra, last, examples = [], 0, 0, 0, 0.0, []
    position: dict[str, int] = defaultdict(int)
    for item in sent:  # `sent` is in each chat's order
        chat = str(item.chat)
        start = position[chat]
        got = by_chat[chat][start : start + len(item.expected)]
        position[chat] = start + len(item.expected)
        replies += len(got)
        if len(got) < len(item.expected):
            continue
        if [call.text for call in got] != item.expected:
            mismatched += 1
            if len(examples) < 3:
                examples.append(
                    f"chat {chat}, update {item.update_id} {item.text!r}: expected "
                    f"{[short(t) for t in item.expected]}, got {[short(c.text) for c in got]}"
                )
        latencies.append(got[-1].at - item.posted_at)
        last = max(last, got[-1].at)
    for chat, calls in by_chat.items():
        if chat in position:
            extra += max(0, len(calls) - position[chat])
    return latencies, mismatched, replies, extra, last, examples


def short(text: str | None, limit: int = 40) -> str:
    text = (text or "").replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def run_load(
    fake: FakeTelegram,
    server: ServerProcess,
    plan: list[tuple[int, str]],
    expected: dict[str, list[str]],
    concurrency: int,
    timeout: float,
) -> Outcome:
    sent, bodies = build_updates(fake, plan, expected)
    owed: dict[int, int] = defaultdict(int)
    for item in sent:
        owed[item.chat] += len(item.expected)
    cpu0, self0 = server.cpu(), self_cpu_seconds()
    asyncio.run(post_all(server.webhook, sent, bodies, concurrency))
    complete = wait_replies(fake, owed, timeout)
    server_cpu, client_cpu = server.cpu() - cpu0, self_cpu_seconds() - self0
    latencies, mismatched, replies, extra, last, examples = match_replies(fake, sent)
    return Outcome(
        sent=sent,
        first_post=min(item.posted_at for item in sent),
        last_reply=last,
        complete=complete,
        replies=replies,
        expected_replies=sum(owed.values()),
        latencies=latencies,
        mismatched=mismatched,
        examples=examples,
        extra=extra,
        errors=sum(1 for item in sent if item.status != 200),
        server_cpu=server_cpu,
        client_cpu=client_cpu,
    )


# -- calibration: the exact replies each text produces ------------------------------------------


def calibrate_langnghe(
    fake: FakeTelegram, server: ServerProcess, bot_db_url: str, texts: list[str]
) -> dict[str, list[str]]:
    """Send each text once to a fresh chat; the bot's update log says when it is fully sent."""
    from sqlalchemy import select

    from bot.storage import make_bot_engine, telegram_updates

    engine = make_bot_engine(bot_db_url)
    chats = {text: CALIBRATION_FIRST_CHAT + i for i, text in enumerate(texts)}
    ids = []
    for text, chat in chats.items():
        update = fake.text_update(chat, text)
        response = fake.deliver_webhook(update, url=server.webhook, secret=SECRET)
        if response.status_code != 200:
            raise RuntimeError(f"calibration webhook answered {response.status_code}")
        ids.append(update["update_id"])
    deadline = time.monotonic() + CALIBRATION_TIMEOUT
    query = select(telegram_updates.c.update_id).where(
        telegram_updates.c.update_id.in_(ids), telegram_updates.c.status == "done"
    )
    try:
        while True:
            with engine.connect() as connection:
                done = len(connection.execute(query).all())
            if done == len(ids):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"calibration: only {done}/{len(ids)} updates done")
            time.sleep(0.05)
    finally:
        engine.dispose()
    expected = {text: fake.messages_to(chat) for text, chat in chats.items()}
    for text, replies in expected.items():
        if not replies:
            raise RuntimeError(f"calibration: no reply to {text!r}")
    return expected


# -- one row ------------------------------------------------------------------------------------


@dataclass
class Row:
    name: str
    outcome: Outcome | None = None
    note: str = ""
    reply_counts: dict[str, int] = field(default_factory=dict)


def seed_feedback_db(url: str) -> list[str]:
    """Migrate, load the demo units and an admin, and file a few tips whose codes get looked up."""
    from sqlmodel import Session

    from feedback_api.bootstrap import prepare
    from feedback_api.db import make_engine
    from feedback_api.settings import Settings
    from feedback_api.submissions import service as submissions
    from feedback_api.submissions.schemas import SubmissionCreate

    engine = make_engine(url)
    try:
        prepare(engine)
        settings = Settings(environment="test", _env_file=None)
        codes = []
        with Session(engine, expire_on_commit=False) as db:
            for i in range(SEEDED_TIPS):
                tip = submissions.create(
                    db_session=db,
                    settings=settings,
                    data=SubmissionCreate(
                        kind="tip",
                        citizen_ref=f"c_benchseed{i:04d}",
                        channel="telegram",
                        category="theft",
                        text=f"Xe máy bị trộm ở bãi xe chợ An Bình, lần thứ {i + 1} trong tháng",
                    ),
                )
                codes.append(tip.tracking_code)
        return codes
    finally:
        engine.dispose()


def run_langnghe(
    name: str, feedback_db: str, bot_db: str, workdir: Path, args: argparse.Namespace
) -> Row:
    row = Row(name)
    log(f"[{name}] preparing the feedback database")
    codes = seed_feedback_db(feedback_db)
    with FakeTelegram() as fake:
        log(f"[{name}] starting the server")
        with ServerProcess(
            "langnghe", fake, workdir, data_dir=str(workdir), feedback_db=feedback_db, bot_db=bot_db
        ) as server:
            log(f"[{name}] calibrating replies ({len(distinct_texts(codes))} distinct texts)")
            expected = calibrate_langnghe(fake, server, bot_db, distinct_texts(codes))
            row.reply_counts = {text: len(replies) for text, replies in expected.items()}
            row.outcome = measure(name, fake, server, expected, codes, args)
            if not row.outcome.complete:
                row.note = f"server log tail:\n{server.log_tail()}"
    return row


def run_echo(name: str, workdir: Path, args: argparse.Namespace) -> Row:
    row = Row(name)
    texts = distinct_texts(["LN-AAAA-0001"])
    expected = {text: [text] for text in texts}
    with FakeTelegram() as fake:
        log(f"[{name}] starting the server")
        with ServerProcess("ptb-echo", fake, workdir) as server:
            row.outcome = measure(name, fake, server, expected, ["LN-AAAA-0001"], args)
    return row


def measure(
    name: str,
    fake: FakeTelegram,
    server: ServerProcess,
    expected: dict[str, list[str]],
    codes: list[str],
    args: argparse.Namespace,
) -> Outcome:
    rng = random.Random(args.seed)
    if args.warmup:
        warm_chats = [WARMUP_FIRST_CHAT + i for i in range(args.chats)]
        log(f"[{name}] warm-up: {args.warmup} updates")
        warm = run_load(
            fake,
            server,
            make_plan(args.warmup, warm_chats, codes, rng),
            expected,
            args.concurrency,
            args.timeout,
        )
        if not warm.complete:
            log(f"[{name}] warm-up incomplete: {warm.replies}/{warm.expected_replies} replies")
    chats = [FIRST_CHAT + i for i in range(args.chats)]
    plan = make_plan(args.updates, chats, codes, random.Random(args.seed + 1))
    log(f"[{name}] run: {args.updates} updates, {args.chats} chats, {args.concurrency} senders")
    outcome = run_load(fake, server, plan, expected, args.concurrency, args.timeout)
    log(
        f"[{name}] {outcome.replies}/{outcome.expected_replies} replies, "
        f"{rate(outcome):.1f} updates/s"
    )
    return outcome


# -- report -------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def rate(outcome: Outcome) -> float:
    span = outcome.last_reply - outcome.first_post
    done = len(outcome.latencies)
    return done / span if span > 0 and done else float("nan")


def ms(seconds: float) -> str:
    if seconds != seconds:  # NaN
        return "–"
    return f"{seconds * 1000:.1f}" if seconds < 1 else f"{seconds * 1000:,.0f}"


def table(rows: list[Row], args: argparse.Namespace) -> str:
    lines = [
        "| Row | Updates | Chats | Senders | Updates/s | Ack p50 (ms) | Ack p99 (ms) "
        "| Update→reply p50 (ms) | Update→reply p99 (ms) | Server CPU/update (ms) "
        "| Client CPU/update (ms) | Check |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        o = row.outcome
        if o is None:
            lines.append(
                f"| {row.name} | – | – | – | skipped | – | – | – | – | – | – | {row.note} |"
            )
            continue
        acks = [item.acked_at - item.posted_at for item in o.sent]
        n = len(o.sent)
        check = (
            f"{o.replies}/{o.expected_replies} replies"
            + ("" if o.complete else " (TIMEOUT)")
            + (f", {o.mismatched} text mismatches" if o.mismatched else ", texts in order")
            + (f", {o.extra} extra" if o.extra else "")
            + (f", {o.errors} POST errors" if o.errors else "")
        )
        lines.append(
            f"| {row.name} | {n} | {args.chats} | {args.concurrency} | {rate(o):,.1f} "
            f"| {ms(percentile(acks, 50))} | {ms(percentile(acks, 99))} "
            f"| {ms(percentile(o.latencies, 50))} | {ms(percentile(o.latencies, 99))} "
            f"| {o.server_cpu / n * 1000:.2f} | {o.client_cpu / n * 1000:.2f} | {check} |"
        )
    return "\n".join(lines)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=1000)
    parser.add_argument("--chats", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent senders")
    parser.add_argument("--warmup", type=int, default=None, help="warm-up updates per row")
    parser.add_argument(
        "--backends", default="sqlite,postgres,ptb", help="comma-separated: sqlite,postgres,ptb"
    )
    parser.add_argument("--timeout", type=float, default=90.0, help="max wait for replies, s")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--config", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.updates, args.chats, args.concurrency = min(args.updates, 150), 15, 8
        args.timeout = min(args.timeout, 45.0)
    if args.warmup is None:
        args.warmup = min(200, max(20, args.updates // 5))
    args.chats = max(1, min(args.chats, args.updates))
    args.concurrency = max(1, min(args.concurrency, args.chats))
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.serve:
        serve(args.serve, json.loads(args.config))
        return
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(backends) - {"sqlite", "postgres", "ptb"}
    if unknown:
        raise SystemExit(f"unknown backends: {', '.join(sorted(unknown))}")
    pg_ok, pg_version = postgres_version() if "postgres" in backends else (False, "not requested")
    # The fake answers each Bot API call on a new connection (HTTP/1.0); with http.server's
    # default listen backlog of 5, bursts of sendMessage connections get their SYN dropped and
    # retried after 1 s, an artefact of the fake (not of the bot) that dominated p99. Only this
    # process's fake is changed.
    telegram_server._Server.request_queue_size = FAKE_LISTEN_BACKLOG
    rows: list[Row] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="langnghe-botbench-") as tmp:
        workdir = Path(tmp)
        if "sqlite" in backends:
            folder = workdir / "sqlite"
            folder.mkdir()
            rows.append(
                run_langnghe(
                    "(a) Lắng Nghe, SQLite",
                    f"sqlite:///{folder / 'langnghe.db'}",
                    f"sqlite:///{folder / 'bot.db'}",
                    folder,
                    args,
                )
            )
        if "postgres" in backends:
            name = "(b) Lắng Nghe, PostgreSQL"
            if not pg_ok:
                log(f"[{name}] skipped: PostgreSQL unreachable at {PG_ADMIN_URL} ({pg_version})")
                rows.append(Row(name, note=f"skipped: PostgreSQL unreachable ({pg_version})"))
            else:
                folder = workdir / "postgres"
                folder.mkdir()
                with PostgresDatabases(2) as (feedback_db, bot_db):
                    rows.append(run_langnghe(name, feedback_db, bot_db, folder, args))
        if "ptb" in backends:
            folder = workdir / "ptb"
            folder.mkdir()
            rows.append(run_echo("(c) bare PTB 22 echo bot", folder, args))
    elapsed = time.monotonic() - started

    print("# Lắng Nghe Telegram webhook benchmark\n")
    print(
        f"- Machine: {platform.platform()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"PostgreSQL {pg_version if pg_ok else 'unavailable (' + pg_version + ')'}"
    )
    print(
        f"- python-telegram-bot {package_version('python-telegram-bot')}, "
        f"uvicorn {package_version('uvicorn')}, httpx {package_version('httpx')}; "
        f"server in a subprocess (uvicorn, 1 worker, asyncio loop, h11), load generator and "
        f"fake Telegram in the benchmark process"
    )
    print(
        f"- Load: {args.updates} updates over {args.chats} chats from {args.concurrency} "
        f"concurrent senders (a chat's updates in order, one sender each; a POST waits for its "
        f"200, never for the reply), after {args.warmup} warm-up updates on other chats; "
        f"mix ≈ 55% FAQ questions without diacritics, 15% greetings/thanks, 10% /start, "
        f"20% tracking-code lookups (half real codes); seed {args.seed}"
    )
    print()
    print(table(rows, args))
    print()
    print(
        "Updates/s: updates ÷ (first POST → the fake's receipt of the last reply). Ack: POST → "
        "HTTP 200. Update→reply: POST → the fake's receipt of that update's last reply "
        "(includes waiting behind the same chat's earlier updates). Server CPU: user+system "
        "CPU of the server process over the run ÷ updates; client CPU: the same for the "
        "benchmark process (load generator + fake Telegram)."
    )
    print(
        "Note: the fake Telegram Bot API server (tests/fakes/telegram_server.py, a threading "
        "http.server: one new connection and thread per Bot API call) runs on the same machine, "
        "in the load generator's process; its own cost is included in every row and competes "
        f"with the server for the same CPUs. Its listen backlog is raised from 5 to "
        f"{FAKE_LISTEN_BACKLOG} here, so connection bursts are not delayed by SYN retries."
    )
    print(
        "Note: the PTB baseline acks after process_update has returned, i.e. after its reply "
        "was sent, so its ack latency includes the reply; Lắng Nghe acks once the update is "
        "recorded and replies in the background."
    )
    for row in rows:
        if row.reply_counts:
            counts = sorted(set(row.reply_counts.values()))
            print(
                f"Replies per update in {row.name}: "
                + ", ".join(
                    f"{n} for {sum(1 for v in row.reply_counts.values() if v == n)} texts"
                    for n in counts
                )
                + " (calibrated on fresh chats before the run)."
            )
        if row.outcome is not None and row.outcome.examples:
            print(f"Reply mismatches in {row.name} (first {len(row.outcome.examples)}):")
            for example in row.outcome.examples:
                print(f"- {example}")
        if row.note and row.outcome is not None:
            print(f"\n{row.name}: {row.note}")
    print(f"\nTotal benchmark time: {elapsed:.0f} s.")


if __name__ == "__main__":
    main()
