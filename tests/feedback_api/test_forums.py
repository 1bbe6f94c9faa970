"""Forums: an officer creates one, citizens send opinions while it is open, officers group
them into themes, answer and publish; the answers reach each participant through the outbox;
the public page and the poster carry no one's personal data."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader
from sqlmodel import select
from typer.testing import CliRunner

from feedback_api import startlinks
from feedback_api.forums import grouping, links
from feedback_api.forums import service as forums
from feedback_api.forums.labels import RESPONSE
from feedback_api.forums.schemas import ForumCreate, ForumOpinionCreate
from feedback_api.outbox.models import OutboxMessage
from feedback_api.permissions import Forbidden, NotFound
from feedback_api.submissions.models import Submission
from tests.feedback_api.conftest import actor, login

TITLE = "Diễn đàn “Công an lắng nghe ý kiến Nhân dân” xã An Bình"


@pytest.fixture
def linked(settings):
    return settings.model_copy(
        update={
            "telegram_bot_username": "langnghe_test_bot",
            "webchat_url": "https://chat.example.vn",
            "public_url": "https://langnghe.example.vn",
        }
    )


def new_forum(db, world, who="officer_a", **changes):
    now = dt.datetime.now(dt.UTC)
    data = {
        "title": TITLE,
        "unit_id": world.commune_a.id,
        "venue": "Nhà văn hóa thôn Đông",
        "starts_at": now + dt.timedelta(days=3),
        "opens_at": now - dt.timedelta(hours=1),
        "closes_at": now + dt.timedelta(days=10),
        "topics": ["An ninh trật tự", "Giao thông"],
        **changes,
    }
    return forums.create(
        db_session=db, actor=actor(db, world.officers[who]), data=ForumCreate(**data)
    )


def send(db, settings, forum, text, ref, name=None):
    return forums.submit_opinion(
        db_session=db,
        settings=settings,
        code=forum.code,
        data=ForumOpinionCreate(
            citizen_ref=ref,
            channel="telegram",
            text=text,
            anonymity="named" if name else "anonymous",
            contact_name=name,
            idempotency_key=f"k-{ref}-{len(text)}",
        ),
    )


def answer_the_first_theme(db, officer, forum, *, response, text, title=None):
    """Group the forum's opinions and answer the first theme (`title` None: the title grouping
    gave it, as the officer's form submits it untouched)."""
    forums.group_opinions(db_session=db, actor=officer, forum_id=forum.id)
    theme = forums.list_themes(db_session=db, forum_id=forum.id)[0]
    forums.respond_theme(
        db_session=db,
        actor=officer,
        theme_id=theme.id,
        response=response,
        text=text,
        title=theme.title if title is None else title,
    )
    return theme


def test_the_deep_link_payload_fits_telegram_and_names_the_forum(db, world, linked):
    forum = new_forum(db, world)
    found = links.links_for(linked, forum)
    payload = found.telegram.split("start=", 1)[1]
    assert len(payload) <= 64 and payload == f"f_{forum.code}"
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", payload)  # Telegram's allowed characters
    for bad in ("f_" + "x" * 63, "f_mã", "f_a b", ""):
        with pytest.raises(ValueError):
            startlinks.for_payload(linked, bad)
    assert found.telegram == f"https://t.me/langnghe_test_bot?start=f_{forum.code}"
    assert found.webchat == f"https://chat.example.vn/?start=f_{forum.code}"


def test_opinions_are_routed_to_the_forum_unit_only_while_it_is_open(db, world, settings):
    forum = new_forum(db, world)
    submission = send(db, settings, forum, "Đường thôn Đông tối, cần lắp đèn", "citizen-1")
    assert submission.kind == "opinion" and submission.unit_id == world.commune_a.id
    again = send(db, settings, forum, "Đường thôn Đông tối, cần lắp đèn", "citizen-1")
    assert again.id == submission.id  # the same key: the same opinion, not a second one
    past = new_forum(
        db,
        world,
        opens_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        closes_at=dt.datetime(2026, 1, 2, tzinfo=dt.UTC),
    )
    with pytest.raises(forums.ForumClosed):
        send(db, settings, past, "Muộn rồi", "citizen-2")


def test_grouping_folds_diacritics_and_the_threshold_is_adjustable():
    items = [
        (1, "Đường thôn Đông tối quá, cần lắp đèn"),
        (2, "duong thon dong toi qua can lap den chieu sang"),
        (3, "Chợ họp lấn chiếm lòng đường gây ùn tắc"),
    ]
    placed = grouping.group(items, threshold=60)
    assert placed[1] == placed[2] != placed[3]
    assert len(set(grouping.group(items, threshold=101).values())) == 3


