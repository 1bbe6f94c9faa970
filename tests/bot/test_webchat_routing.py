"""Routing on the web chat, end to end (the page's own forms and buttons): each path lands
the tip at the commune that must act, whose officer sees it and whose neighbour does not."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from feedback_api.officers import service as officers
from feedback_api.officers.schemas import OfficerCreate
from feedback_api.permissions import NotFound
from feedback_api.submissions import service as submissions
from feedback_api.submissions.models import Submission
from feedback_api.units import boundaries
from feedback_api.units import service as units
from handlers.texts import t
from tests.bot.test_webchat import Visitor, api_template, faq  # noqa: F401 (fixtures)
from tests.bot.webchat_fixtures import ChatSite

MORE_UNITS = (
    "code,name,kind,parent_code,lat,lon\n"
    "CT,Công an phường Cầu Tre,ward,T,21.10,105.90\n"
    "T2,Công an tỉnh Hai,province,,,\n"
    "T2-BM,Công an xã Bình Minh,commune,T2,22.50,104.00\n"
)


def square(code, lon, lat):
    ring = [[lon, lat], [lon + 0.02, lat], [lon + 0.02, lat + 0.02], [lon, lat + 0.02]]
    return {
        "type": "Feature",
        "properties": {"code": code},
        "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
    }


@pytest.fixture
def site(tmp_path, api_template, faq):  # noqa: F811
    site = ChatSite(tmp_path, api_template, faq)
    with site.api_db() as db:
        units.import_csv(db_session=db, text=MORE_UNITS)
        features = [square("XA", 105.80, 21.00), square("PB", 105.82, 21.00)]
        boundaries.import_geojson(
            db_session=db, text=json.dumps({"type": "FeatureCollection", "features": features})
        )
        for code in ("XA", "PB", "T"):
            officers.create(
                db_session=db,
                actor=None,
                data=OfficerCreate(
                    username=f"cb.{code.lower()}",
                    full_name=code,
                    role="officer",
                    unit_id=units.get_by_code(db_session=db, code=code).id,
                    password="mat-khau-thu-nghiem-0123",
                ),
            )
    yield site
    site.close()


@pytest.fixture
def client(site):
    with TestClient(site.app) as client:
        yield client
        client.portal.call(site.api.aclose)


def report(visitor: Visitor, text: str = "Kẻ gian bẻ khóa xe máy trước cổng chợ ban đêm"):
    visitor.presses("Tố giác")
    visitor.presses("Trộm cắp")
    visitor.says(text)
    assert t("where.tip").splitlines()[0] in visitor.text()


def send(visitor: Visitor):
    visitor.presses("Bỏ qua")
    visitor.presses("Ẩn danh")
    visitor.presses("Gửi tin")
    assert "Mã theo dõi" in visitor.text()


def latest(site) -> Submission:
    with site.api_db() as db:
        return db.exec(select(Submission).order_by(Submission.id.desc())).first()


def who_sees(site, item) -> set[str]:
    seen = set()
    with site.api_db() as db:
        for code in ("xa", "pb", "t"):
            officer = officers.get_by_username(db_session=db, username=f"cb.{code}")
            actor = officers.actor_for(db_session=db, officer=officer)
            try:
                submissions.get_in_reach(db_session=db, actor=actor, submission_id=item.id)
                seen.add(code.upper())
            except NotFound:
                pass
    return seen


def unit_code(site, item) -> str:
    with site.api_db() as db:
        return units.get(db_session=db, unit_id=item.unit_id).code


def typed_without_diacritics(visitor):
    report(visitor)
    visitor.says("phuong binh minh")
    visitor.presses("Phường Bình Minh (Tỉnh Thử)")  # Tỉnh Hai has a Bình Minh too
    visitor.presses(t("where.remember_no"))


def location_inside_a_boundary(visitor):
    report(visitor)
    visitor.post("/chat/location", data={"lat": "21.01", "lon": "105.81"})
    assert t("where.confirm_location", place="Xã An Bình") in visitor.text()
    visitor.presses(t("where.yes"))
    visitor.presses(t("where.remember_no"))


def location_with_only_centres(visitor):
    report(visitor)
    visitor.post("/chat/location", data={"lat": "21.102", "lon": "105.899"})
    assert t("where.confirm_location", place="Phường Cầu Tre") in visitor.text()
    visitor.presses(t("where.yes"))
    visitor.presses(t("where.remember_no"))


def named_in_the_text(visitor):
    report(visitor, "Trộm xe máy nhiều lần ở bãi xe chợ xa an binh")
    visitor.presses("Xã An Bình")
    visitor.presses(t("where.remember_no"))


def ambiguous_name(visitor):
    report(visitor)
    visitor.says("Bình Minh")
    visitor.presses("Xã Bình Minh (Tỉnh Hai)")
    visitor.presses(t("where.remember_no"))


def unknown(visitor):
    report(visitor)
    visitor.presses(t("where.unknown"))


def remembered(visitor):
    report(visitor)
    visitor.says("xa an binh")
    visitor.presses(t("where.remember_yes"))
    send(visitor)
    visitor.presses("Về menu")
    report(visitor, "Lại mất trộm xe đạp ở cổng trường tiểu học hôm qua")
    visitor.presses(t("where.last_time", place="Xã An Bình"))


@pytest.mark.parametrize(
    ("story", "unit", "seen_by"),
    [
        (typed_without_diacritics, "PB", {"PB", "T"}),
        (location_inside_a_boundary, "XA", {"XA", "T"}),
        (location_with_only_centres, "CT", {"T"}),
        (named_in_the_text, "XA", {"XA", "T"}),
        (ambiguous_name, "T2-BM", set()),
        (unknown, "T", {"T"}),
        (remembered, "XA", {"XA", "T"}),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_each_routing_path_on_the_web_chat(client, site, story, unit, seen_by):
    visitor = Visitor(client)
    story(visitor)
    send(visitor)
    tip = latest(site)
    assert unit_code(site, tip) == unit
    assert who_sees(site, tip) == seen_by  # the neighbouring commune never does


def test_forget_typed_in_the_web_chat_drops_the_remembered_commune(client, site):
    visitor = Visitor(client)
    remembered(visitor)
    send(visitor)
    visitor.says("/forget")
    assert t("where.forgotten") in visitor.text()
    visitor.presses("Tố giác")
    visitor.presses("Trộm cắp")
    visitor.says("Lại mất trộm xe đạp ở cổng trường tiểu học hôm qua")
    assert t("where.last_time", place="Xã An Bình") not in visitor.text()
