"""Leaders' reports: on a seeded data set whose figures were counted by hand, the service, the
page, the Excel file and the terminal command all give the same numbers; a commune's leader
cannot report on another commune."""

from __future__ import annotations

import datetime as dt
import io
import json

import openpyxl
import pytest
from sqlmodel import select
from typer.testing import CliRunner

from feedback_api.audit.models import AuditEvent
from feedback_api.broadcasts.models import Broadcast, BroadcastDelivery
from feedback_api.forums.models import Forum, ForumOpinion
from feedback_api.knowledge.models import AnswerServed, KnowledgeEntry, UnansweredQuestion
from feedback_api.permissions import NotFound
from feedback_api.quizzes.models import Quiz, QuizAttempt
from feedback_api.reports import service as reports
from feedback_api.reports.workbook import to_xlsx
from feedback_api.submissions.models import Submission
from feedback_api.subscriptions.models import Subscription
from tests.feedback_api.conftest import actor, login, make_tip

UTC = dt.UTC
NOW = dt.datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
OCT1, NOV30 = dt.date(2026, 10, 1), dt.date(2026, 11, 30)


def _at(day: int, month: int, hour: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, 0, tzinfo=UTC)


def _seed(db, settings, world) -> dict:
    """Tips, questions, opinions and subscribers whose report is counted by hand below."""

    def item(unit="XA", created=None, **fields):
        kind = fields.pop("kind", "tip")
        text = fields.pop("text", "Có người bán ma túy ở đầu ngõ 5")
        category = fields.pop("category", "drugs" if kind == "tip" else "other")
        s = make_tip(db, settings, unit_code=unit, kind=kind, text=text, category=category)
        s.created_at = created
        s.due_at = fields.pop("due_at", created + dt.timedelta(days=20))
        for name, value in fields.items():
            setattr(s, name, value)
        db.add(s)
        db.commit()
        return s

    def first_action(submission, at):
        db.add(
            AuditEvent(
                at=at,
                actor="officer.a",
                action="submission.update",
                entity_type="submission",
                entity_id=submission.id,
            )
        )
        db.commit()

    t1 = item(created=_at(5, 10), valuable=True, status="resolved", closed_at=_at(7, 10))
    first_action(t1, _at(5, 10, 5))  # 2 h
    t2 = item(created=_at(20, 10), category="theft", due_at=_at(9, 11))  # open, overdue
    first_action(t2, _at(20, 10, 7))  # 4 h
    t3 = item(created=_at(3, 11), valuable=True, status="verifying", due_at=_at(20, 12))
    item(created=_at(4, 11), status="duplicate", duplicate_of_id=t3.id)  # counted apart
    item(unit="PB", created=_at(10, 11), category="fraud", due_at=_at(20, 11))  # other commune
    # 30/09 23:59 in Vietnam is outside the range; 01/10 00:00 is inside.
    item(created=dt.datetime(2026, 9, 30, 16, 59, tzinfo=UTC), category="theft")
    item(
        created=dt.datetime(2026, 9, 30, 17, 0, tzinfo=UTC),
        category="other",
        status="resolved",
        closed_at=dt.datetime(2026, 10, 1, 17, 0, tzinfo=UTC),
    )  # 24 h
    item(
        kind="question",
        text="Làm căn cước ở đâu?",
        created=_at(2, 10),
        public_reply="Tại Công an xã.",
    )
    item(kind="question", text="Lam can cuoc o dau", created=_at(3, 10))
    item(kind="question", text="Làm căn cước ở đâu?", created=_at(4, 10))
    item(kind="question", text="Đăng ký tạm trú thế nào?", created=_at(5, 10))
    opinion = item(
        kind="opinion", text="Đường tối, cần thêm đèn", created=_at(6, 10), status="resolved"
    )
    item(kind="opinion", text="Chợ họp lấn đường", created=_at(7, 10))
    for i, (unit, active) in enumerate(
        [(world.commune_a, True)] * 3 + [(world.commune_a, False)] + [(world.commune_b, True)] * 2
    ):
        db.add(
            Subscription(
                citizen_ref=f"sub{i}",
                unit_id=unit.id,
                active=active,
                created_at=_at(1, 10),
                updated_at=_at(15, 11),  # the inactive one stopped on 15/11: one opt-out
            )
        )
    # A forum held in commune A on 20/11 that received one opinion, one in commune B, and one
    # in commune A held in December (outside the range).
    forums = {}
    for key, unit, held in (
        ("a", world.commune_a, _at(20, 11)),
        ("b", world.commune_b, _at(21, 11)),
        ("late", world.commune_a, _at(5, 12)),
    ):
        forums[key] = Forum(
            code=f"forum{key}",
            title=f"Diễn đàn {key}",
            unit_id=unit.id,
            venue="Hội trường",
            starts_at=held,
            opens_at=held - dt.timedelta(days=5),
            closes_at=held + dt.timedelta(days=5),
        )
        db.add(forums[key])
    db.flush()
    db.add(ForumOpinion(submission_id=opinion.id, forum_id=forums["a"].id))
    for text, day in (
        ("Xin giấy phép karaoke ở đâu", 3),
        ("xin giay phep karaoke o dau?", 4),
        ("Mất ví", 5),
        ("Ngoài kỳ báo cáo", None),
    ):
        db.add(
            UnansweredQuestion(
                text=text,
                channel="telegram",
                outcome="no_match",
                asked_at=_at(day, 11) if day else _at(1, 12),
            )
        )
    quiz = Quiz(
        code="quizrep1",
        title="Thi",
        unit_id=world.commune_a.id,
        opens_at=_at(1, 11),
        closes_at=_at(30, 11),
    )
    db.add(quiz)
    db.flush()
    for i in range(2):
        db.add(
            QuizAttempt(
                quiz_id=quiz.id,
                citizen_ref=f"quizzer-{i}",
                answers="[0]",
                score=i,
                total=1,
                finished_at=_at(10 + i, 11),
            )
        )
    db.commit()
    _seed_campaigns(db, world)
    _seed_answers_served(db, world)


