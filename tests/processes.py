"""Real `langnghe serve` processes for the multi-process and crash tests: started from the
environment a deployment would set, on their own loopback ports, talking to the fake Bot API,
killed (SIGKILL) and restarted like a crashed host.

Plain helpers, not fixtures: the tests decide how many processes run and when they die.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
from sqlalchemy import text

from feedback_api.db import make_engine
from tests.fakes.telegram_server import FakeTelegram

BOT_TOKEN = "123456:TEST-several-processes"
WEBHOOK_SECRET = "webhook-secret-0123456789abcdef0123"
SERVICE_TOKEN = "test-service-token-0123456789abcdef"
SECRET_KEY = "test-secret-key-0123456789abcdef0123"
LOGS = Path(__file__).resolve().parents[1] / "var" / "test-logs"  # kept for post-mortems


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fresh_postgres_database(admin_url: str) -> tuple[str, Callable[[], None]]:
    """A new, empty PostgreSQL database; returns its URL and a function that drops it."""
    name = f"langnghe_mp_{uuid.uuid4().hex[:10]}"
    admin = make_engine(admin_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return admin_url.rsplit("/", 1)[0] + f"/{name}", drop


def server_env(
    tmp: Path, database_url: str, bot_database_url: str, fake: FakeTelegram, **settings: str
) -> dict[str, str]:
    """What /etc/langnghe/env would hold, pointed at the fake Bot API."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LANGNGHE_")}
    env.update(
        LANGNGHE_ENVIRONMENT="test",
        LANGNGHE_DATABASE_URL=database_url,
        LANGNGHE_BOT_DATABASE_URL=bot_database_url,
        LANGNGHE_DATA_DIR=str(tmp / "var"),
        LANGNGHE_SERVICE_TOKEN=SERVICE_TOKEN,
        LANGNGHE_SECRET_KEY=SECRET_KEY,
        LANGNGHE_TELEGRAM_TOKEN=BOT_TOKEN,
        LANGNGHE_TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
        LANGNGHE_TELEGRAM_API_URL=fake.base_url,
        LANGNGHE_TELEGRAM_FILE_URL=fake.base_file_url,
        LANGNGHE_SENDER_IDLE_SECONDS="0.2",
        LANGNGHE_TELEGRAM_RETRY_SECONDS="0.5",
        LANGNGHE_PENDING_SUBMISSION_RETRY_SECONDS="0.5",
        PTB_TIMEDELTA="true",
    )
    env.update({f"LANGNGHE_{name.upper()}": value for name, value in settings.items()})
    return env


class ServeProcess:
    """One `langnghe serve` on its own port (webhook mode: LANGNGHE_PUBLIC_URL is its own)."""

    def __init__(self, tmp: Path, env: dict[str, str], name: str, port: int | None = None):
        self.tmp, self.name = tmp, name
        self.port = port or free_port()
        self.env = env | {"LANGNGHE_PUBLIC_URL": self.url}
        self.process: subprocess.Popen | None = None
        self.starts = 0
        self.startup_seconds: list[float] = []  # per start: until /readyz answered

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def webhook(self) -> str:
        return f"{self.url}/telegram/webhook"

    def start(self, timeout: float = 180.0) -> ServeProcess:
        began = time.monotonic()
        LOGS.mkdir(parents=True, exist_ok=True)
        self.starts += 1
        log_path = LOGS / f"{self.tmp.name}-{self.name}-{self.starts}.log"
        with open(log_path, "wb") as log:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    "from langnghe.cli import main; main()",
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                ],
                env=self.env,
                cwd=self.tmp,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.wait_ready(timeout, log_path)
        self.startup_seconds.append(time.monotonic() - began)
        return self

    def wait_ready(self, timeout: float, log_path: Path) -> None:
        """Until /readyz answers 200: migrated, and the bot side started (uvicorn accepts
        connections only after the application's start-up)."""
        deadline = time.monotonic() + timeout
        with httpx.Client(trust_env=False, timeout=2) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise AssertionError(f"{self.name} exited; see {log_path}")
                try:
                    if client.get(f"{self.url}/readyz").status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
        raise AssertionError(f"{self.name} not ready within {timeout}s; see {log_path}")

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, as when the host loses power."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def deliver(fake: FakeTelegram, update: dict, server: ServeProcess) -> int:
    """POST an update to one server's webhook as Telegram would; the HTTP status."""
    return fake.deliver_webhook(update, url=server.webhook, secret=WEBHOOK_SECRET).status_code


def busiest_second(times: list[float]) -> int:
    """The most events in any one-second window [t, t + 1)."""
    times, best, j = sorted(times), 0, 0
    for i, start in enumerate(times):
        while times[j] <= start - 1.0:
            j += 1
        best = max(best, i - j + 1)
    return best


def wait_until(predicate: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
