"""The inbox as an officer works it on a busy morning: a code read out over the phone is found
however it was typed, the overdue items have their own count and come first when sorted by
deadline, and urgent items first when sorted by priority, on the page and in the API alike."""

from __future__ import annotations

import datetime as dt

import pytest

from feedback_api.clock import utcnow
from feedback_api.submissions import service
from feedback_api.submissions.schemas import SubmissionUpdate
from tests.feedback_api.conftest import actor, login, make_tip
from tests.feedback_api.test_pages import codes, sign_in


def _spellings(code: str) -> list[str]:
    body = code.removeprefix("LN-").replace("-", "")
    return [
        code.lower(),  # ln-abcd-1234
        f"LN {body[:4]} {body[4:]}",  # LN ABCD 1234
        f"ln{body}".lower(),  # lnabcd1234
        f"  {body[:4]}-{body[4:]} ",  # the code without its prefix
        code,
    ]


def test_search_finds_a_tracking_code_in_any_case_or_spacing(client, world, db, settings):
    wanted = make_tip(db, settings, text="Trộm xe máy ở chợ")
    make_tip(db, settings, text="Có người bán ma túy")
    elsewhere = make_tip(db, settings, unit_code="PB", text="Lừa đảo qua điện thoại")
    sign_in(client, "officer.a")
    for typed in _spellings(wanted.tracking_code):
        page = client.get("/officer", params={"q": typed})
        assert codes(page) == [wanted.tracking_code], typed
    # Another commune's code finds nothing for this officer (no hint it exists).
    assert codes(client.get("/officer", params={"q": elsewhere.tracking_code.lower()})) == []
    # Words still search the text.
    assert codes(client.get("/officer", params={"q": "trom xe"})) == [wanted.tracking_code]
    headers = login(client, "officer.a")
    api = client.get(
        "/api/v1/submissions", params={"q": "LN " + wanted.tracking_code[3:]}, headers=headers
    )
    assert [row["tracking_code"] for row in api.json()["data"]] == [wanted.tracking_code]


@pytest.fixture
def morning(db, settings, world):
    """Five items in XA: two overdue (one by 3 days, one by 1), one urgent, one closed long ago
    past its deadline, one fresh."""
    officer = actor(db, world.officers["officer_a"])
    now = utcnow()
    items = {}
    for name, days, priority in (
        ("late3", -3, "normal"),
        ("fresh", 10, "normal"),
        ("urgent", 5, "urgent"),
        ("late1", -1, "high"),
        ("closed", -30, "urgent"),
    ):
        tip = make_tip(db, settings, text=f"Tin {name}")
        tip.due_at = now + dt.timedelta(days=days)
        db.add(tip)
        db.commit()
        service.update(
            db_session=db,
            actor=officer,
            submission_id=tip.id,
            data=SubmissionUpdate(
                priority=priority, status="resolved" if name == "closed" else None
            ),
        )
        items[name] = tip.tracking_code
    return items


def test_overdue_items_have_a_count_in_the_tabs(client, world, morning):
    sign_in(client, "officer.a")
    page = client.get("/officer")
    assert page.context["overdue_count"] == 2  # the closed one is not overdue any more
    assert 'id="overdue-count">2<' in page.text
    late = client.get("/officer", params={"overdue": "1", "sort": "due"})
    assert codes(late) == [morning["late3"], morning["late1"]]
    # The count follows the other filters, not the status tab.
    assert client.get("/officer", params={"q": "late1"}).context["overdue_count"] == 1
    assert client.get("/officer", params={"status": "resolved"}).context["overdue_count"] == 2


def test_inbox_sorts_by_deadline_and_by_priority(client, world, morning):
    sign_in(client, "officer.a")
    by_due = client.get("/officer", params={"sort": "due"})
    assert codes(by_due) == [morning[n] for n in ("late3", "late1", "urgent", "fresh", "closed")]
    by_priority = client.get("/officer", params={"sort": "priority"})
    assert codes(by_priority) == [
        morning[n] for n in ("urgent", "late1", "late3", "fresh", "closed")
    ]
    newest = client.get("/officer")
    assert codes(newest) == [morning[n] for n in ("closed", "late1", "urgent", "fresh", "late3")]
    assert 'value="priority" selected' in by_priority.text
    # The status tabs keep the chosen order.
    assert "sort=priority" in by_priority.text.split('class="tabs"')[1].split("</nav>")[0]


def test_api_sorts_and_pages_in_that_order(client, world, morning):
    headers = login(client, "officer.a")

    def walk(sort: str) -> list[str]:
        seen, cursor = [], None
        while True:
            params = {"sort": sort, "limit": 2} | ({"cursor": cursor} if cursor else {})
            page = client.get("/api/v1/submissions", params=params, headers=headers).json()
            seen += [row["tracking_code"] for row in page["data"]]
            cursor = page["next_cursor"]
            if cursor is None:
                return seen

    assert walk("due") == [morning[n] for n in ("late3", "late1", "urgent", "fresh", "closed")]
    assert walk("priority") == [morning[n] for n in ("urgent", "late1", "late3", "fresh", "closed")]
    by_priority = client.get(
        "/api/v1/submissions", params={"sort": "priority"}, headers=headers
    ).json()
    assert [r["tracking_code"] for r in by_priority["data"]][:2] == [
        morning["urgent"],
        morning["late1"],
    ]
    bad = client.get("/api/v1/submissions", params={"sort": "random"}, headers=headers)
    assert bad.status_code == 422