def _seed_answers_served(db, world) -> None:
    """FAQ answers the bot showed: in commune A two on Telegram and one on Zalo (two of them
    about căn cước), one in commune B, one whose commune is unknown, one after the range."""
    db.add(
        KnowledgeEntry(
            slug="lam-can-cuoc", document=json.dumps({"title": "Làm căn cước"}), version=1
        )
    )
    for slug, channel, unit, day in (
        ("lam-can-cuoc", "telegram", world.commune_a, 3),
        ("lam-can-cuoc", "zalo", world.commune_a, 4),
        ("tam-tru", "telegram", world.commune_a, 5),
        ("tam-tru", "web", world.commune_b, 5),
        ("tam-tru", "web", None, 6),
        ("lam-can-cuoc", "telegram", world.commune_a, None),
    ):
        db.add(
            AnswerServed(
                entry_slug=slug,
                channel=channel,
                unit_id=unit.id if unit else None,
                served_at=_at(day, 11) if day else _at(2, 12),
            )
        )
    db.commit()


def _seed_campaigns(db, world) -> None:
    """Two campaigns of commune A started in November, one of commune B, one of commune A
    started in December (outside the range), and a test send that never counts.

    Commune A, Oct–Nov: "Phòng chống lừa đảo" went to four subscribers (sent, sent, blocked,
    skipped by Zalo's window); "Ma túy học đường" to two (sent to sub1 again, one failed).
    So 2 campaigns, 2 citizens reached (sub0, sub1), and the blocked one unsubscribed.
    """
    author = world.officers["campaign_a"].id

    def campaign(title, unit, started, outcomes):
        b = Broadcast(
            unit_id=unit.id,
            author_id=author,
            title=title,
            text="Nội dung",
            status="done",
            started_at=started,
            recipients=len(outcomes),
        )
        db.add(b)
        db.flush()
        for ref, state in outcomes:
            sent = started + dt.timedelta(minutes=5) if state == "sent" else None
            db.add(BroadcastDelivery(broadcast_id=b.id, citizen_ref=ref, state=state, sent_at=sent))
        return b

    fraud = campaign(
        "Phòng chống lừa đảo",
        world.commune_a,
        _at(12, 11),
        [("sub0", "sent"), ("sub1", "sent"), ("sub9", "blocked"), ("zalo-old", "skipped")],
    )
    db.add(
        BroadcastDelivery(
            broadcast_id=fraud.id,
            citizen_ref="officer-own",
            state="sent",
            test_seq=1,
            sent_at=_at(11, 11),
        )
    )
    campaign("Ma túy học đường", world.commune_a, _at(25, 11), [("sub1", "sent"), ("x", "failed")])
    campaign("Phường B", world.commune_b, _at(13, 11), [("sub4", "sent")])
    campaign("Tháng sau", world.commune_a, _at(3, 12), [("sub2", "sent")])
    db.add(
        Subscription(
            citizen_ref="sub9",
            unit_id=world.commune_a.id,
            active=False,
            ended_reason="blocked",
            created_at=_at(1, 10),
            updated_at=_at(12, 11),
        )
    )
    db.commit()


