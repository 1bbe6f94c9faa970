"""Every tip, opinion and question reaches the commune that must act: one story per path
(remembered, typed without diacritics, ambiguous name, location in a boundary, location with
only centres, named in the text, unknown → province), through the real engine and API.
In each, the commune's officer sees the item and the neighbouring commune's officer does not."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from feedback_api.officers import service as officers
from feedback_api.officers.schemas import OfficerCreate
from feedback_api.permissions import NotFound
from feedback_api.submissions import service as submissions
from feedback_api.submissions.models import Submission
from feedback_api.units import boundaries
from feedback_api.units import service as units
from handlers.texts import t

# The handlers' test tree (T: tỉnh Thử; XA: xã An Bình; PB: phường Bình Minh) grows a commune
# known only by its centre and a second province that also has a "Bình Minh".
MORE_UNITS = (
    "code,name,kind,parent_code,lat,lon\n"
    "CT,Công an phường Cầu Tre,ward,T,21.10,105.90\n"
    "T2,Công an tỉnh Hai,province,,,\n"
    "T2-BM,Công an xã Bình Minh,commune,T2,22.50,104.00\n"
)
PASSWORD = "mat-khau-thu-nghiem-0123"


def square(code, lon, lat):
    ring = [[lon, lat], [lon + 0.02, lat], [lon + 0.02, lat + 0.02], [lon, lat + 0.02]]
    return {
        "type": "Feature",
        "properties": {"code": code},
        "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
    }


@pytest.fixture
def province(world):
    """Units with boundaries for XA and PB, and one officer per commune plus the province."""
    with world.db() as db:
        units.import_csv(db_session=db, text=MORE_UNITS)
        boundaries.import_geojson(
            db_session=db,
            text=json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [square("XA", 105.80, 21.00), square("PB", 105.82, 21.00)],
                }
            ),
        )
        for username, code in (("can.bo.xa", "XA"), ("can.bo.pb", "PB"), ("can.bo.tinh", "T")):
            officers.create(
                db_session=db,
                actor=None,
                data=OfficerCreate(
                    username=username,
                    full_name=username,
                    role="officer",
                    unit_id=units.get_by_code(db_session=db, code=code).id,
                    password=PASSWORD,
                ),
            )
    return world


def the_one(world) -> Submission:
    with world.db() as db:
        [item] = db.exec(select(Submission)).all()
        return item


def unit_of(world, item) -> str:
    with world.db() as db:
        return units.get(db_session=db, unit_id=item.unit_id).code


def sees(world, username: str, item) -> bool:
    with world.db() as db:
        actor = officers.actor_for(
            db_session=db, officer=officers.get_by_username(db_session=db, username=username)
        )
        try:
            submissions.get_in_reach(db_session=db, actor=actor, submission_id=item.id)
        except NotFound:
            return False
        return True


def start_tip(citizen, text: str):
    citizen.presses_data("m:tip")
    citizen.presses("Trộm cắp")
    citizen.says(text)


def finish_tip(citizen):
    citizen.presses("Bỏ qua")  # photos
    citizen.presses("Ẩn danh")
    citizen.presses("Gửi tin")
    assert "Mã theo dõi" in citizen.last_text


def test_a_typed_name_without_diacritics_routes_the_tip(province):
    citizen = province.citizen()
    start_tip(citizen, "Kẻ gian bẻ khóa xe máy trước cổng chợ vào ban đêm")
    assert citizen.last[-1].text == t("where.tip")
    citizen.says("xa an binh")
    assert citizen.last[-1].text == t("where.remember", place="Xã An Bình")
    citizen.presses(t("where.remember_no"))
    finish_tip(citizen)
    tip = the_one(province)
    assert unit_of(province, tip) == "XA" and tip.location_text == "xa an binh"
    assert sees(province, "can.bo.xa", tip) and sees(province, "can.bo.tinh", tip)
    assert not sees(province, "can.bo.pb", tip)


def test_a_remembered_commune_is_offered_first_next_time(province):
    citizen = province.citizen()
    start_tip(citizen, "Kẻ gian bẻ khóa xe máy trước cổng chợ vào ban đêm")
    citizen.says("p binh mnh")  # a typo, and the kind word picks the ward over the commune
    assert t("where.which", name="p binh mnh") in citizen.last_text
    citizen.presses("Phường Bình Minh (Tỉnh Thử)")
    citizen.presses(t("where.remember_yes"))
    finish_tip(citizen)
    start_tip(citizen, "Lại có trộm chó vào ban đêm ở xóm dưới, mất hai con")
    remembered = t("where.last_time", place="Phường Bình Minh")
    assert citizen.buttons()[0] == remembered
    citizen.presses(remembered)
    assert "ảnh hoặc tài liệu" in citizen.last_text  # chosen at once, consent not asked again
    finish_tip(citizen)
    with province.db() as db:
        second = db.exec(select(Submission).order_by(Submission.id.desc())).first()
    assert unit_of(province, second) == "PB"
    assert sees(province, "can.bo.pb", second) and not sees(province, "can.bo.xa", second)
    citizen.command("forget")
    start_tip(citizen, "Trộm cắp tài sản ở nhà văn hóa thôn, mất loa và đầu đĩa")
    assert remembered not in citizen.buttons()


def test_a_name_two_provinces_share_is_asked_about_with_the_province(province):
    citizen = province.citizen()
    start_tip(citizen, "Kẻ gian bẻ khóa xe máy trước cổng chợ vào ban đêm")
    citizen.says("Bình Minh")
    assert {"Phường Bình Minh (Tỉnh Thử)", "Xã Bình Minh (Tỉnh Hai)"} <= set(citizen.buttons())
    citizen.presses("Xã Bình Minh (Tỉnh Hai)")
    citizen.presses(t("where.remember_no"))
    finish_tip(citizen)
    tip = the_one(province)
    assert unit_of(province, tip) == "T2-BM"
    assert not sees(province, "can.bo.pb", tip) and not sees(province, "can.bo.tinh", tip)


def test_a_location_inside_a_boundary_is_proposed_and_confirmed(province):
    citizen = province.citizen()
    start_tip(citizen, "Kẻ gian bẻ khóa xe máy trước cổng chợ vào ban đêm")
    citizen.shares_location(21.01, 105.83)
    assert citizen.last[-1].text == t("where.confirm_location", place="Phường Bình Minh")
    citizen.presses(t("where.yes"))
    citizen.presses(t("where.remember_no"))
    finish_tip(citizen)
    tip = the_one(province)
    assert unit_of(province, tip) == "PB" and (tip.latitude, tip.longitude) == (21.01, 105.83)
    assert sees(province, "can.bo.pb", tip) and not sees(province, "can.bo.xa", tip)


def test_a_location_near_a_centre_only_commune_is_proposed_and_a_wrong_one_refused(province):
    citizen = province.citizen()
    start_tip(citizen, "Kẻ gian bẻ khóa xe máy trước cổng chợ vào ban đêm")
    citizen.shares_location(21.101, 105.901)
    assert citizen.last[-1].text == t("where.confirm_location", place="Phường Cầu Tre")
    citizen.presses(t("where.no"))  # not there: type it instead
    assert t("where.type_instead") in citizen.last_text
    citizen.shares_location(21.101, 105.901)
    citizen.presses(t("where.yes"))
    citizen.presses(t("where.remember_no"))
    finish_tip(citizen)
    tip = the_one(province)
    assert unit_of(province, tip) == "CT"
    assert not sees(province, "can.bo.xa", tip) and not sees(province, "can.bo.pb", tip)


def test_a_commune_named_in_the_tip_is_proposed_first(province):
    citizen = province.citizen()
    start_tip(citizen, "Có nhóm trộm xe máy hoạt động ở chợ xã An Bình mỗi đêm")
    assert citizen.buttons()[0] == "Xã An Bình"
    citizen.presses("Xã An Bình")
    citizen.presses(t("where.remember_no"))
    finish_tip(citizen)
    tip = the_one(province)
    assert unit_of(province, tip) == "XA"
    assert sees(province, "can.bo.xa", tip) and not sees(province, "can.bo.pb", tip)


def test_unknown_goes_to_the_province_and_nobody_in_a_commune_sees_it(province):
    citizen = province.citizen()
    start_tip(citizen, "Kẻ gian bẻ khóa xe máy trước cổng chợ vào ban đêm")
    citizen.says("ở đâu đó ngoài đồng")
    assert t("where.not_found", name="ở đâu đó ngoài đồng") in citizen.last_text
    citizen.presses(t("where.unknown"))
    finish_tip(citizen)
    tip = the_one(province)
    assert unit_of(province, tip) == "T" and tip.location_text == "ở đâu đó ngoài đồng"
    assert sees(province, "can.bo.tinh", tip)
    assert not sees(province, "can.bo.xa", tip) and not sees(province, "can.bo.pb", tip)


def test_unknown_goes_to_the_unit_whose_link_the_citizen_came_through(province):
    citizen = province.citizen()
    citizen.starts("opinion_PB")
    citizen.presses("Giao thông")
    citizen.says("Đề nghị lắp đèn tín hiệu ở ngã tư gần trường tiểu học")
    citizen.presses(t("where.unknown"))
    citizen.presses("Bỏ qua")
    citizen.presses("Gửi góp ý")
    opinion = the_one(province)
    assert opinion.kind == "opinion" and unit_of(province, opinion) == "PB"
    assert sees(province, "can.bo.pb", opinion) and not sees(province, "can.bo.xa", opinion)


def test_a_forwarded_question_goes_to_where_the_citizen_lives(province):
    citizen = province.citizen()
    citizen.says("thủ tục xin giấy phép nuôi chim yến trong nhà phố")
    citizen.presses("Gửi cho cán bộ")
    assert citizen.last[-1].text == t("where.question")
    citizen.says("phuong binh minh")
    citizen.presses("Phường Bình Minh (Tỉnh Thử)")
    citizen.presses(t("where.remember_no"))
    question = the_one(province)
    assert question.kind == "question" and unit_of(province, question) == "PB"
    assert question.tracking_code in citizen.last_text
    assert sees(province, "can.bo.pb", question) and not sees(province, "can.bo.xa", question)


def test_an_emergency_at_the_where_step_comes_first_and_the_place_is_still_taken(province):
    citizen = province.citizen()
    start_tip(citizen, "Kẻ gian bẻ khóa xe máy trước cổng chợ vào ban đêm")
    citizen.says("cứu với có cướp đang đánh người ở xã An Bình")
    assert "113" in citizen.last[0].text
    assert citizen.last[-1].text == t("where.remember", place="Xã An Bình")


def test_the_status_lookup_names_the_unit_handling_it(province):
    citizen = province.citizen()
    start_tip(citizen, "Có nhóm trộm xe máy hoạt động ở chợ xã An Bình mỗi đêm")
    citizen.presses("Xã An Bình")
    citizen.presses(t("where.remember_no"))
    finish_tip(citizen)
    citizen.says(the_one(province).tracking_code)
    assert t("track.unit", unit="Công an xã An Bình").strip() in citizen.last_text
