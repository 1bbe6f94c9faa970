"""Importing commune boundaries: every bad feature reported by index and reason, nothing
imported then; `langnghe units import-boundaries` prints the same."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from feedback_api.units import boundaries
from feedback_api.units import service as units
from feedback_api.units.models import UnitBoundary
from langnghe.cli import app

TREE = (
    "code,name,kind,parent_code\nT,Công an tỉnh,province,\nA,Công an xã A,commune,T\n"
    "B,Công an xã B,commune,T\n"
)
GOOD = [[105.0, 21.0], [105.1, 21.0], [105.1, 21.1], [105.0, 21.1], [105.0, 21.0]]
BOWTIE = [[105.0, 21.0], [105.1, 21.1], [105.1, 21.0], [105.0, 21.1], [105.0, 21.0]]


def feature(code, ring, kind="Polygon"):
    return {
        "type": "Feature",
        "properties": {"code": code} if code else {},
        "geometry": {"type": kind, "coordinates": [ring] if kind == "Polygon" else ring},
    }


def collection(*features):
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


def test_a_bad_file_is_reported_by_feature_index_and_nothing_is_imported(db):
    units.import_csv(db_session=db, text=TREE)
    text = collection(
        feature("A", GOOD),  # 0: fine, but must not be imported while others are bad
        feature("NOPE", GOOD),  # 1: no such unit
        feature(None, GOOD),  # 2: no code
        feature("A", BOWTIE),  # 3: duplicate code (reported before geometry)
        {"type": "Feature", "properties": {"code": "T"}, "geometry": {"type": "Point"}},  # 4
        feature("B", [[21.0, 205.0], [21.1, 205.0], [21.1, 205.1], [21.0, 205.0]]),  # 5
    )
    with pytest.raises(units.UnitError) as error:
        boundaries.import_geojson(db_session=db, text=text)
    lines = str(error.value).splitlines()
    assert [line.split(":")[0].split(" ")[1] for line in lines] == ["1", "2", "3", "4", "5"]
    assert "NOPE" in lines[0] and "code" in lines[1] and "lặp" in lines[2]
    assert "Polygon" in lines[3] and "phạm vi" in lines[4]
    assert db.get(UnitBoundary, units.get_by_code(db_session=db, code="A").id) is None


def test_a_self_intersecting_polygon_is_refused_with_the_reason(db):
    units.import_csv(db_session=db, text=TREE)
    with pytest.raises(units.UnitError, match=r"feature 0 .*không hợp lệ \(Self-intersection"):
        boundaries.import_geojson(db_session=db, text=collection(feature("A", BOWTIE)))


@pytest.mark.parametrize(
    "text", ["not json", "[]", '{"type": "FeatureCollection", "features": []}']
)
def test_a_file_that_is_not_a_feature_collection_is_refused(db, text):
    with pytest.raises(units.UnitError):
        boundaries.import_geojson(db_session=db, text=text)


def test_a_good_file_sets_boundaries_and_a_centre_inside_them(db):
    units.import_csv(db_session=db, text=TREE)
    result = boundaries.import_geojson(db_session=db, text=collection(feature("A", GOOD)))
    assert (result.updated, result.centres_added) == (1, 1)
    unit = units.get_by_code(db_session=db, code="A")
    assert json.loads(db.get(UnitBoundary, unit.id).geometry)["type"] == "Polygon"
    assert 21.0 < unit.latitude < 21.1 and 105.0 < unit.longitude < 105.1


def test_the_command_reports_errors_and_imports_a_good_file(tmp_path, monkeypatch):
    monkeypatch.setenv("LANGNGHE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("LANGNGHE_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    (tmp_path / "units.csv").write_text(TREE, encoding="utf-8")
    assert runner.invoke(app, ["units", "import", str(tmp_path / "units.csv")]).exit_code == 0
    bad = tmp_path / "bad.geojson"
    bad.write_text(collection(feature("A", GOOD), feature("ZZ", GOOD)), encoding="utf-8")
    result = runner.invoke(app, ["units", "import-boundaries", str(bad)])
    assert result.exit_code == 1
    assert "nothing imported" in result.output and "feature 1 (code 'ZZ')" in result.output
    good = tmp_path / "good.geojson"
    good.write_text(collection(feature("A", GOOD)), encoding="utf-8")
    result = runner.invoke(app, ["units", "import-boundaries", str(good)])
    assert result.exit_code == 0 and "boundaries of 1 unit(s)" in result.output
