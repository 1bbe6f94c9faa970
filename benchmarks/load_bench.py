"""Province-scale load benchmark: tip intake with one and two server processes, the inbox and
search at a million submissions, and the Telegram webhook's updates/s.

Run: `.venv/bin/python benchmarks/load_bench.py` (full: 1,000,000 submissions per backend,
about 20-30 minutes on 2 cores), or `--quick` (20,000 submissions, a couple of minutes).

What each row measures, all on 127.0.0.1:

* **Intake** — POST /api/v1/intake/submissions with the service token, as the bots send tips
  through feedback_api's client. Servers are `api_bench.py --serve` processes (uvicorn, one
  worker each, the app as `langnghe serve` builds it, access log off: nginx keeps it in a
  deployment); "2 processes" are two of them on two ports sharing one PostgreSQL, as behind a
  reverse proxy. The load generator is a separate process (`--loadgen`): a raw HTTP/1.1
  keep-alive client on asyncio that spreads its connections over the servers' ports and
  costs far less CPU per request than an httpx client, so it leaves the 2 cores to the
  servers and the database. Reported: requests/s, p50/p99, and the servers' CPU per request
  (user + system of the server processes, from /proc; PostgreSQL's own CPU is not included);
  every tip is checked stored once, with its audit event.
* **Inbox and search** — one officer at a time (sequential requests, API token or signed-in
  browser), after `benchmarks/gen_submissions.py` loaded the data set; p50/p95/p99 and CPU.
* **Webhook** — benchmarks/bot_bench.py's end-to-end Telegram row (fake Bot API, durable
  update log, conversation engine, FAQ, replies) on SQLite (and PostgreSQL in full mode).

PostgreSQL rows skip with a note when the server at LANGNGHE_TEST_PG_URL is unreachable.
Every loop and wait is bounded; the report (a Markdown table) goes to stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import api_bench  # noqa: E402
import gen_submissions  # noqa: E402
import httpx  # noqa: E402

from feedback_api.db import make_engine  # noqa: E402

HOST = "127.0.0.1"
_LENGTH = re.compile(rb"(?i)\r\ncontent-length:\s*(\d+)")


# -- the load generator (its own process) --------------------------------------------------------


async def _connection(port: int, requests: list[bytes], queue, latencies, statuses, deadline):
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        while time.monotonic() < deadline:
            try:
                index = queue.pop()
            except IndexError:
                return
            started = time.perf_counter()
            writer.write(requests[index])
            head = await reader.readuntil(b"\r\n\r\n")  # one await per answer's head
            found = _LENGTH.search(head)
            await reader.readexactly(int(found.group(1)) if found else 0)
            latencies.append(time.perf_counter() - started)
            status = int(head[9:12])
            statuses[status] = statuses.get(status, 0) + 1
    finally:
        writer.close()


def _request(body: bytes) -> bytes:
    head = (
        "POST /api/v1/intake/submissions HTTP/1.1\r\n"
        f"Host: {HOST}\r\n"
        f"Authorization: Bearer {api_bench.SERVICE_TOKEN}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def loadgen(config_path: str) -> None:
    """Entry point of the load generator process: send every body once, write a JSON result."""
    config = json.loads(Path(config_path).read_text())
    requests = [_request(line.encode()) for line in config["bodies"]]
    queue = list(range(len(requests) - 1, -1, -1))
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    deadline = time.monotonic() + config["timeout"]

    async def run() -> float:
        ports = config["ports"]
        began = time.perf_counter()
        await asyncio.gather(
            *(
                _connection(ports[i % len(ports)], requests, queue, latencies, statuses, deadline)
                for i in range(config["connections"])
            )
        )
        return time.perf_counter() - began

    try:  # the server's own event loop when installed: less client CPU per request
        import uvloop

        elapsed = uvloop.run(run())
    except ImportError:
        elapsed = asyncio.run(run())
    cpu = time.process_time()
    # A file, not stdout: a full run once read back a garbled 120 KB line from the pipe.
    result = {"elapsed": elapsed, "latencies": latencies, "statuses": statuses, "cpu": cpu}
    Path(config["result"]).write_text(json.dumps(result))


def postgres_cpu_seconds() -> float:
    """User + system CPU of every PostgreSQL server process on this machine (/proc): the
    database's share of a tip. Other users of the same server are counted too, so on a shared
    machine it is an upper bound."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            raw = stat.read_text()
        except OSError:
            continue
        name = raw[raw.find("(") + 1 : raw.rfind(")")]
        if name.startswith("postgres"):
            fields = raw.rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


# -- rows ----------------------------------------------------------------------------------------


