"""Routing a submission to the commune that must act: typed names, mentions, locations,
remembered communes, through the service and the bot's API (service token)."""

from __future__ import annotations

import json

import pytest

from feedback_api.units import boundaries, routing
from feedback_api.units import service as units
from tests.feedback_api.conftest import make_tip

TREE = (
    "code,name,kind,parent_code,lat,lon\n"
    "T1,Công an tỉnh Một,province,,,\n"
    "T1-HB,Công an phường Hòa Bình,ward,T1,21.03,105.87\n"
    "T1-TT,Công an phường Trung Tâm,ward,T1,21.03,105.85\n"
    "T1-AB,Công an xã An Bình,commune,T1,,\n"
    "T2,Công an tỉnh Hai,province,,,\n"
    "T2-HB,Công an xã Hòa Bình,commune,T2,22.5,104.0\n"
)


def square(code, lon, lat, size=0.02):
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {
        "type": "Feature",
        "properties": {"code": code},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


@pytest.fixture
def tree(db):
    units.import_csv(db_session=db, text=TREE)
    return db


def test_a_typed_name_is_resolved_and_ambiguity_shows_the_province(tree):
    found = routing.resolve_name(db_session=tree, query="phuong trung tam")
    assert [m.code for m in found.data] == ["T1-TT"] and found.confident
    assert found.data[0].label == "Phường Trung Tâm"
    both = routing.resolve_name(db_session=tree, query="hoa binh")
    assert {m.code for m in both.data[:2]} == {"T1-HB", "T2-HB"} and not both.confident
    assert {m.province for m in both.data[:2]} == {"Tỉnh Một", "Tỉnh Hai"}


def test_the_province_and_departments_are_never_proposed(tree):
    assert routing.resolve_name(db_session=tree, query="tinh mot").data == []


def test_a_typed_address_falls_back_to_the_commune_it_mentions(tree):
    found = routing.resolve_name(db_session=tree, query="số 5 ngõ 7 phường Trung Tâm")
    assert found.data[0].code == "T1-TT"


def test_a_location_inside_a_boundary_goes_to_that_commune(tree):
    boundaries.import_geojson(
        db_session=tree,
        text=json.dumps(
            {
                "type": "FeatureCollection",
                "features": [square("T1-TT", 105.84, 21.02), square("T1-HB", 105.86, 21.02)],
            }
        ),
    )
    found = routing.resolve_point(db_session=tree, latitude=21.03, longitude=105.875, radius_km=5)
    assert [(m.code, m.reason) for m in found.data] == [("T1-HB", "boundary")]


def test_without_boundaries_the_nearest_centre_within_the_radius_is_proposed(tree):
    near = routing.resolve_point(db_session=tree, latitude=21.031, longitude=105.851, radius_km=2)
    assert [(m.code, m.reason) for m in near.data] == [("T1-TT", "centre")]
    far = routing.resolve_point(db_session=tree, latitude=21.3, longitude=105.85, radius_km=2)
    assert far.data == []


def test_a_remembered_commune_is_kept_per_citizen_and_can_be_forgotten(tree):
    assert routing.remember(db_session=tree, citizen_ref="cref_abcdefgh", unit_code="T1-HB")
    assert routing.remembered(db_session=tree, citizen_ref="cref_abcdefgh").code == "T1-HB"
    routing.remember(db_session=tree, citizen_ref="cref_abcdefgh", unit_code="T1-TT")
    assert routing.remembered(db_session=tree, citizen_ref="cref_abcdefgh").code == "T1-TT"
    assert routing.forget(db_session=tree, citizen_ref="cref_abcdefgh")
    with pytest.raises(LookupError):
        routing.remembered(db_session=tree, citizen_ref="cref_abcdefgh")


def test_intake_without_a_unit_routes_a_location_inside_a_boundary(tree, settings):
    boundaries.import_geojson(
        db_session=tree,
        text=json.dumps(
            {"type": "FeatureCollection", "features": [square("T1-HB", 105.86, 21.02)]}
        ),
    )
    tip = make_tip(tree, settings, unit_code=None, latitude=21.03, longitude=105.87)
    assert tip.unit_id == units.get_by_code(db_session=tree, code="T1-HB").id
    elsewhere = make_tip(tree, settings, unit_code=None, latitude=10.0, longitude=106.0)
    assert elsewhere.unit_id == units.get_by_code(db_session=tree, code="T1").id


def test_the_bot_resolves_through_the_api_with_its_service_token(tree, client, bot_headers):
    url = "/api/v1/units/resolve"
    assert client.get(url, params={"q": "hoa binh"}).status_code == 401
    typed = client.get(url, params={"q": "p trung tam"}, headers=bot_headers)
    assert typed.status_code == 200 and typed.json()["data"][0]["code"] == "T1-TT"
    text = client.get(url, params={"text": "ở P. Hoà Bình"}, headers=bot_headers).json()
    assert [m["reason"] for m in text["data"]][:1] == ["mention"]
    point = client.get(url, params={"lat": 21.03, "lon": 105.85}, headers=bot_headers).json()
    assert point["data"][0]["code"] == "T1-TT"
    for bad in ({}, {"lat": 21.0}, {"q": "x", "lat": 1, "lon": 1}, {"lat": 91, "lon": 0}):
        assert client.get(url, params=bad, headers=bot_headers).status_code == 422


def test_remembered_unit_endpoints_need_the_service_token(tree, client, bot_headers):
    url = "/api/v1/intake/remembered-unit"
    body = {"citizen_ref": "cref_abcdefgh", "unit_code": "T1-HB"}
    assert client.put(url, json=body).status_code == 401
    assert client.put(url, json=body, headers=bot_headers).json()["code"] == "T1-HB"
    assert client.get(f"{url}/cref_abcdefgh", headers=bot_headers).json()["code"] == "T1-HB"
    assert client.delete(f"{url}/cref_abcdefgh", headers=bot_headers).status_code == 204
    assert client.get(f"{url}/cref_abcdefgh", headers=bot_headers).status_code == 404
    province = {"citizen_ref": "cref_abcdefgh", "unit_code": "T1"}
    assert client.put(url, json=province, headers=bot_headers).status_code == 422
    assert client.get(f"{url}/bad%20ref", headers=bot_headers).status_code == 422


def test_the_status_lookup_names_the_unit_handling_it(tree, settings, client):
    tip = make_tip(tree, settings, unit_code="T1-HB")
    body = client.get(f"/api/v1/status/{tip.tracking_code}").json()
    assert body["unit_name"] == "Công an phường Hòa Bình"


def test_units_csv_takes_optional_centres_and_reports_bad_ones_by_line(db):
    with pytest.raises(units.UnitError) as error:
        units.import_csv(
            db_session=db,
            text="code,name,kind,parent_code,lat,lon\nT,Tỉnh,province,,abc,1\nX,Xã,commune,T,21.0,\n"
            "Y,Xã Y,commune,T,95,105\n",
        )
    message = str(error.value)
    assert "dòng 2" in message and "dòng 3" in message and "dòng 4" in message
    assert units.list_units(db_session=db) == []
    units.import_csv(db_session=db, text="code,name,kind,parent_code\nT,Tỉnh,province,\n")
    result = units.import_csv(
        db_session=db, text="code,name,kind,parent_code,lat,lon\nT,Tỉnh,province,,21.5,105.5\n"
    )
    assert result.centres_updated == 1
    assert units.get_by_code(db_session=db, code="T").latitude == 21.5
