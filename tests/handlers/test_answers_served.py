"""FAQ answers served, counted for the leaders' reports: the bot tells the feedback API which
entry it showed, on which channel and in which commune (when the citizen let it remember
one), and nothing about who asked or what they typed."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from feedback_api.knowledge.models import AnswerServed
from feedback_api.reports import service as reports
from feedback_api.units.service import get_by_code


def served(world) -> list[AnswerServed]:
    """What the API has counted, once the bot has sent its queued counts (it batches them)."""
    world.run(world.client.flush_answers_served())
    with world.db() as db:
        return list(db.exec(select(AnswerServed).order_by(AnswerServed.id)))


def test_each_answer_a_citizen_reads_is_counted_once_without_who_asked(world):
    stranger = world.citizen("2001")
    stranger.says("e muon lam cccd lan dau thi can giay to j a")
    assert "căn cước" in stranger.last_text.lower()
    [first] = served(world)
    assert (first.channel, first.unit_id) == ("other", None)  # the test channel; no commune
    stranger.presses("Xem thêm")  # the details of the same answer: not a second answer
    assert len(served(world)) == 1
    row = first.model_dump()
    assert set(row) == {"id", "entry_slug", "channel", "unit_id", "served_at"}
    assert "cref" not in str(row) and "cccd" not in str(row)

    # A neighbour let the bot remember their commune: the answer counts for that commune.
    neighbour = world.citizen("2002")
    world.run(world.client.remember_unit(world.citizen_ref("test", "2002"), unit_code="XA"))
    neighbour.says("e muon lam cccd lan dau thi can giay to j a")
    second = served(world)[-1]
    assert second.entry_slug == first.entry_slug
    with world.db() as db:
        commune = get_by_code(db_session=db, code="XA")
        assert second.unit_id == commune.id
        today = dt.datetime.now(dt.UTC).date()
        span = dict(start=today - dt.timedelta(days=1), end=today + dt.timedelta(days=1))
        assert reports.build(db_session=db, unit=commune, **span).faq_answers_served == 1
        province = get_by_code(db_session=db, code="T")
        assert reports.build(db_session=db, unit=province, **span).faq_answers_served == 2


def test_a_question_nobody_answered_is_not_an_answer_served(world):
    citizen = world.citizen("2003")
    citizen.says("thủ tục xin giấy phép nuôi chim yến trong nhà phố")
    assert "📨 Gửi cho cán bộ" in citizen.buttons()
    assert served(world) == []


def test_a_failing_count_never_costs_the_citizen_the_answer(world, monkeypatch):
    async def broken(data):
        raise ConnectionError("feedback API down")

    monkeypatch.setattr(world.client, "record_answer_served", broken)
    citizen = world.citizen("2004")
    citizen.says("e muon lam cccd lan dau thi can giay to j a")
    assert "căn cước" in citizen.last_text.lower()


def test_counts_wait_for_a_batch_and_a_failed_batch_is_kept_for_the_next(world, monkeypatch):
    citizen = world.citizen("2005")
    citizen.says("e muon lam cccd lan dau thi can giay to j a")
    with world.db() as db:  # not yet sent: the citizen did not wait for the count
        assert list(db.exec(select(AnswerServed))) == []
    real = world.client._request

    async def down(*args, **kwargs):
        raise ConnectionError("feedback API down")

    monkeypatch.setattr(world.client, "_request", down)
    with pytest.raises(ConnectionError):
        world.run(world.client.flush_answers_served())
    monkeypatch.setattr(world.client, "_request", real)
    assert len(served(world)) == 1