@dataclass
class Row:
    section: str
    test: str
    requests: int
    rate: float | None
    p50: float | None
    p95: float | None
    p99: float | None
    cpu: float | None
    check: str
    ok: bool = True


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_intake(backend, url, workdir, processes, count, args, report) -> None:
    """`count` tips from `args.connections` connections over `processes` server processes."""
    prefix = f"load-{backend[:2].lower()}-{processes}p-{time.monotonic_ns()}"
    bodies = [b.decode() for b in api_bench.intake_payloads(count, prefix, args.seed)]
    warm = [b.decode() for b in api_bench.intake_payloads(100, "warm-" + prefix, args.seed + 1)]
    config_path = workdir / f"{prefix}.json"
    result_path = workdir / f"{prefix}.result.json"
    engine = make_engine(url)
    servers = []
    try:
        for index in range(processes):
            folder = workdir / f"server{index}"
            folder.mkdir(exist_ok=True)
            servers.append(api_bench.Server(url, folder).__enter__())
        ports = [s.port for s in servers]

        def send(batch: list[str]) -> dict:
            config = {
                "bodies": batch,
                "ports": ports,
                "connections": args.connections,
                "timeout": args.timeout,
                "result": str(result_path),
            }
            config_path.write_text(json.dumps(config))
            subprocess.run(
                [sys.executable, __file__, "--loadgen", str(config_path)],
                capture_output=True,
                timeout=args.timeout + 60,
                check=True,
            )
            return json.loads(result_path.read_text())

        send(warm)
        cpu_before = [s.cpu_seconds() for s in servers]
        pg_before = postgres_cpu_seconds()
        log(f"[{backend}] intake: {count} tips, {processes} process(es), {args.connections} conns")
        result = send(bodies)
        cpu = sum(s.cpu_seconds() - before for s, before in zip(servers, cpu_before, strict=True))
        pg_cpu = postgres_cpu_seconds() - pg_before
        stored = api_bench.scalar(
            engine,
            "SELECT count(*) FROM submission WHERE idempotency_key LIKE :p",
            p=f"{prefix}-%",
        )
        audited = api_bench.scalar(
            engine,
            "SELECT count(*) FROM audit_event WHERE action = 'submission.create' "
            "AND entity_id IN (SELECT id FROM submission WHERE idempotency_key LIKE :p)",
            p=f"{prefix}-%",
        )
    finally:
        for server in servers:
            server.__exit__(None, None, None)
        engine.dispose()
    statuses = {int(k): v for k, v in result["statuses"].items()}
    latencies = result["latencies"]
    ok = statuses.get(201) == count and stored == count and audited == count
    others = {k: v for k, v in statuses.items() if k != 201}
    check = f"{stored}/{count} stored once, {audited} audited" + (f", {others}" if others else "")
    report.rows.append(
        Row(
            "intake",
            f"{backend}, {processes} server process{'es' if processes > 1 else ''}",
            count,
            len(latencies) / result["elapsed"],
            api_bench.pct(latencies, 0.5),
            api_bench.pct(latencies, 0.95),
            api_bench.pct(latencies, 0.99),
            cpu * 1000 / count,
            check if ok else f"FAILED: {check}",
            ok,
        )
    )
    client_ms = result["cpu"] * 1000 / count
    server_ms = cpu * 1000 / count
    note = (
        f"{backend} intake, {processes} process(es): CPU per request — servers "
        f"{server_ms:.2f} ms, load generator {client_ms:.2f} ms"
    )
    if backend == "PostgreSQL":
        pg_ms = pg_cpu * 1000 / count
        ceiling = 2000 / (server_ms + pg_ms)
        note += (
            f", PostgreSQL {pg_ms:.2f} ms (all its processes on the machine); servers and "
            f"database together could carry about {ceiling:,.0f} requests/s on 2 idle cores"
        )
    report.notes.append(note + ".")


INBOX_CASES = [
    # label, path, params, who
    ("province officer, first page", "/api/v1/submissions", {}, "province"),
    ("commune officer, first page", "/api/v1/submissions", {}, "commune"),
    ("province, status=new", "/api/v1/submissions", {"status": "new"}, "province"),
    ("province, overdue=true", "/api/v1/submissions", {"overdue": "true"}, "province"),
    ("province, sort=due", "/api/v1/submissions", {"sort": "due"}, "province"),
    ('search q="lua dao" (common words)', "/api/v1/submissions", {"q": "lua dao"}, "province"),
    ('search q="tien mat" (rarer)', "/api/v1/submissions", {"q": "tien mat"}, "province"),
    (
        'search q="lua dao" + kind=question',
        "/api/v1/submissions",
        {"q": "lua dao", "kind": "question"},
        "province",
    ),
    ("search by tracking code", "/api/v1/submissions", {"q": "ln 7k3m q9px"}, "province"),
    ("web inbox page + tab counts", "/officer", {}, "browser"),
    ('web inbox, q="lua dao"', "/officer", {"q": "lua dao"}, "browser"),
    ("web inbox, overdue tab", "/officer", {"overdue": "1", "sort": "due"}, "browser"),
]


