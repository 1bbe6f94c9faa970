"""The knowledge loop seen from the citizen's side: the running engine answers with what two
officers approved, without a restart, and what nobody could answer comes back as a variant.

The engine here is wired like bot/runtime.py wires it: a LiveFaq over the real feedback API
(in process), checked before every event (check interval 0, and the event waits for the rebuild
however busy the machine, so the story needs no sleeping).
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import threading
import time

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from faq.assistant import Faq
from feedback_api.client import FeedbackClient
from feedback_api.db import make_engine
from feedback_api.knowledge import seeding
from feedback_api.knowledge.models import UnansweredQuestion
from feedback_api.knowledge.schemas import KnowledgeSnapshot
from feedback_api.main import create_app
from feedback_api.officers import service as officers
from feedback_api.officers.schemas import OfficerCreate
from feedback_api.settings import Settings
from feedback_api.units import service as units
from handlers.engine import Engine
from handlers.flows.common import Deps
from handlers.knowledge import LiveFaq
from handlers.state import MemoryStateStore
from tests.handlers.conftest import SERVICE_TOKEN, World

PASSWORD = "mat-khau-hoi-dap-123"
QUESTION = "Khi nào phải khai báo tạm vắng?"
NEW_TEXT = "Từ nay: đi khỏi xã/phường nơi thường trú từ 12 tháng liên tục thì khai báo tạm vắng."
NOBODY_ANSWERS = (
    "xế nổ bị chôm lúc đá banh ở sân xã",
    "xe no bi chom luc da banh o san xa",
    "Xế nổ bị chôm lúc đi đá banh ở sân xã ạ",
)


@pytest.fixture
def live_world(tmp_path, migrated_template, faq):
    path = tmp_path / "api.db"
    shutil.copy(migrated_template, path)
    settings = Settings(
        environment="test", data_dir=tmp_path, service_token=SERVICE_TOKEN, _env_file=None
    )
    app = create_app(settings, engine=make_engine(f"sqlite:///{path}"))
    with Session(app.state.engine) as db:
        seeding.seed_if_empty(db_session=db)
        unit = units.get_by_code(db_session=db, code="T")
        for username in ("can.bo.a", "can.bo.b"):
            officers.create(
                db_session=db,
                actor=None,
                data=OfficerCreate(
                    username=username,
                    full_name=username,
                    role="officer",
                    unit_id=unit.id,
                    password=PASSWORD,
                ),
            )
    with asyncio.Runner() as runner:
        client = FeedbackClient.in_process(app, SERVICE_TOKEN)
        live = LiveFaq(faq, client, check_seconds=0, wait_seconds=60)
        holder: dict = {}
        deps = Deps(
            faq=live,
            api=client,
            citizen_refs=lambda c, i: holder["w"].citizen_ref(c, i),
            files={},
            refresh_faq=live.refresh_if_due,
        )
        world = World(Engine(deps, MemoryStateStore()), app, client, None, runner)
        world.live = live
        holder["w"] = world
        yield world
        runner.run(client.aclose())
    app.state.engine.dispose()


def _officer(app, username: str) -> tuple[TestClient, dict]:
    browser = TestClient(app)
    response = browser.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return browser, {"X-CSRF-Token": response.json()["csrf_token"]}


def test_an_approved_edit_reaches_the_running_engine_without_a_restart(live_world):
    citizen = live_world.citizen()
    citizen.says(QUESTION)
    assert citizen.last[0].title == "Khai báo tạm vắng"
    assert NEW_TEXT not in citizen.last_text
    engine_before = live_world.engine

    a, a_headers = _officer(live_world.app, "can.bo.a")
    b, b_headers = _officer(live_world.app, "can.bo.b")
    document = a.get("/api/v1/knowledge/entries/cutru-tam-vang", headers=a_headers).json()[
        "document"
    ]
    document["summary"] = NEW_TEXT  # what a citizen reads first
    revision = a.post(
        "/api/v1/knowledge/revisions",
        headers=a_headers,
        json={"slug": "cutru-tam-vang", "document": document},
    ).json()

    citizen.says(QUESTION)  # proposed is not approved: citizens still get the old answer
    assert NEW_TEXT not in citizen.last_text
    own = a.post(f"/api/v1/knowledge/revisions/{revision['id']}/approve", headers=a_headers)
    assert own.status_code == 403
    citizen.says(QUESTION)
    assert NEW_TEXT not in citizen.last_text

    approved = b.post(f"/api/v1/knowledge/revisions/{revision['id']}/approve", headers=b_headers)
    assert approved.status_code == 200
    citizen.says(QUESTION)
    assert NEW_TEXT in citizen.last[0].text
    assert live_world.engine is engine_before and live_world.live.version == 2


def test_what_nobody_answered_becomes_a_variant_that_then_matches(live_world):
    for number, text in enumerate(NOBODY_ANSWERS):
        citizen = live_world.citizen(f"20{number}")
        citizen.says(text)
        assert any(b.data == "ask:send" for m in citizen.last for row in m.buttons for b in row)

    a, a_headers = _officer(live_world.app, "can.bo.a")
    b, b_headers = _officer(live_world.app, "can.bo.b")
    groups = a.get("/api/v1/knowledge/unanswered", headers=a_headers).json()["data"]
    assert [g["count"] for g in groups] == [3]
    revision = a.post(
        "/api/v1/knowledge/unanswered/variants",
        headers=a_headers,
        json={"slug": "trom-cap", "question_ids": groups[0]["question_ids"]},
    ).json()
    b.post(f"/api/v1/knowledge/revisions/{revision['id']}/approve", headers=b_headers)

    someone_else = live_world.citizen("300")
    someone_else.says("xe no bi chom luc da banh o san xa")
    trom_cap = live_world.live.entry("trom-cap")
    assert someone_else.last[0].title == trom_cap.title
    assert a.get("/api/v1/knowledge/unanswered", headers=a_headers).json()["data"] == []


def test_the_question_reaches_the_officers_without_the_citizen_reference(live_world):
    citizen = live_world.citizen("400")
    citizen.says(NOBODY_ANSWERS[0])
    with live_world.db() as db:
        (stored,) = db.exec(select(UnansweredQuestion)).all()
    assert stored.text == NOBODY_ANSWERS[0] and stored.channel == "other"
    assert live_world.citizen_ref("test", "400") not in str(stored.model_dump())


def test_an_emergency_story_is_not_kept_as_an_unanswered_question(live_world):
    citizen = live_world.citizen("500")
    citizen.says("cứu với có người đang cầm dao đòi giết mẹ em ở nhà")
    a, a_headers = _officer(live_world.app, "can.bo.a")
    assert a.get("/api/v1/knowledge/unanswered", headers=a_headers).json()["data"] == []


# -- LiveFaq on its own ----------------------------------------------------------------------


class Source:
    """The API client's `knowledge` call, scripted: each call takes the next answer."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.calls: list[int | None] = []

    async def knowledge(self, *, since=None) -> KnowledgeSnapshot:
        self.calls.append(since)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def _snapshot(version, entries, changed=True):
    return KnowledgeSnapshot(version=version, changed=changed, entries=entries)


