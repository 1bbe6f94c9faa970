"""One-time codes, one way (feedback_api/onetime.py): an officer's `/lienket` code links one
chat, once, within ten minutes, and is kept only as a digest; a reset gives a temporary
password that works once, for the change it forces; the OA consent's state is spent the same
way (tests/bot/test_zalo_oauth.py)."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, col

from feedback_api import onetime
from feedback_api.broadcasts import links
from feedback_api.broadcasts.models import OfficerChatLink
from feedback_api.officers import service as officers
from tests.feedback_api.conftest import actor


def test_a_link_code_links_one_chat_once_and_is_kept_only_as_a_digest(db, world):
    staff = actor(db, world.officers["campaign_a"])
    code = links.new_code(db_session=db, actor=staff)
    assert len(code) == 6 and code.isdigit()
    row = db.get(OfficerChatLink, staff.officer_id)
    assert row.code_hash == onetime.digest(code) and code not in row.code_hash
    assert links.redeem(db_session=db, citizen_ref="cref_officer_phone", code=code)
    assert not links.redeem(db_session=db, citizen_ref="cref_someone_else", code=code)
    db.refresh(row)
    assert row.citizen_ref == "cref_officer_phone" and row.code_hash is None


def test_a_link_code_expires_after_ten_minutes(db, world):
    staff = actor(db, world.officers["campaign_a"])
    code = links.new_code(db_session=db, actor=staff)
    row = db.get(OfficerChatLink, staff.officer_id)
    row.code_expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    db.add(row)
    db.commit()
    assert not links.redeem(db_session=db, citizen_ref="cref_late", code=code)
    assert not links.linked(db_session=db, actor=staff)


def test_two_chats_racing_with_one_code_link_only_one(engine, db, world):
    """Both looked the code up before either spent it: the guarded UPDATE lets one through."""
    staff = actor(db, world.officers["campaign_a"])
    code = links.new_code(db_session=db, actor=staff)
    first, second = Session(engine), Session(engine)
    try:
        spent = []
        for session, ref in ((first, "cref_chat_one"), (second, "cref_chat_two")):
            spent.append(
                onetime.spend(
                    session,
                    model=OfficerChatLink,
                    code=code,
                    code_column=col(OfficerChatLink.code_hash),
                    expires_column=col(OfficerChatLink.code_expires_at),
                    values={"citizen_ref": ref, "code_hash": None, "code_expires_at": None},
                )
            )
            session.commit()
    finally:
        first.close()
        second.close()
    assert spent == [True, False]
    db.expire_all()
    assert db.get(OfficerChatLink, staff.officer_id).citizen_ref == "cref_chat_one"


def test_a_reset_gives_a_fresh_temporary_password_that_must_be_replaced(db, world):
    one = officers.reset_password(db_session=db, username="officer.a")
    two = officers.reset_password(db_session=db, username="officer.a")
    assert one != two and len(two) >= 16
    officer = officers.get_by_username(db_session=db, username="officer.a")
    assert officer.must_change_password