def run_inbox(backend, url, workdir, seeded, total, args, report) -> None:
    folder = workdir / "inbox"
    folder.mkdir(exist_ok=True)
    with api_bench.Server(url, folder) as server:

        def client(token: str | None) -> httpx.Client:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            return httpx.Client(base_url=server.base, headers=headers, timeout=60, trust_env=False)

        with (
            client(seeded.province_token) as province,
            client(seeded.commune_token) as commune,
            client(None) as browser,
        ):
            login = browser.post(
                "/api/v1/auth/login",
                json={"username": api_bench.PROVINCE_OFFICER, "password": api_bench.PASSWORD},
            )
            who = {"province": province, "commune": commune, "browser": browser}
            for label, path, params, caller in INBOX_CASES:
                if caller == "browser" and login.status_code != 200:
                    report.notes.append(f"{backend}: web rows skipped (login {login.status_code})")
                    continue
                log(f"[{backend}] {label} × {args.inbox_requests}")
                http = who[caller]
                cpu_before = server.cpu_seconds()
                elapsed, latencies, last = api_bench.timed_gets(
                    http, path, params, args.inbox_requests
                )
                cpu = server.cpu_ms_per_request(cpu_before, len(latencies) + api_bench.WARMUP_INBOX)
                ok = last is not None and last.status_code == 200
                if not ok:
                    check = f"FAILED: HTTP {last.status_code if last else '-'}"
                elif path == "/officer":
                    check = f"HTML {len(last.content) // 1024} KiB"
                else:
                    body = last.json()
                    shown = f"{body['count']}{'' if body.get('count_exact', True) else '+'}"
                    check = f"count {shown}, {len(body['data'])} rows"
                report.rows.append(
                    Row(
                        f"inbox, {total:,} submissions",
                        f"{backend}: {label}",
                        len(latencies),
                        len(latencies) / elapsed,
                        api_bench.pct(latencies, 0.5),
                        api_bench.pct(latencies, 0.95),
                        api_bench.pct(latencies, 0.99),
                        cpu,
                        check,
                        ok,
                    )
                )


def run_backend(backend: str, url: str, workdir: Path, args, report: Report) -> None:
    engine = make_engine(url)
    try:
        log(f"[{backend}] migrating, seeding units and officers")
        seeded = api_bench.seed(engine)
        log(f"[{backend}] generating {args.submissions:,} submissions")
        seconds = gen_submissions.load(engine, args.submissions, seeded.unit_ids, seed=args.seed)
        report.notes.append(
            f"{backend}: generated and loaded {args.submissions:,} submissions in {seconds:.0f} s "
            f"({args.submissions / seconds:,.0f} rows/s)."
        )
    finally:
        engine.dispose()
    process_counts = (1, 2) if backend == "PostgreSQL" else (1,)
    for processes in process_counts:
        run_intake(backend, url, workdir, processes, args.requests, args, report)
    if not args.no_inbox:
        total = api_bench.scalar(make_engine(url), "SELECT count(*) FROM submission")
        run_inbox(backend, url, workdir, seeded, total, args, report)


def inbox_only(url: str, workdir: Path, args, report: Report) -> None:
    """The inbox rows against a database `gen_submissions.py` loaded earlier."""
    backend = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
    engine = make_engine(url)
    try:
        seeded = api_bench.reuse(engine)
        total = api_bench.scalar(engine, "SELECT count(*) FROM submission")
    finally:
        engine.dispose()
    run_inbox(backend, url, workdir, seeded, total, args, report)
    args.no_webhook = True
    args.submissions = total  # what the report's header states


