"""Fixtures for the bot side: a real feedback API on SQLite (reached in-process, as the bot
reaches it in a one-process deployment), a real contact registry, fake time, and a recording
channel that can be told to fail for given chats."""

from __future__ import annotations

import asyncio
import shutil
from collections import defaultdict, deque
from dataclasses import dataclass

import pytest
from sqlmodel import Session, col, select

from bot.contacts import ContactRegistry
from bot.sender import Sender
from bot.storage import make_bot_engine
from feedback_api.client import FeedbackClient
from feedback_api.db import make_engine
from feedback_api.main import create_app
from feedback_api.migrate import upgrade
from feedback_api.officers import service as officers
from feedback_api.officers.schemas import OfficerCreate
from feedback_api.outbox import service as outbox
from feedback_api.outbox.models import OutboxMessage
from feedback_api.settings import Settings
from feedback_api.submissions import service as submissions
from feedback_api.submissions.schemas import SubmissionCreate
from feedback_api.units import service as units
from handlers.events import OutboundMessage
from tests.bot.telegram_world import config, telegram  # noqa: F401 (Telegram e2e fixtures)

SERVICE_TOKEN = "bot-test-service-token-0123456789abcdef"


class FakeTime:
    """A monotonic clock that only moves when the code under test sleeps: no real waiting."""

    def __init__(self, start: float = 1000.0):
        self.now = start
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


@dataclass(frozen=True)
class Attempt:
    at: float
    chat_id: str
    text: str
    ok: bool


class RecordingChannel:
    """The "test" channel: records every attempt with the fake time, fails when told to."""

    name = "test"

    def __init__(self, time: FakeTime):
        self._time = time
        self.attempts: list[Attempt] = []
        self._failures: dict[str, deque[BaseException]] = defaultdict(deque)

    def fail(self, chat_id: str, *errors: BaseException) -> None:
        """The next sends to `chat_id` raise these, one each, in order."""
        self._failures[chat_id].extend(errors)

    def fail_always(self, chat_id: str, error: BaseException, times: int = 20) -> None:
        self.fail(chat_id, *([error] * times))

    async def send(self, chat_id: str, message: OutboundMessage) -> None:
        failures = self._failures[chat_id]
        error = failures.popleft() if failures else None
        self.attempts.append(Attempt(self._time.now, chat_id, message.text, error is None))
        if error is not None:
            raise error

    def delivered(self, chat_id: str | None = None) -> list[Attempt]:
        return [a for a in self.attempts if a.ok and chat_id in (None, a.chat_id)]


class RecordingClient(FeedbackClient):
    """The real client, remembering each ack so tests can say what the sender decided."""

    def __init__(self, http):
        super().__init__(http)
        self.acks: list[tuple[int, str, float | None]] = []

    async def ack_outbox(self, message_id: int, **kwargs):
        self.acks.append((message_id, kwargs["outcome"], kwargs.get("retry_after")))
        return await super().ack_outbox(message_id, **kwargs)


@dataclass
class BotWorld:
    """One police commune with an officer, the bot's contacts, and helpers to fill the outbox."""

    settings: Settings
    app: object
    db: Session
    contacts: ContactRegistry
    officer: object
    time: FakeTime
    channel: RecordingChannel

    def citizen(self, chat_id: str) -> str:
        return self.contacts.citizen_ref("test", chat_id)

    def tip(self, citizen_ref: str, text: str = "Có người bán ma túy ở đầu ngõ 5"):
        data = SubmissionCreate(
            kind="tip", citizen_ref=citizen_ref, unit_code="XA", category="drugs", text=text
        )
        return submissions.create(db_session=self.db, data=data, settings=self.settings)

    def reply(self, tip, text: str) -> OutboxMessage:
        submissions.reply(db_session=self.db, actor=self.officer, submission_id=tip.id, text=text)
        return self.last_message()

    def enqueue(self, citizen_ref: str, text: str) -> OutboxMessage:
        message = outbox.enqueue(
            db_session=self.db, citizen_ref=citizen_ref, text=text, purpose="broadcast"
        )
        self.db.commit()
        return message

    def last_message(self) -> OutboxMessage:
        query = select(OutboxMessage).order_by(col(OutboxMessage.id).desc())
        return self.db.exec(query).first()

    def state(self, message: OutboxMessage) -> OutboxMessage:
        self.db.expire_all()
        return self.db.get(OutboxMessage, message.id)

    def client(self) -> RecordingClient:
        return RecordingClient.in_process(self.app, SERVICE_TOKEN)

    def sender(self, client: FeedbackClient, **options) -> Sender:
        return Sender(
            client,
            self.contacts,
            {"test": self.channel},
            clock=self.time.clock,
            sleep=self.time.sleep,
            **options,
        )

    def deliver(self, rounds: int = 1, **options) -> RecordingClient:
        """Run `rounds` batches of a fresh sender against the API, in one event loop."""

        async def go() -> RecordingClient:
            client = self.client()
            try:
                sender = self.sender(client, **options)
                for _ in range(rounds):
                    await sender.run_once()
            finally:
                await client.aclose()
            return client

        return asyncio.run(go())


@pytest.fixture(scope="session")
def bot_sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("bot-db") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture
def bot_world(tmp_path, bot_sqlite_template):
    path = tmp_path / "langnghe.db"
    shutil.copy(bot_sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    settings = Settings(
        environment="test",
        data_dir=tmp_path / "var",
        service_token=SERVICE_TOKEN,
        secret_key="test-secret-key-0123456789abcdef0123",
        _env_file=None,
    )
    bot_engine = make_bot_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    time = FakeTime()
    with Session(engine, expire_on_commit=False) as db:
        units.import_csv(
            db_session=db,
            text="code,name,kind,parent_code\n"
            "T01,Công an tỉnh Thử Nghiệm,province,\n"
            "XA,Công an xã An Bình,commune,T01\n",
        )
        commune = units.get_by_code(db_session=db, code="XA")
        officer = officers.create(
            db_session=db,
            actor=None,
            data=OfficerCreate(
                username="officer.a",
                full_name="Cán bộ xã An Bình",
                role="officer",
                unit_id=commune.id,
                password="mat-khau-rat-dai-123",
            ),
        )
        yield BotWorld(
            settings=settings,
            app=create_app(settings, engine=engine),
            db=db,
            contacts=ContactRegistry(bot_engine),
            officer=officers.actor_for(db_session=db, officer=officer),
            time=time,
            channel=RecordingChannel(time),
        )
    engine.dispose()
    bot_engine.dispose()
