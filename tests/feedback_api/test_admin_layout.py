"""The administration section reads as one: officers, units, Zalo OA and the audit log share a
layout (_admin.html) with the section's tabs, the current one marked, and the page's error or
notice in the same place."""

from __future__ import annotations

import pytest

from tests.feedback_api.conftest import login

SECTIONS = {
    "officers": "/officer/admin/officers",
    "units": "/officer/admin/units",
    "zalo": "/officer/admin/zalo",
    "audit": "/officer/admin/audit",
}


@pytest.mark.parametrize("section", SECTIONS)
def test_every_admin_page_has_the_section_tabs_and_marks_its_own(client, world, section):
    login(client, "admin")
    page = client.get(SECTIONS[section])
    assert page.status_code == 200
    assert page.template.name == f"officer/admin_{section}.html"
    assert page.context["section"] == section
    for href in SECTIONS.values():
        assert f'href="{href}"' in page.text
    assert f'href="{SECTIONS[section]}" aria-current="page"' in page.text
    assert page.text.count('aria-current="page"') == 1


def test_the_top_bar_links_the_section_once_and_only_for_admins(client, world):
    login(client, "admin")
    home = client.get("/officer/admin/units").text
    bar = home.split('aria-label="Quản trị"')[0]  # the top bar, before the section's tabs
    assert bar.count("Quản trị</a>") == 1 and 'href="/officer/admin/audit"' not in bar
    client.post("/api/v1/auth/logout", headers=login(client, "officer.a"))
    assert "Quản trị</a>" not in client.get("/officer", follow_redirects=True).text


def test_notices_and_errors_sit_in_one_place_on_every_admin_page(client, world):
    csrf = login(client, "admin")["X-CSRF-Token"]
    unit = client.post(
        "/officer/admin/units",
        data={"csrf_token": csrf, "code": "XC", "name": "Công an xã C", "parent_code": "T01"},
    )
    zalo = client.post(
        "/officer/admin/zalo",
        data={"csrf_token": csrf, "access_token": "a" * 40, "refresh_token": "r" * 40},
    )
    for answer, notice in ((unit, "Đã thêm đơn vị XC."), (zalo, "Đã lưu mã mới")):
        assert answer.context["notice"].startswith(notice)
        assert f'<p class="flash" role="status">{notice}' in answer.text
    bad = client.post(
        "/officer/admin/zalo",
        data={"csrf_token": csrf, "access_token": "", "refresh_token": ""},
    )
    assert bad.status_code == 422 and '<p class="error" role="alert">' in bad.text
