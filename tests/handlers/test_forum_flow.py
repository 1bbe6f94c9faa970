"""A citizen reaches a forum from its link or from the menu's list of open forums of their
commune, and their opinion lands in that forum; closed or unknown forums say so politely."""

from __future__ import annotations

import datetime as dt

from sqlmodel import select

from feedback_api.forums import service as forums
from feedback_api.forums.models import Forum, ForumOpinion
from feedback_api.submissions.models import Submission
from feedback_api.units.service import get_by_code
from handlers.texts import t


def make_forum(world, unit="XA", *, open_=True, topics=("An ninh trật tự",)) -> Forum:
    now = dt.datetime.now(dt.UTC)
    with world.db() as db:
        forum = Forum(
            code=f"fx{unit.lower()}{int(open_)}abc",
            title=f"Diễn đàn {unit}",
            unit_id=get_by_code(db_session=db, code=unit).id,
            venue="Hội trường",
            starts_at=now,
            opens_at=now - dt.timedelta(days=1),
            closes_at=now + (dt.timedelta(days=5) if open_ else -dt.timedelta(hours=1)),
            topics="\n".join(topics),
        )
        db.add(forum)
        db.commit()
        return forum


def test_a_deep_link_opens_the_forum_and_the_opinion_goes_to_it(world):
    forum = make_forum(world, "PB")
    citizen = world.citizen()
    citizen.starts(f"f_{forum.code}")
    assert "Diễn đàn PB" in citizen.last_text and "An ninh trật tự" in citizen.buttons()
    citizen.presses("An ninh trật tự")
    citizen.says("Cần tăng cường tuần tra ban đêm ở khu trọ")
    citizen.presses(t("tip.skip"))
    assert "Diễn đàn PB" in citizen.last_text
    citizen.presses(t("opinion.confirm"))
    assert "Mã theo dõi" in citizen.last_text
    with world.db() as db:
        submission = db.exec(select(Submission)).one()
        link = db.get(ForumOpinion, submission.id)
        assert link.forum_id == forum.id
        assert submission.unit_id == get_by_code(db_session=db, code="PB").id
        assert submission.topic == "An ninh trật tự"


def test_closed_or_unknown_forums_are_refused_politely(world):
    closed = make_forum(world, open_=False)
    citizen = world.citizen()
    citizen.starts(f"f_{closed.code}")
    assert t("forum.closed") in citizen.last_text
    citizen.starts("f_zzzzzzzz")
    assert t("forum.not_found") in citizen.last_text


def test_the_menu_lists_the_open_forums_of_the_citizens_commune(world):
    own = make_forum(world, "XA")
    make_forum(world, "PB")  # another commune's forum is not offered
    make_forum(world, "XA", open_=False)
    citizen = world.citizen()
    citizen.presses_data("m:forums")
    assert t("forum.none") in citizen.last_text  # not subscribed: the commune is unknown
    with world.db() as db:
        from feedback_api.subscriptions.models import Subscription

        db.add(
            Subscription(
                citizen_ref=world.citizen_ref("test", citizen.chat_id),
                unit_id=get_by_code(db_session=db, code="XA").id,
            )
        )
        db.commit()
        assert forums.is_open(db.get(Forum, own.id))
    citizen.presses(t("menu.back"))
    assert t("menu.forums") in citizen.buttons()
    citizen.presses(t("menu.forums"))
    assert citizen.buttons()[:-1] == ["Diễn đàn XA"]
    citizen.presses("Diễn đàn XA")
    assert "Hội trường" in citizen.last_text


def test_a_citizen_who_let_us_remember_their_commune_sees_its_forums_without_subscribing(world):
    """The citizen's commune is also the one they let us remember when reporting: the menu's
    list of open forums used to say "no forum" to them unless they had subscribed."""
    from feedback_api.units.models import RememberedUnit

    own = make_forum(world, "XA")
    make_forum(world, "PB")
    citizen = world.citizen()
    citizen.presses_data("m:menu")
    with world.db() as db:
        db.add(
            RememberedUnit(
                citizen_ref=world.citizen_ref("test", citizen.chat_id),
                unit_id=get_by_code(db_session=db, code="XA").id,
            )
        )
        db.commit()
    citizen.presses(t("menu.forums"))
    assert citizen.buttons()[:-1] == [own.title]