def _documents():
    import yaml

    from faq.knowledge import DEFAULT_DIR
    from feedback_api.knowledge.schemas import to_json_value

    return [
        to_json_value(yaml.safe_load(p.read_text("utf-8")))
        for p in sorted(DEFAULT_DIR.glob("*.yaml"))
    ]


def test_the_live_base_is_checked_at_most_every_interval(faq):
    now = [100.0]
    source = Source(_snapshot(1, _documents()), _snapshot(1, [], changed=False))
    live = LiveFaq(faq, source, check_seconds=10, wait_seconds=60, clock=lambda: now[0])

    async def story():
        await live.refresh_if_due()
        await live.refresh_if_due()  # within 10 s: no call
        now[0] += 10.5
        await live.refresh_if_due()

    asyncio.run(story())
    assert source.calls == [None, 1]
    assert live.version == 1 and live.current is not faq


def test_a_base_that_cannot_be_loaded_leaves_the_current_faq_answering(faq, caplog):
    broken = [{**d, "questions": []} if d["id"] == "hochieu" else d for d in _documents()]
    source = Source(
        ConnectionError("API down"),
        _snapshot(0, []),  # nothing seeded yet
        _snapshot(5, broken),
        _snapshot(5, [], changed=False),
    )
    live = LiveFaq(faq, source, check_seconds=0)
    with caplog.at_level(logging.ERROR, logger="handlers.knowledge"):
        for _ in range(4):
            asyncio.run(live.refresh())
    assert live.current is faq and live.ask("làm hộ chiếu ở đâu").id == "hochieu"
    assert source.calls == [None, None, 0, 5]  # the refused version is not fetched again
    assert "version 5 refused" in caplog.text


def test_a_live_faq_answers_like_the_faq_it_holds(faq):
    live = LiveFaq(faq, Source(), check_seconds=0)
    assert live.ask(QUESTION).id == faq.ask(QUESTION).id == "cutru-tam-vang"
    assert live.entry("hochieu") is faq.entry("hochieu")
    assert isinstance(live.current, Faq)


def test_a_slow_rebuild_does_not_hold_up_the_citizen_who_noticed_it(faq):
    """The message that sees a new version waits at most `wait_seconds`; the new Faq arrives
    in the background and answers the next message."""
    released = threading.Event()

    def slow_build(entries):
        released.wait(5)
        return Faq(entries)

    live = LiveFaq(
        faq,
        Source(_snapshot(2, _documents())),
        check_seconds=0,
        wait_seconds=0.05,
        build=slow_build,
    )

    async def story():
        started = time.perf_counter()
        await live.refresh_if_due()
        waited = time.perf_counter() - started
        assert live.current is faq and waited < 1  # answered with the Faq it had
        await live.refresh_if_due()  # a rebuild is running: no second one
        released.set()
        await live._task
        return waited

    asyncio.run(story())
    assert live.version == 2 and live.current is not faq