@pytest.fixture
def seeded(db, settings, world):
    _seed(db, settings, world)
    return world


def test_a_commune_report_equals_the_figures_counted_by_hand(db, seeded):
    report = reports.build(db_session=db, unit=seeded.commune_a, start=OCT1, end=NOV30, now=NOW)
    assert report.tips_received == 4  # t1, t2, t3 and the one received at 00:00 on 01/10
    assert report.tips_valuable == 2
    assert report.tips_resolved == 2
    assert report.tips_overdue == 1
    assert report.tips_by_category == [("Ma túy", 2), ("Khác", 1), ("Trộm cắp", 1)]
    assert report.tips_by_unit == [("Công an xã An Bình", 4)]
    assert report.tips_by_month == [(dt.date(2026, 10, 1), 3), (dt.date(2026, 11, 1), 1)]
    assert (report.first_action.count, report.first_action.mean_hours) == (2, 3.0)
    assert report.first_action.median_hours == 3.0
    assert (report.resolution.count, report.resolution.mean_hours) == (2, 36.0)
    assert (report.questions_asked, report.questions_answered) == (4, 1)
    assert report.top_unanswered == [("Lam can cuoc o dau", 2), ("Đăng ký tạm trú thế nào?", 1)]
    assert report.faq_answers_served == 3
    assert report.top_faq_served == [("Làm căn cước", 2), ("tam-tru", 1)]
    assert report.faq_served_by_channel == [("Telegram", 2), ("Zalo", 1)]
    assert (report.opinions_received, report.opinions_answered) == (2, 1)
    assert report.subscribers_by_unit == [("Công an xã An Bình", 3)]
    assert report.duplicates_by_kind == [("Tố giác, tin báo", 1)]
    assert (report.opt_outs_asked, report.opt_outs_blocked, report.opt_outs) == (1, 1, 2)
    assert (report.campaigns_sent, report.recipients_reached) == (2, 2)
    assert [
        (c.title, c.started, c.recipients, c.sent, c.blocked, c.skipped, c.failed)
        for c in report.campaigns
    ] == [
        ("Phòng chống lừa đảo", dt.date(2026, 11, 12), 4, 2, 1, 1, 0),
        ("Ma túy học đường", dt.date(2026, 11, 25), 2, 1, 0, 0, 1),
    ]
    assert (report.forums_held, report.forum_opinions) == (1, 1)
    assert (report.quizzes_held, report.quiz_participants) == (1, 2)


def test_the_province_report_adds_up_its_communes(db, seeded):
    report = reports.build(db_session=db, unit=seeded.province, start=OCT1, end=NOV30, now=NOW)
    assert report.tips_received == 5
    assert report.tips_overdue == 2
    assert report.tips_by_unit == [("Công an phường Bình Minh", 1), ("Công an xã An Bình", 4)]
    assert report.subscribers == 5
    assert report.forums_held == 2
    assert (report.campaigns_sent, report.recipients_reached) == (3, 3)  # B's sub4 too
    # the FAQ's unanswered log has no unit: counted for the province only
    assert report.faq_unanswered == 3
    assert report.faq_answers_served == 5  # the province counts those of unknown commune too
    assert report.top_faq_unanswered == [("Xin giấy phép karaoke ở đâu", 2), ("Mất ví", 1)]
    commune = reports.build(db_session=db, unit=seeded.commune_a, start=OCT1, end=NOV30, now=NOW)
    assert commune.faq_unanswered is None