def test_forum_lifecycle_themes_answers_and_publication(db, world, linked):
    forum = new_forum(db, world)
    officer = actor(db, world.officers["officer_a"])
    a = send(
        db, linked, forum, "Đường thôn Đông tối quá, cần lắp đèn", "citizen-a", name="Nguyễn Văn A"
    )
    b = send(db, linked, forum, "duong thon Dong toi, can lap den chieu sang", "citizen-b")
    c = send(db, linked, forum, "Chợ họp lấn chiếm lòng đường gây ùn tắc", "citizen-c")
    assert forums.group_opinions(db_session=db, actor=officer, forum_id=forum.id) == 2
    themes = forums.list_themes(db_session=db, forum_id=forum.id)
    rows = {
        s.id: link for link, s in forums.opinions(db_session=db, actor=officer, forum_id=forum.id)
    }
    assert rows[a.id].theme_id == rows[b.id].theme_id != rows[c.id].theme_id
    # merge everything into one theme, then split the market opinion out again
    forums.merge(db_session=db, actor=officer, into_id=themes[0].id, theme_ids=[themes[1].id])
    assert len(forums.list_themes(db_session=db, forum_id=forum.id)) == 1
    market = forums.split(db_session=db, actor=officer, submission_id=c.id)
    lights = forums.list_themes(db_session=db, forum_id=forum.id)[0]
    forums.respond_theme(
        db_session=db,
        actor=officer,
        theme_id=lights.id,
        response="accept",
        text="Công an xã đã đề nghị UBND xã lắp đèn trong tháng 12.",
        title="Chiếu sáng đường thôn Đông",
    )
    forums.respond_opinion(
        db_session=db,
        actor=officer,
        submission_id=c.id,
        response="forward",
        text="Đã chuyển Ban quản lý chợ xử lý.",
    )
    unanswered = forums.opinions(db_session=db, actor=officer, forum_id=forum.id, answered=False)
    assert unanswered == []
    assert market.id != lights.id
    assert forums.publish(db_session=db, actor=officer, settings=linked, forum_id=forum.id) == 3
    messages = list(db.exec(select(OutboxMessage).order_by(OutboxMessage.id)))
    # The outbox says what to tell each citizen (a catalogue key and its values), not prose.
    answers = {
        m.citizen_ref: (m.intent, json.loads(m.params))
        for m in messages
        if m.purpose == "forum_answer"
    }
    intent, params = answers["citizen-a"]
    assert intent.startswith("notice.forum_answer.") and intent.split(".")[-1] in RESPONSE
    assert "lắp đèn trong tháng 12" in params["text"] and params["code"] == a.tracking_code
    assert "Ban quản lý chợ" in answers["citizen-c"][1]["text"]
    summaries = [m for m in messages if m.purpose == "forum_summary"]
    assert sorted(m.citizen_ref for m in summaries) == ["citizen-a", "citizen-b", "citizen-c"]
    assert {m.intent for m in summaries} == {"notice.forum_summary_link"}
    summary = json.loads(summaries[0].params)
    assert summary["url"] == f"https://langnghe.example.vn/forums/{forum.code}"
    assert all(m.text == "" for m in messages)
    assert db.get(Submission, a.id).status == "resolved"
    # publishing again sends nothing twice
    assert forums.publish(db_session=db, actor=officer, settings=linked, forum_id=forum.id) == 0


def test_a_leader_reads_but_does_not_answer_and_other_communes_see_nothing(db, world, settings):
    forum = new_forum(db, world)
    send(db, settings, forum, "Ý kiến", "citizen-r1")
    leader = actor(db, world.officers["leader_a"])
    assert len(forums.opinions(db_session=db, actor=leader, forum_id=forum.id)) == 1
    with pytest.raises(Forbidden):
        forums.group_opinions(db_session=db, actor=leader, forum_id=forum.id)
    with pytest.raises(NotFound):
        forums.opinions(
            db_session=db, actor=actor(db, world.officers["officer_b"]), forum_id=forum.id
        )
    with pytest.raises(forums.ForumError):
        new_forum(db, world, who="officer_b")  # commune A is outside commune B's reach


def test_the_public_page_lists_answers_and_no_personal_data(client, db, world, linked):
    forum = new_forum(db, world)
    officer = actor(db, world.officers["officer_a"])
    submission = send(
        db,
        linked,
        forum,
        "Nhà tôi số 12 ngõ 5, đường tối quá",
        "ref-secret-1",
        name="Trần Thị Bích",
    )
    answer_the_first_theme(
        db,
        officer,
        forum,
        response="explain",
        text="Đèn đường thuộc kế hoạch năm 2027 của UBND xã.",
        title="Chiếu sáng ngõ 5",
    )
    before = client.get(f"/forums/{forum.code}")
    assert before.status_code == 200 and "Đèn đường thuộc" not in before.text  # not yet published
    forums.publish(db_session=db, actor=officer, settings=linked, forum_id=forum.id)
    page = client.get(f"/forums/{forum.code}")
    assert page.status_code == 200
    assert "Chiếu sáng ngõ 5" in page.text and "Đèn đường thuộc kế hoạch" in page.text
    for private in ("Trần Thị Bích", "ref-secret-1", submission.tracking_code, "Nhà tôi số 12"):
        assert private not in page.text
    assert client.get("/forums/nope-nope").status_code == 404
    assert client.get("/forums/zzzzzzzz").status_code == 404


