"""Opt-out works wherever the citizen is ("dừng", "huỷ đăng ký", /stop, the button under a
campaign message), without mistaking "đúng" for "dừng"; an officer links their own chat with
`/lienket <code>` to receive test sends."""

from __future__ import annotations

import pytest
from sqlmodel import select

from feedback_api.broadcasts import links
from feedback_api.broadcasts.models import OfficerChatLink
from feedback_api.officers import service as officers
from feedback_api.officers.schemas import OfficerCreate
from feedback_api.subscriptions.models import Subscription
from feedback_api.units import service as units
from handlers.events import EventKind
from handlers.flows.subscribe import is_stop_request
from handlers.texts import t


def subscribe(citizen) -> None:
    citizen.presses_data("m:sub")
    citizen.says("an binh")
    citizen.presses("Công an xã An Bình")
    citizen.presses("Giao thông")
    citizen.presses("Xong")


def active(world) -> bool:
    with world.db() as db:
        return db.exec(select(Subscription)).one().active


@pytest.mark.parametrize("words", ["dừng", "Huỷ đăng ký", "hủy đăng ký", "huy dang ky", "DỪNG!"])
def test_a_subscriber_stops_by_typing_in_the_middle_of_another_flow(world, words):
    citizen = world.citizen()
    subscribe(citizen)
    citizen.presses_data("m:tip")  # busy reporting something else
    citizen.says(words)
    assert citizen.last_text == t("sub.stopped")
    assert not active(world)


def test_the_unsubscribe_button_under_a_campaign_message_works_anywhere(world):
    citizen = world.citizen()
    subscribe(citizen)
    citizen.presses_data("m:opinion")
    citizen.presses_data("sub:stop")  # the button sent with every campaign message
    assert citizen.last_text == t("sub.stopped") and not active(world)


def test_yes_is_not_stop():
    assert not is_stop_request("đúng") and not is_stop_request("dung")
    assert not is_stop_request("dừng xe ở đâu") and is_stop_request("  dừng  ")


def test_an_officer_links_their_chat_with_a_one_time_code(world):
    with world.db() as db:
        units.import_csv(
            db_session=db, text="code,name,kind,parent_code\nT9,Công an tỉnh Chín,province,\n"
        )
        unit = units.get_by_code(db_session=db, code="T9")
        officer = officers.create(
            db_session=db,
            actor=None,
            data=OfficerCreate(
                username="campaign.link",
                full_name="Cán bộ tuyên truyền",
                role="campaign",
                unit_id=unit.id,
                password="mat-khau-rat-dai-123",
            ),
        )
        code = links.new_code(
            db_session=db, actor=officers.actor_for(db_session=db, officer=officer)
        )
    phone = world.citizen("555")
    phone._send(EventKind.COMMAND, data="lienket", text="000000" if code != "000000" else "1")
    assert phone.last_text == t("link.bad_code")
    phone._send(EventKind.COMMAND, data="lienket", text=code)
    assert phone.last_text == t("link.ok")
    with world.db() as db:
        link = db.get(OfficerChatLink, officer.id)
        assert link.citizen_ref == world.citizen_ref("test", "555") and link.code_hash is None
    phone.says(f"/lienket {code}")  # typed as text (web chat): the code is spent
    assert phone.last_text == t("link.bad_code")
    phone._send(EventKind.COMMAND, data="lienket", text="")
    assert phone.last_text == t("link.usage")