def test_opinions_sent_to_a_forum_count_in_the_month_they_arrived(db, settings, seeded):
    """A forum held next month already collects opinions this month: the leader's "opinions
    sent to forums" for this month counts them (it used to show 0 beside 6 opinions received)."""
    late = db.exec(select(Forum).where(Forum.code == "forumlate")).one()
    early = make_tip(db, settings, unit_code="XA", kind="opinion", text="Đề nghị lắp camera")
    early.created_at = _at(30, 11)
    db.add(early)
    db.add(ForumOpinion(submission_id=early.id, forum_id=late.id))
    db.commit()
    report = reports.build(db_session=db, unit=seeded.commune_a, start=OCT1, end=NOV30, now=NOW)
    assert report.opinions_received == 3
    assert (report.forums_held, report.forum_opinions) == (1, 2)  # the December forum: not held
    december = reports.build(
        db_session=db, unit=seeded.commune_a, start=dt.date(2026, 12, 1), end=dt.date(2026, 12, 31)
    )
    assert (december.forums_held, december.forum_opinions) == (1, 0)


def test_the_workbook_holds_the_same_numbers_as_real_cells(db, seeded):
    report = reports.build(db_session=db, unit=seeded.commune_a, start=OCT1, end=NOV30, now=NOW)
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(report)))
    assert book.sheetnames == [
        "Tổng hợp",
        "Theo lĩnh vực",
        "Theo đơn vị",
        "Theo tháng",
        "Câu hỏi chưa trả lời",
        "FAQ đã trả lời",
        "FAQ chưa trả lời được",
        "Người đăng ký",
        "Chiến dịch",
        "Tin trùng",
    ]
    summary = {row[0]: row[1] for row in book["Tổng hợp"].iter_rows(min_row=2, values_only=True)}
    assert summary["Tin báo tiếp nhận"] == 4
    assert summary["Tin báo có giá trị"] == 2
    assert summary["Tin báo quá hạn"] == 1
    assert summary["Thời gian giải quyết, trung bình (giờ)"] == 36.0
    assert summary["Câu hỏi đã trả lời"] == 1
    assert summary["Lượt trả lời tự động (FAQ)"] == 3
    served = list(book["FAQ đã trả lời"].iter_rows(min_row=2, values_only=True))
    assert served == [("Làm căn cước", 2), ("tam-tru", 1)]
    assert summary["Tin trùng (không tính vào số liệu)"] == 1
    assert summary["Diễn đàn đã tổ chức"] == 1
    assert summary["Lượt dự thi"] == 2
    assert summary["Chiến dịch tuyên truyền đã gửi"] == 2
    assert summary["Người dân đã nhận tin tuyên truyền"] == 2
    assert summary["Hủy đăng ký trong kỳ"] == 2
    assert summary["Hủy do chặn tài khoản bot (phát hiện khi gửi tin)"] == 1
    campaigns = list(book["Chiến dịch"].iter_rows(min_row=2, values_only=True))
    assert campaigns == [
        ("Phòng chống lừa đảo", dt.datetime(2026, 11, 12), 4, 2, 1, 1, 0),
        ("Ma túy học đường", dt.datetime(2026, 11, 25), 2, 1, 0, 0, 1),
    ]
    assert summary["Từ ngày"] == dt.datetime(2026, 10, 1)  # a date cell, not text
    months = list(book["Theo tháng"].iter_rows(min_row=2, values_only=True))
    assert months == [(dt.datetime(2026, 10, 1), 3), (dt.datetime(2026, 11, 1), 1)]
    categories = list(book["Theo lĩnh vực"].iter_rows(min_row=2, values_only=True))
    assert categories == [("Ma túy", 2), ("Khác", 1), ("Trộm cắp", 1)]


def test_a_commune_leader_cannot_report_on_another_commune(db, seeded):
    leader = actor(db, seeded.officers["leader_a"])
    own = reports.for_actor(db_session=db, actor=leader, unit_id=None, start=OCT1, end=NOV30)
    assert own.unit.code == "XA"
    with pytest.raises(NotFound):
        reports.for_actor(
            db_session=db, actor=leader, unit_id=seeded.commune_b.id, start=OCT1, end=NOV30
        )
    with pytest.raises(NotFound):
        reports.for_actor(
            db_session=db, actor=leader, unit_id=seeded.province.id, start=OCT1, end=NOV30
        )


