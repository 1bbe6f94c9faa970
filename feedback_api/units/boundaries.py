"""Importing commune/ward boundaries from a GeoJSON FeatureCollection; all or nothing.

Each feature names its unit by a `code` property (the same codes as the units CSV) and carries
a Polygon or MultiPolygon in lon/lat (RFC 7946). Every bad feature is reported with its index
(0-based, as in the file's `features` array) and the reason; nothing is written if any is bad.
A unit without a centre gets one from its boundary (a point inside it), so the "nearest
centre" fallback works for it too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import shapely
from shapely.geometry import mapping, shape
from shapely.validation import explain_validity
from sqlmodel import Session

from feedback_api.audit import service as audit
from feedback_api.clock import utcnow
from feedback_api.units import routing
from feedback_api.units.models import Unit, UnitBoundary
from feedback_api.units.service import UnitError, get_by_code

GEOMETRY_TYPES = ("Polygon", "MultiPolygon")


@dataclass(frozen=True)
class BoundaryImport:
    updated: int
    centres_added: int


def _check_feature(index: int, feature: object, seen: set[str]) -> tuple[str, dict] | str:
    """(code, geometry) for a good feature, else the error line."""
    where = f"feature {index}"
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return f"{where}: không phải một Feature GeoJSON"
    properties = feature.get("properties") or {}
    code = str(properties.get("code") or "").strip() if isinstance(properties, dict) else ""
    if not code:
        return f"{where}: thiếu thuộc tính 'code'"
    where = f"feature {index} (code {code!r})"
    if code in seen:
        return f"{where}: mã lặp lại trong tệp"
    seen.add(code)
    geometry = feature.get("geometry")
    if not isinstance(geometry, dict) or geometry.get("type") not in GEOMETRY_TYPES:
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        return f"{where}: hình học phải là Polygon hoặc MultiPolygon (nhận {kind!r})"
    try:
        shp = shape(geometry)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        return f"{where}: tọa độ không đọc được ({exc})"
    if shp.is_empty:
        return f"{where}: hình học rỗng"
    min_lon, min_lat, max_lon, max_lat = shp.bounds
    if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
        return f"{where}: tọa độ ngoài phạm vi kinh độ/vĩ độ (cần [kinh độ, vĩ độ])"
    if not shp.is_valid:
        return f"{where}: hình học không hợp lệ ({explain_validity(shp)})"
    return code, mapping(shp)


def import_geojson(*, db_session: Session, text: str) -> BoundaryImport:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnitError(f"tệp không phải JSON hợp lệ (dòng {exc.lineno}: {exc.msg})") from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise UnitError("tệp phải là một FeatureCollection GeoJSON")
    features = document.get("features")
    if not isinstance(features, list) or not features:
        raise UnitError("FeatureCollection không có feature nào")
    errors: list[str] = []
    good: list[tuple[int, str, dict]] = []
    seen: set[str] = set()
    for index, feature in enumerate(features):
        checked = _check_feature(index, feature, seen)
        if isinstance(checked, str):
            errors.append(checked)
            continue
        code, geometry = checked
        if get_by_code(db_session=db_session, code=code) is None:
            errors.append(f"feature {index} (code {code!r}): không có đơn vị mã {code!r}")
            continue
        good.append((index, code, geometry))
    if errors:
        raise UnitError("\n".join(errors))
    centres = 0
    try:
        for _index, code, geometry in good:
            unit: Unit = get_by_code(db_session=db_session, code=code)
            row = db_session.get(UnitBoundary, unit.id) or UnitBoundary(
                unit_id=unit.id, geometry=""
            )
            row.geometry = json.dumps(geometry, separators=(",", ":"))
            row.updated_at = utcnow()
            db_session.add(row)
            if unit.latitude is None or unit.longitude is None:
                inside = shapely.geometry.shape(geometry).representative_point()
                unit.latitude, unit.longitude = round(inside.y, 6), round(inside.x, 6)
                centres += 1
            db_session.add(unit)
        audit.record(
            db_session=db_session,
            actor=None,
            action="unit.import_boundaries",
            entity_type="unit",
            entity_id=None,
            after={"updated": len(good), "codes": [code for _i, code, _g in good][:200]},
        )
        db_session.commit()
    except Exception:
        db_session.rollback()
        raise
    routing.forget_caches()  # this process sees the new boundaries at once
    return BoundaryImport(updated=len(good), centres_added=centres)