def run_webhook(backend: str, feedback_url: str, bot_url: str, workdir: Path, args, report):
    import bot_bench

    from tests.fakes import telegram_server

    telegram_server._Server.request_queue_size = bot_bench.FAKE_LISTEN_BACKLOG
    bot_args = bot_bench.parse_args(["--quick"] if args.quick else [])
    row = bot_bench.run_langnghe(f"webhook {backend}", feedback_url, bot_url, workdir, bot_args)
    outcome = row.outcome
    if outcome is None:
        report.notes.append(f"webhook {backend}: {row.note}")
        return
    sent = len(outcome.sent)
    report.rows.append(
        Row(
            "Telegram webhook",
            f"{backend}: updates end to end (ack → last reply)",
            sent,
            bot_bench.rate(outcome),
            bot_bench.percentile(outcome.latencies, 50) * 1000,
            bot_bench.percentile(outcome.latencies, 95) * 1000,
            bot_bench.percentile(outcome.latencies, 99) * 1000,
            outcome.server_cpu / max(sent, 1) * 1000,
            f"{outcome.replies}/{outcome.expected_replies} replies"
            + ("" if outcome.complete else " (TIMEOUT)"),
            outcome.complete,
        )
    )


# -- report --------------------------------------------------------------------------------------


def fmt(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def print_report(report: Report, header: list[str], args, elapsed: float) -> None:
    print("## Lắng Nghe load benchmark")
    print()
    print("\n".join(header))
    mode = "--quick" if args.quick else "full"
    if args.database_url:
        print(
            f"- Run (inbox only, --database-url): {args.submissions:,} submissions loaded "
            f"earlier, {args.inbox_requests} requests per inbox row"
        )
    else:
        print(
            f"- Run ({mode}): {args.submissions:,} generated submissions per backend, "
            f"{args.requests} intake requests per row over {args.connections} connections, "
            f"{args.inbox_requests} requests per inbox row"
        )
    print()
    print(
        "| Section | Test | Requests | req/s | p50 ms | p95 ms | p99 ms "
        "| Server CPU ms/req | Check |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---|")
    for r in report.rows:
        print(
            f"| {r.section} | {r.test} | {r.requests} | {fmt(r.rate, 0)} | {fmt(r.p50)} | "
            f"{fmt(r.p95)} | {fmt(r.p99)} | {fmt(r.cpu, 2)} | {r.check} |"
        )
    print()
    for note in report.notes:
        print(f"- {note}")
    print(f"- Load average at end (1/5/15 min): {api_bench._load()}; run time {elapsed:.0f} s.")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=6_000, help="intake tips per row")
    parser.add_argument("--connections", type=int, default=32, help="intake connections")
    parser.add_argument("--inbox-requests", type=int, default=100)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--no-webhook", action="store_true", help="skip the webhook rows")
    parser.add_argument("--no-inbox", action="store_true", help="skip the inbox rows")
    parser.add_argument("--timeout", type=float, default=300.0, help="max seconds per load run")
    parser.add_argument("--seed", type=int, default=20261202)
    parser.add_argument("--quick", action="store_true", help="20,000 submissions, short rows")
    parser.add_argument(
        "--database-url",
        help="inbox rows only, against a data set loaded earlier "
        "(gen_submissions.py --database-url URL --count N)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.submissions = min(args.submissions, 20_000)
        args.requests = min(args.requests, 1_000)
        args.inbox_requests = min(args.inbox_requests, 10)
        args.timeout = min(args.timeout, 120.0)
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--loadgen"]:
        loadgen(argv[1])
        return 0
    args = parse_args(argv)
    began = time.perf_counter()
    backends = [b.strip().lower() for b in args.backends.split(",") if b.strip()]
    pg_ok, pg_info = api_bench.postgres_available() if "postgres" in backends else (False, "-")
    header = api_bench.machine(pg_info if pg_ok else None)
    report = Report()
    with tempfile.TemporaryDirectory(prefix="langnghe-load-") as tmp:
        if args.database_url:
            inbox_only(args.database_url, Path(tmp), args, report)
            backends = []
        if "sqlite" in backends:
            workdir = Path(tmp) / "sqlite"
            workdir.mkdir()
            run_backend("SQLite", f"sqlite:///{workdir / 'langnghe.db'}", workdir, args, report)
        if "postgres" in backends:
            if not pg_ok:
                report.notes.append(f"PostgreSQL rows skipped: unreachable ({pg_info}).")
            else:
                workdir = Path(tmp) / "postgres"
                workdir.mkdir()
                with api_bench.PostgresDatabase() as url:
                    run_backend("PostgreSQL", url, workdir, args, report)
        if not args.no_webhook:
            folder = Path(tmp) / "webhook-sqlite"
            folder.mkdir()
            run_webhook(
                "SQLite",
                f"sqlite:///{folder / 'langnghe.db'}",
                f"sqlite:///{folder / 'bot.db'}",
                folder,
                args,
                report,
            )
    print_report(report, header, args, time.perf_counter() - began)
    return 0 if all(r.ok for r in report.rows) else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