def test_the_poster_qr_decodes_to_the_link_and_the_pdf_holds_the_title(db, world, linked):
    forum = new_forum(db, world)
    link = links.links_for(linked, forum).telegram
    png = forums.poster(db_session=db, settings=linked, forum=forum, kind="png")
    image = Image.open(io.BytesIO(png))
    assert image.size == (1240, 1754)  # A4 at 150 dpi
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [link]
    pdf = PdfReader(
        io.BytesIO(forums.poster(db_session=db, settings=linked, forum=forum, kind="pdf"))
    )
    text = " ".join(pdf.pages[0].extract_text().split())
    assert "Công an lắng nghe ý kiến" in text and "Nhà văn hóa thôn Đông" in text
    assert round(float(pdf.pages[0].mediabox.width)) == 595  # A4


def test_the_terminal_draws_the_poster(engine, db, world, linked, tmp_path, monkeypatch):
    from langnghe import cli

    forum = new_forum(db, world)
    monkeypatch.setattr(cli, "_engine", lambda: engine)
    monkeypatch.setattr(cli, "_settings", lambda: linked)
    out = tmp_path / "poster.png"
    result = CliRunner().invoke(cli.app, ["forums", "poster", str(forum.id), "--out", str(out)])
    assert result.exit_code == 0, result.output
    decoded = zxingcpp.read_barcodes(Image.open(out))
    assert decoded[0].text == links.links_for(linked, forum).telegram
    bad = CliRunner().invoke(cli.app, ["forums", "poster", "999", "--out", str(out)])
    assert bad.exit_code == 1
    wrong = CliRunner().invoke(cli.app, ["forums", "poster", str(forum.id), "--out", "x.gif"])
    assert wrong.exit_code == 2


def test_officer_pages_create_a_forum_and_serve_the_poster(client, db, world, linked):
    client.app.state.settings = linked
    headers = login(client, "officer.a")
    response = client.post(
        "/officer/forums",
        data={
            "csrf_token": headers["X-CSRF-Token"],
            "title": "Diễn đàn quý IV",
            "unit_id": str(world.commune_a.id),
            "venue": "Hội trường xã",
            "starts_at": "2026-12-10T08:30",
            "opens_at": "2026-12-01T00:00",
            "closes_at": "2026-12-31T23:00",
            "topics": "An ninh\nGiao thông",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    detail = client.get(response.headers["location"])
    assert detail.status_code == 200 and "f_" in detail.text
    forum_id = response.headers["location"].rsplit("/", 1)[1]
    poster = client.get(f"/officer/forums/{forum_id}/poster.pdf")
    assert poster.status_code == 200 and poster.content.startswith(b"%PDF")
    bad = client.post(
        "/officer/forums",
        data={"csrf_token": headers["X-CSRF-Token"], "title": "x", "closes_at": "nope"},
    )
    assert bad.status_code == 422


def test_a_fresh_install_prints_a_working_poster_for_the_web_chat(client, db, world, settings):
    """Issue 13, found running `make run`: with no bot name and no web-chat address set, the
    poster download was a 422 the browser silently cancelled. The web chat is served at the
    server's root, so the link is the public address when set, else the address the officer's
    page was opened at, and the page says so before anyone prints it."""
    forum = new_forum(db, world)
    public = settings.model_copy(update={"public_url": "https://langnghe.example.vn/"})
    assert links.links_for(public, forum).webchat == (
        f"https://langnghe.example.vn/?start=f_{forum.code}"
    )
    assert not links.links_for(public, forum).webchat_from_request
    assert links.links_for(settings, forum).primary == ""
    login(client, "officer.a")
    detail = client.get(f"/officer/forums/{forum.id}")
    link = f"http://testserver/?start=f_{forum.code}"
    assert link in detail.text and 'id="link-note"' in detail.text
    assert "LANGNGHE_PUBLIC_URL" in detail.text
    poster = client.get(f"/officer/forums/{forum.id}/poster.png")
    assert poster.status_code == 200
    assert [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(poster.content)))] == [
        link
    ]
    client.app.state.settings = public
    configured = client.get(f"/officer/forums/{forum.id}")
    assert 'id="link-note"' not in configured.text
    assert f"https://langnghe.example.vn/forums/{forum.code}" in configured.text


def test_a_theme_still_titled_with_a_citizens_words_is_published_under_a_neutral_name(
    client, db, world, linked
):
    """Grouping titles a theme with its first opinion's text; if the officer answers without
    writing a title of their own, the public page must not print the citizen's words."""
    forum = new_forum(db, world)
    officer = actor(db, world.officers["officer_a"])
    send(db, linked, forum, "Nhà bà Lan số 7 bị trộm xe đạp hai lần", "ref-neutral-1")
    answer_the_first_theme(  # the officer's form, submitted with the title grouping gave it
        db, officer, forum, response="accept", text="Công an xã tăng tuần tra ban đêm."
    )
    forums.publish(db_session=db, actor=officer, settings=linked, forum_id=forum.id)
    page = client.get(f"/forums/{forum.code}").text
    assert "Nhóm ý kiến 1" in page and "Công an xã tăng tuần tra ban đêm." in page
    assert "bà Lan" not in page and "số 7" not in page
