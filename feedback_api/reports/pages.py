"""The report page (figures, charts) and its Excel download, for a unit subtree and a range."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from feedback_api.clock import local_date, utcnow
from feedback_api.deps import SessionDep
from feedback_api.pages.auth import PageSession, page
from feedback_api.pages.inbox import _optional_date, _optional_int
from feedback_api.permissions import Action
from feedback_api.reports import charts, service, workbook
from feedback_api.units.service import list_units

router = APIRouter(prefix="/officer", include_in_schema=False)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _range(start: str | None, end: str | None) -> tuple[dt.date, dt.date]:
    """The asked range; by default the current month up to today (Vietnam calendar)."""
    today = local_date(utcnow())
    return _optional_date(start) or today.replace(day=1), _optional_date(end) or today


@router.get("/reports")
def report_page(
    request: Request,
    db: SessionDep,
    browser: PageSession,
    unit_id: str | None = None,
    start: str | None = None,
    end: str | None = None,
):
    actor = browser.actor
    actor.require(Action.VIEW_REPORTS)
    first, last = _range(start, end)
    try:
        report = service.for_actor(
            db_session=db, actor=actor, unit_id=_optional_int(unit_id), start=first, end=last
        )
    except service.ReportError as exc:
        return page(
            request,
            "reports.html",
            browser,
            status_code=400,
            report=None,
            error=str(exc),
            units=[u for u in list_units(db_session=db) if actor.reaches(u.path)],
            query={"start": first.isoformat(), "end": last.isoformat()},
        )
    query = {"unit_id": report.unit.id, "start": first.isoformat(), "end": last.isoformat()}
    return page(
        request,
        "reports.html",
        browser,
        report=report,
        error=None,
        summary=workbook.summary_rows(report),
        units=[u for u in list_units(db_session=db) if actor.reaches(u.path)],
        query=query,
        xlsx_url=f"/officer/reports.xlsx?{urlencode(query)}",
        charts=[
            charts.bar_chart(
                "Tin báo theo lĩnh vực", report.tips_by_category, chart_id="by-category"
            ),
            charts.bar_chart("Tin báo theo đơn vị", report.tips_by_unit, chart_id="by-unit"),
            charts.bar_chart(
                "Tin báo theo tháng",
                [(m.strftime("%m/%Y"), n) for m, n in report.tips_by_month],
                chart_id="by-month",
            ),
            charts.bar_chart(
                "Người đăng ký theo xã, phường", report.subscribers_by_unit, chart_id="subscribers"
            ),
        ],
    )


@router.get("/reports.xlsx")
def report_xlsx(
    db: SessionDep,
    browser: PageSession,
    unit_id: str | None = None,
    start: str | None = None,
    end: str | None = None,
):
    first, last = _range(start, end)
    report = service.for_actor(
        db_session=db, actor=browser.actor, unit_id=_optional_int(unit_id), start=first, end=last
    )
    name = f"bao-cao-{report.unit.code}-{first.isoformat()}-{last.isoformat()}.xlsx"
    return Response(
        workbook.to_xlsx(report),
        media_type=XLSX,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )
