"""A broadcast world: a province with two communes, campaign staff and approvers, N subscribers
with Telegram chats in the bot's contact registry, and helpers to compose, approve and deliver.

Subscribers are inserted in bulk (a crash test needs thousands); everything else goes through
the real services and the real API client.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import insert, select
from sqlmodel import Session

from bot.broadcast_worker import BroadcastWorker
from bot.contacts import ContactRegistry
from bot.storage import contacts as contacts_table
from feedback_api.broadcasts import progress, service
from feedback_api.broadcasts.models import Broadcast, BroadcastDelivery
from feedback_api.broadcasts.schemas import BroadcastDraft, Content
from feedback_api.client import FeedbackClient
from feedback_api.main import create_app
from feedback_api.officers import service as officers
from feedback_api.officers.schemas import OfficerCreate
from feedback_api.settings import Settings
from feedback_api.subscriptions.models import Subscription
from feedback_api.units import service as units

PASSWORD = "mat-khau-rat-dai-123"
TOKEN = "broadcast-test-service-token-0123456789"
UNITS_CSV = (
    "code,name,kind,parent_code\n"
    "T01,Công an tỉnh Thử Nghiệm,province,\n"
    "XA,Công an xã An Bình,commune,T01\n"
    "PB,Công an phường Bình Minh,ward,T01\n"
)
# Always outside quiet hours (empty window) unless a test says otherwise.
NO_QUIET = {"broadcast_quiet_start": "00:00", "broadcast_quiet_end": "00:00"}


def make_settings(tmp_path, **overrides) -> Settings:
    values = dict(
        environment="test",
        data_dir=tmp_path / "var",
        service_token=TOKEN,
        secret_key="test-secret-key-0123456789abcdef0123",
        broadcast_per_second=5000.0,
        _env_file=None,
    )
    values.update(NO_QUIET)
    values.update(overrides)
    return Settings(**values)


@dataclass
class RecordingBroadcast:
    """A channel that records every campaign message it is asked to deliver."""

    delivered: list[tuple[str, int, bool]] = field(default_factory=list)
    blocked: set[str] = field(default_factory=set)
    delay: float = 0.0

    async def deliver(self, chat_id: str, content: Content, *, test: bool, image) -> None:
        from bot.channels.base import DeliveryError

        if self.delay:
            await asyncio.sleep(self.delay)
        if chat_id in self.blocked:
            raise DeliveryError("Forbidden: bot was blocked by the user", blocked=True)
        self.delivered.append((chat_id, content.broadcast_id, test))

    def chats(self) -> list[str]:
        return [chat for chat, _, test in self.delivered if not test]


class BroadcastWorld:
    def __init__(self, engine, bot_engine, settings: Settings):
        self.engine = engine
        self.settings = settings
        self.db = Session(engine, expire_on_commit=False)
        self.contacts = ContactRegistry(bot_engine)
        self.bot_engine = bot_engine
        self.app = create_app(settings, engine=engine)
        units.import_csv(db_session=self.db, text=UNITS_CSV)
        self.unit = {
            code: units.get_by_code(db_session=self.db, code=code) for code in ("T01", "XA", "PB")
        }
        self.people = {}
        for username, role, code in (
            ("campaign.a", "campaign", "XA"),
            ("campaign.b", "campaign", "PB"),
            ("campaign.p", "campaign", "T01"),
            ("leader.a", "leader", "XA"),
            ("leader.b", "leader", "PB"),
            ("leader.p", "leader", "T01"),
            ("admin", "admin", "T01"),
            ("officer.a", "officer", "XA"),
        ):
            officer = officers.create(
                db_session=self.db,
                actor=None,
                data=OfficerCreate(
                    username=username,
                    full_name=username,
                    role=role,
                    unit_id=self.unit[code].id,
                    password=PASSWORD,
                ),
            )
            self.people[username] = officers.actor_for(db_session=self.db, officer=officer)
        self._next_chat = 1000

    def close(self) -> None:
        self.db.close()

    def actor(self, username: str):
        return self.people[username]

    def subscribe(self, n: int, *, unit: str = "XA", topics: str = "security", channel="telegram"):
        """`n` subscribers with chats; returns their chat ids (as strings)."""
        now = dt.datetime.now(dt.UTC)
        chats, subs, contacts = [], [], []
        for _ in range(n):
            self._next_chat += 1
            chat = str(self._next_chat)
            ref = f"c_{chat}_{unit}".ljust(12, "x")
            chats.append(chat)
            subs.append(
                dict(
                    citizen_ref=ref,
                    unit_id=self.unit[unit].id,
                    topics=topics,
                    active=True,
                    created_at=now,
                    updated_at=now,
                )
            )
            contacts.append(
                dict(
                    citizen_ref=ref,
                    channel=channel,
                    external_id=chat,
                    blocked=False,
                    created_at=now,
                )
            )
        for start in range(0, n, 5000):
            with self.engine.begin() as connection:
                connection.execute(insert(Subscription.__table__), subs[start : start + 5000])
            with self.bot_engine.begin() as connection:
                connection.execute(insert(contacts_table), contacts[start : start + 5000])
        return chats

    def ref_of(self, chat: str) -> str:
        with self.bot_engine.begin() as connection:
            return connection.execute(
                select(contacts_table.c.citizen_ref).where(contacts_table.c.external_id == chat)
            ).scalar_one()

    def compose(self, author: str = "campaign.a", **fields) -> Broadcast:
        data = BroadcastDraft(
            title=fields.pop("title", "Cảnh báo lừa đảo"),
            text=fields.pop("text", "Không cung cấp mã OTP cho bất kỳ ai."),
            **fields,
        )
        return service.create(db_session=self.db, actor=self.actor(author), data=data)

    def approve(self, broadcast: Broadcast, approver: str = "leader.a") -> Broadcast:
        return service.approve(
            db_session=self.db,
            actor=self.actor(approver),
            broadcast_id=broadcast.id,
            revision=broadcast.revision,
        )

    def launch(self, **fields) -> Broadcast:
        return self.approve(self.compose(**fields))

    def reload(self, broadcast: Broadcast) -> Broadcast:
        self.db.expire_all()
        return self.db.get(Broadcast, broadcast.id)

    def progress(self, broadcast: Broadcast):
        return progress.of(
            db_session=self.db, broadcast=self.reload(broadcast), settings=self.settings
        )

    def states(self, broadcast: Broadcast) -> dict[str, str]:
        """citizen_ref → delivery state (real recipients)."""
        self.db.expire_all()
        rows = self.db.exec(
            select(BroadcastDelivery.citizen_ref, BroadcastDelivery.state).where(
                BroadcastDelivery.broadcast_id == broadcast.id, BroadcastDelivery.test_seq == 0
            )
        )
        return {ref: state for ref, state in rows}

    def client(self) -> FeedbackClient:
        return FeedbackClient.in_process(self.app, TOKEN)

    def worker(self, client: FeedbackClient, channel, **options) -> BroadcastWorker:
        return BroadcastWorker(client, self.contacts, {"telegram": channel}, **options)

    def run(self, channel, *, rounds: int = 50, until_idle: bool = True, **options) -> int:
        """Run one worker until nothing is left to claim (or `rounds` batches)."""

        async def go() -> int:
            client = self.client()
            total = 0
            try:
                worker = self.worker(client, channel, **options)
                for _ in range(rounds):
                    handled = await worker.run_once()
                    total += handled
                    if handled == 0 and until_idle:
                        # one more claim lets housekeeping close finished campaigns
                        await client.broadcast_claim(limit=1)
                        break
            finally:
                await client.aclose()
            return total

        return asyncio.run(go())