@pytest.mark.parametrize(
    ("username", "allowed"),
    [("leader.a", True), ("admin", True), ("officer.a", False), ("campaign.a", False)],
)
def test_only_leaders_and_admins_read_the_figures(client, seeded, username, allowed):
    """Issue 13: reports are for the role leader and above; a triage officer or campaign staff
    neither sees the menu link nor opens the page, the workbook or the JSON figures."""
    login(client, username)
    query = "start=2026-10-01&end=2026-11-30"
    expected = 200 if allowed else 403
    assert client.get(f"/officer/reports?{query}").status_code == expected
    assert client.get(f"/officer/reports.xlsx?{query}").status_code == expected
    assert client.get(f"/api/v1/reports?{query}").status_code == expected
    home = client.get("/officer", follow_redirects=True).text
    assert ('href="/officer/reports"' in home) == allowed


def test_the_json_report_holds_the_page_figures(client, seeded):
    login(client, "leader.a")
    figures = client.get("/api/v1/reports?start=2026-10-01&end=2026-11-30").json()
    assert figures["unit_code"] == "XA"
    assert (figures["tips_received"], figures["campaigns_sent"]) == (4, 2)
    assert figures["recipients_reached"] == 2
    assert (figures["opt_outs_asked"], figures["opt_outs_blocked"]) == (1, 1)
    assert figures["campaigns"][0]["title"] == "Phòng chống lừa đảo"
    reversed_range = client.get("/api/v1/reports?start=2026-11-30&end=2026-10-01")
    assert reversed_range.status_code == 422


def test_reversed_dates_are_refused(db, world):
    with pytest.raises(reports.ReportError):
        reports.build(db_session=db, unit=world.commune_a, start=NOV30, end=OCT1)


def test_the_report_page_draws_charts_and_serves_the_workbook(client, seeded):
    login(client, "leader.a")
    query = "start=2026-10-01&end=2026-11-30"
    page = client.get(f"/officer/reports?{query}")
    assert page.status_code == 200
    assert page.template.name == "officer/reports.html"
    assert page.context["report"].tips_received == 4
    assert page.text.count("<svg") == 4 and 'id="by-category"' in page.text
    assert 'id="campaigns"' in page.text and "Phòng chống lừa đảo" in page.text
    assert "Phường B" not in page.text  # another commune's campaign
    other = client.get(f"/officer/reports?unit_id={seeded.commune_b.id}&{query}")
    assert other.status_code == 404
    assert (
        client.get(f"/officer/reports.xlsx?unit_id={seeded.commune_b.id}&{query}").status_code
        == 404
    )
    download = client.get(f"/officer/reports.xlsx?{query}")
    assert download.status_code == 200
    assert "attachment" in download.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(download.content))
    assert book["Theo đơn vị"]["B2"].value == 4
    assert client.get("/officer/reports?start=2026-11-30&end=2026-10-01").status_code == 400


def test_the_terminal_writes_the_same_workbook(engine, db, seeded, tmp_path, monkeypatch):
    from langnghe import cli

    monkeypatch.setattr(cli, "_engine", lambda: engine)
    out = tmp_path / "bao-cao.xlsx"
    result = CliRunner().invoke(
        cli.app,
        [
            "report",
            "--unit",
            "XA",
            "--from",
            "2026-10-01",
            "--to",
            "2026-11-30",
            "--xlsx",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    summary = dict(openpyxl.load_workbook(out)["Tổng hợp"].iter_rows(min_row=2, values_only=True))
    assert summary["Tin báo tiếp nhận"] == 4
    bad = CliRunner().invoke(
        cli.app,
        [
            "report",
            "--unit",
            "NOPE",
            "--from",
            "2026-10-01",
            "--to",
            "2026-11-30",
            "--xlsx",
            str(out),
        ],
    )
    assert bad.exit_code == 1
    assert db.exec(select(Submission)).first() is not None


def test_the_bot_sends_answers_served_in_batches_and_bad_batches_are_refused(client, bot_headers):
    """Counting must not cost a request per answer; a malformed or oversized batch is refused
    whole, with a clear error, and nothing of it is kept."""
    one = {"entry_id": "lam-can-cuoc", "channel": "telegram"}
    ok = client.post(
        "/api/v1/intake/answers-served", json={"items": [one] * 3}, headers=bot_headers
    )
    assert ok.status_code == 204
    for body in (
        {"items": []},
        {"items": [one] * 501},
        {"items": [{**one, "text": "câu hỏi của người dân"}]},  # no question text, ever
        [one],
    ):
        refused = client.post("/api/v1/intake/answers-served", json=body, headers=bot_headers)
        assert refused.status_code == 422, body
