"""A citizen talking to the real engine, backed by a real feedback API (SQLite, in process).

`Citizen` is the collecting output channel of these tests: it sends events as a channel adapter
would and keeps every message the bot answered, so tests read like the citizen's story.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import shutil

import pytest
from PIL import Image
from sqlmodel import Session

from faq.assistant import Faq
from feedback_api.client import FeedbackClient
from feedback_api.db import make_engine
from feedback_api.main import create_app
from feedback_api.migrate import upgrade
from feedback_api.settings import Settings
from feedback_api.units import service as units
from handlers.engine import Engine
from handlers.events import EventKind, FileRef, InboundEvent, OutboundMessage
from handlers.flows.common import Deps, Limits
from handlers.state import MemoryStateStore

SERVICE_TOKEN = "handlers-test-service-token-0123456789"
UNITS_CSV = (
    "code,name,kind,parent_code\nT,Công an tỉnh Thử,province,\n"
    "XA,Công an xã An Bình,commune,T\nPB,Công an phường Bình Minh,ward,T\n"
)


@pytest.fixture(scope="session")
def faq() -> Faq:
    return Faq.from_directory()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("handlers-db") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with Session(engine) as db:
        units.import_csv(db_session=db, text=UNITS_CSV)
    engine.dispose()
    return path


class Files:
    """The channel's file storage, as the adapter's fetcher sees it."""

    def __init__(self):
        self.content: dict[str, bytes] = {}
        self._ids = itertools.count(1)

    def add(self, content: bytes) -> str:
        file_id = f"file-{next(self._ids)}"
        self.content[file_id] = content
        return file_id

    async def fetch(self, ref: FileRef) -> bytes:
        return self.content[ref.channel_file_id]


class Citizen:
    """One chat with the bot; every reply is collected in `self.received`."""

    def __init__(self, world, chat_id: str):
        self.world = world
        self.chat_id = chat_id
        self.received: list[OutboundMessage] = []
        self.last: list[OutboundMessage] = []

    def _send(self, kind: EventKind, **fields) -> list[OutboundMessage]:
        event = InboundEvent(channel="test", chat_id=self.chat_id, kind=kind, **fields)
        self.last = self.world.run(self.world.engine.handle(event))
        self.received += self.last
        return self.last

    def says(self, text: str) -> list[OutboundMessage]:
        return self._send(EventKind.TEXT, text=text)

    def starts(self, payload: str = "") -> list[OutboundMessage]:
        return self._send(EventKind.START, data=payload)

    def command(self, name: str) -> list[OutboundMessage]:
        return self._send(EventKind.COMMAND, data=name)

    def presses(self, label: str) -> list[OutboundMessage]:
        """Press the button whose label contains `label` in the latest message with buttons."""
        for message in reversed(self.last):
            for row in message.buttons:
                for button in row:
                    if label in button.label:
                        return self._send(EventKind.BUTTON, data=button.data)
        raise AssertionError(f"no button {label!r} in {[m.text[:40] for m in self.last]}")

    def presses_data(self, data: str) -> list[OutboundMessage]:
        return self._send(EventKind.BUTTON, data=data)

    def shares_location(self, latitude: float, longitude: float) -> list[OutboundMessage]:
        return self._send(EventKind.LOCATION, latitude=latitude, longitude=longitude)

    def sends_photo(self, content: bytes, *, size: int | None = None) -> list[OutboundMessage]:
        file_id = self.world.files.add(content)
        ref = FileRef(file_id, size if size is not None else len(content), "image/jpeg")
        return self._send(EventKind.PHOTO, file=ref)

    @property
    def last_text(self) -> str:
        return "\n".join(m.text for m in self.last)

    def buttons(self) -> list[str]:
        return [b.label for m in self.last for row in m.buttons for b in row]


class World:
    def __init__(self, engine, app, client, files, runner):
        self.engine = engine
        self.app = app
        self.client = client
        self.files = files
        self.runner = runner
        self.refs: dict[tuple[str, str], str] = {}

    def run(self, coroutine):
        return self.runner.run(coroutine)

    def citizen_ref(self, channel: str, chat_id: str) -> str:
        return self.refs.setdefault((channel, chat_id), f"cref_{channel}_{chat_id}")

    def citizen(self, chat_id: str = "1001") -> Citizen:
        return Citizen(self, chat_id)

    def db(self) -> Session:
        return Session(self.app.state.engine, expire_on_commit=False)


@pytest.fixture
def world(tmp_path, migrated_template, faq):
    path = tmp_path / "api.db"
    shutil.copy(migrated_template, path)
    settings = Settings(
        environment="test", data_dir=tmp_path, service_token=SERVICE_TOKEN, _env_file=None
    )
    app = create_app(settings, engine=make_engine(f"sqlite:///{path}"))
    files = Files()
    with asyncio.Runner() as runner:
        client = FeedbackClient.in_process(app, SERVICE_TOKEN)
        holder: dict = {}
        deps = Deps(
            faq=faq,
            api=client,
            citizen_refs=lambda c, i: holder["w"].citizen_ref(c, i),
            files={"test": files.fetch},
            limits=Limits(),
        )
        world = World(Engine(deps, MemoryStateStore()), app, client, files, runner)
        holder["w"] = world
        yield world
        runner.run(client.aclose())
    app.state.engine.dispose()


def jpeg(width: int = 32, height: int = 24) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 200)).save(buffer, "JPEG")
    return buffer.getvalue()
