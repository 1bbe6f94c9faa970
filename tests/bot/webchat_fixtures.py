"""A web chat site for tests: the real engine, a real feedback API on SQLite (in process), the
bot's own tables and contact registry, and `WebChat` mounted on a FastAPI app.

Plain helpers rather than fixtures, so the TestClient tests and the browser tests (another
package) build the same site without sharing a conftest.
"""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

from fastapi import FastAPI
from PIL import Image
from sqlmodel import Session

from bot.channels.webchat import WebChat
from bot.contacts import ContactRegistry
from bot.storage import make_bot_engine
from faq.assistant import Faq
from feedback_api.client import FeedbackClient
from feedback_api.db import make_engine
from feedback_api.main import create_app
from feedback_api.migrate import upgrade
from feedback_api.settings import Settings
from feedback_api.units import service as units
from handlers.engine import Engine
from handlers.flows.common import Deps, Limits
from handlers.state import MemoryStateStore

SERVICE_TOKEN = "webchat-test-service-token-0123456789abcdef"
UNITS_CSV = (
    "code,name,kind,parent_code\nT,Công an tỉnh Thử,province,\n"
    "XA,Công an xã An Bình,commune,T\nPB,Công an phường Bình Minh,ward,T\n"
)
_AFTER = re.compile(r'(?:id="after" name="after" value="|data-after=")(\d+)"')


def migrated_api_db(path: Path) -> Path:
    """A migrated feedback database with a few units (copy it per test: migrating is slow)."""
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with Session(engine) as db:
        units.import_csv(db_session=db, text=UNITS_CSV)
    engine.dispose()
    return path


class ChatSite:
    """Everything the web chat needs. `combined=True` mounts it on the feedback API's own app
    (security headers, CSP, body limit), as the one-process server does; otherwise the web
    chat is alone on its app and the API is a second app reached in process."""

    def __init__(self, tmp: Path, template: Path, faq: Faq, *, combined: bool = False):
        shutil.copy(template, tmp / "api.db")
        settings = Settings(
            environment="test", data_dir=tmp, service_token=SERVICE_TOKEN, _env_file=None
        )
        self.api_app = create_app(settings, engine=make_engine(f"sqlite:///{tmp / 'api.db'}"))
        self.api = FeedbackClient.in_process(self.api_app, SERVICE_TOKEN)
        self.bot_db = make_bot_engine(f"sqlite:///{tmp / 'bot.db'}")
        self.contacts = ContactRegistry(self.bot_db)
        files: dict = {}
        release: dict = {}
        deps = Deps(
            faq=faq,
            api=self.api,
            citizen_refs=self.contacts.citizen_ref,
            files=files,
            release=release,
            limits=Limits(),
        )
        self.store = MemoryStateStore()
        self.engine = Engine(deps, self.store)
        self.chat = WebChat(engine=self.engine, db=self.bot_db, upload_dir=tmp / "uploads")
        files["web"] = self.chat.fetch
        release["web"] = self.chat.release
        self.app = self.api_app if combined else FastAPI()
        self.app.include_router(self.chat.router)

    def api_db(self) -> Session:
        return Session(self.api_app.state.engine, expire_on_commit=False)

    def close(self) -> None:
        self.api_app.state.engine.dispose()
        self.bot_db.dispose()


def page_cursor(html: str) -> int:
    """The id of the last message the page (or a fragment's out-of-band swap) shows."""
    return int(_AFTER.findall(html)[-1])


def jpeg(width: int = 32, height: int = 24) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 200)).save(buffer, "JPEG")
    return buffer.getvalue()
