"""A province's inbox after years of tips: counts stop at a limit and say so ("1000+"), a text
search gives the same answer whether it is found among the newest items or only through the
index, and the tabs under a search are counted in one bounded pass. The limits are lowered
here so that a handful of tips stands for a million."""

from __future__ import annotations

import re

import pytest

from feedback_api.submissions import conditions, queries
from tests.feedback_api.conftest import actor, login, make_tip
from tests.feedback_api.test_pages import codes, sign_in


@pytest.fixture
def small_limits(monkeypatch):
    monkeypatch.setattr(conditions, "COUNT_LIMIT", 3)
    monkeypatch.setattr(conditions, "SEARCH_WINDOW", 2)


def test_counts_past_the_limit_are_shown_as_at_least(client, world, db, settings, small_limits):
    for index in range(5):
        make_tip(db, settings, text=f"Có người đánh bạc số {index}")
    make_tip(db, settings, text="Một tin khác")
    sign_in(client, "officer.a")
    page = client.get("/officer")
    assert str(page.context["count"]) == "3+" and not page.context["count"].exact
    assert re.search(r'data-status="new">[^<]*<span class="count">3\+</span>', page.text)
    assert "hệ thống chỉ đếm đến 3" in page.text
    headers = login(client, "officer.a")
    listing = client.get("/api/v1/submissions", headers=headers).json()
    assert listing["count"] == 3 and listing["count_exact"] is False
    assert len(listing["data"]) == 6  # the page itself is never cut by the count's limit
    few = client.get("/api/v1/submissions", params={"q": "mot tin"}, headers=headers).json()
    assert few["count"] == 1 and few["count_exact"] is True


def test_search_finds_old_matches_beyond_the_newest_items(
    client, world, db, settings, small_limits
):
    old = make_tip(db, settings, text="Bị lừa đảo chuyển 5 triệu qua mạng")
    for index in range(4):  # newer items push the old match out of the search window
        make_tip(db, settings, text=f"Trộm xe máy lần {index}")
    newer = make_tip(db, settings, text="Lừa đảo giả danh công an")
    sign_in(client, "officer.a")
    page = client.get("/officer", params={"q": "lua dao"})
    assert codes(page) == [newer.tracking_code, old.tracking_code]
    headers = login(client, "officer.a")
    found = client.get("/api/v1/submissions", params={"q": "lua dao"}, headers=headers).json()
    assert [row["tracking_code"] for row in found["data"]] == [
        newer.tracking_code,
        old.tracking_code,
    ]
    # The window held one match of two; the tabs were counted from the index instead.
    assert page.context["counts"]["new"] == 2 and page.context["counts"]["new"].exact


def test_tab_counts_under_a_search_match_the_rows(client, world, db, settings):
    officer = actor(db, world.officers["officer_a"])
    for text in ("Lừa đảo qua điện thoại", "Lừa đảo bán hàng online", "Trộm chó"):
        make_tip(db, settings, text=text)
    counts = queries.status_counts(
        db_session=db, actor=officer, flt=queries.InboxFilter(q="lua dao")
    )
    assert counts["new"] == 2 and counts["new"].exact
    assert (
        queries.overdue_count(db_session=db, actor=officer, flt=queries.InboxFilter(q="lua dao"))
        == 0
    )
