"""Unit tree rules: creation under a parent, subtree scoping, CSV import with line errors."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from sqlmodel import Session, col, select

from feedback_api.audit import service as audit
from feedback_api.permissions import Action, Actor, Forbidden
from feedback_api.units.models import Unit
from feedback_api.units.schemas import UnitCreate

CSV_COLUMNS = ("code", "name", "kind", "parent_code")
OPTIONAL_COLUMNS = ("lat", "lon")  # the unit's centre, decimal degrees (WGS84)


class UnitError(ValueError):
    pass


def get(*, db_session: Session, unit_id: int) -> Unit | None:
    return db_session.get(Unit, unit_id)


def get_by_code(*, db_session: Session, code: str) -> Unit | None:
    return db_session.exec(select(Unit).where(Unit.code == code)).first()


def contains(*, ancestor: Unit, unit: Unit) -> bool:
    return unit.path.startswith(ancestor.path)


def list_units(*, db_session: Session, within: Unit | None = None) -> list[Unit]:
    query = select(Unit).order_by(col(Unit.path))
    if within is not None:
        query = query.where(col(Unit.path).startswith(within.path))
    return list(db_session.exec(query))


def _add(db_session: Session, data: UnitCreate) -> Unit:
    if get_by_code(db_session=db_session, code=data.code):
        raise UnitError(f"mã đơn vị {data.code!r} đã tồn tại")
    parent = None
    if data.parent_code:
        parent = get_by_code(db_session=db_session, code=data.parent_code)
        if parent is None:
            raise UnitError(f"không có đơn vị cấp trên mã {data.parent_code!r}")
    unit = Unit(
        code=data.code,
        name=data.name.strip(),
        kind=data.kind or "commune",
        parent_id=parent.id if parent else None,
        latitude=data.latitude,
        longitude=data.longitude,
    )
    db_session.add(unit)
    db_session.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    db_session.add(unit)
    return unit


def create(*, db_session: Session, data: UnitCreate) -> Unit:
    unit = _add(db_session, data)
    db_session.commit()
    return unit


def create_in_reach(*, db_session: Session, actor: Actor, data: UnitCreate) -> Unit:
    """An admin adds a unit under one they manage (a top-level unit needs a top-level admin)."""
    actor.require(Action.MANAGE_UNITS)
    if data.parent_code:
        parent = get_by_code(db_session=db_session, code=data.parent_code)
        if parent is None or not actor.reaches(parent.path):
            raise UnitError(f"không có đơn vị cấp trên mã {data.parent_code!r} trong phạm vi")
    elif not actor.at_top:
        raise Forbidden("only a top-level admin may create a top-level unit")
    unit = _add(db_session, data)
    audit.record(
        db_session=db_session,
        actor=actor,
        action="unit.create",
        entity_type="unit",
        entity_id=unit.id,
        after={"code": unit.code, "name": unit.name},
    )
    db_session.commit()
    return unit


@dataclass(frozen=True)
class ImportResult:
    created: int
    skipped: int
    centres_updated: int = 0


def import_csv_as(*, db_session: Session, actor: Actor, text: str) -> ImportResult:
    """An admin's import from the web view: only a top-level admin reshapes the unit tree."""
    actor.require(Action.MANAGE_UNITS)
    if not actor.at_top:
        raise Forbidden("only a top-level admin may import units")
    result = import_csv(db_session=db_session, text=text)
    audit.record(
        db_session=db_session,
        actor=actor,
        action="unit.import",
        entity_type="unit",
        entity_id=None,
        after={"created": result.created, "skipped": result.skipped},
    )
    db_session.commit()
    return result


def _coordinate(row: dict, column: str) -> float | None:
    raw = (row.get(column) or "").strip().replace(",", ".")
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"cột {column}: {raw!r} không phải số") from None


def import_csv(*, db_session: Session, text: str) -> ImportResult:
    """Import units from CSV (code,name,kind,parent_code[,lat,lon]); all or nothing.

    Rows may come in any order: a child before its parent is retried after the others. Every
    bad row is reported with its line number and nothing is written if any row is bad. Units
    whose code already exists are skipped, so re-importing the same file is harmless; a row
    that gives a centre updates an existing unit's centre (centres often come later).
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in ("code", "name") if c not in (reader.fieldnames or [])]
    if missing:
        raise UnitError(f"dòng 1: thiếu cột {', '.join(missing)} (cần: {', '.join(CSV_COLUMNS)})")
    errors: list[str] = []
    pending: list[tuple[int, UnitCreate]] = []
    seen: set[str] = set()
    for line, row in enumerate(reader, start=2):
        try:
            latitude, longitude = _coordinate(row, "lat"), _coordinate(row, "lon")
        except ValueError as exc:
            errors.append(f"dòng {line}: {exc}")
            continue
        try:
            data = UnitCreate(
                code=(row.get("code") or "").strip(),
                name=(row.get("name") or "").strip(),
                kind=(row.get("kind") or "commune").strip() or "commune",
                parent_code=(row.get("parent_code") or "").strip() or None,
                latitude=latitude,
                longitude=longitude,
            )
        except ValueError as exc:
            first = exc.errors()[0] if hasattr(exc, "errors") else {"loc": ("?",), "msg": str(exc)}
            field = str(first["loc"][0]) if first["loc"] else "lat, lon"
            column = {"latitude": "lat", "longitude": "lon"}.get(field, field)
            errors.append(f"dòng {line}: cột {column}: {first['msg']}")
            continue
        if data.code in seen:
            errors.append(f"dòng {line}: mã {data.code!r} lặp lại trong tệp")
            continue
        seen.add(data.code)
        pending.append((line, data))
    created = skipped = centres = 0
    try:
        while pending and not errors:
            progress = False
            waiting = []
            for line, data in pending:
                existing = get_by_code(db_session=db_session, code=data.code)
                if existing:
                    skipped += 1
                    progress = True
                    if data.latitude is not None and (
                        (existing.latitude, existing.longitude) != (data.latitude, data.longitude)
                    ):
                        existing.latitude, existing.longitude = data.latitude, data.longitude
                        db_session.add(existing)
                        centres += 1
                elif data.parent_code and not get_by_code(
                    db_session=db_session, code=data.parent_code
                ):
                    waiting.append((line, data))
                else:
                    _add(db_session, data)
                    created += 1
                    progress = True
            if not progress:
                errors.extend(
                    f"dòng {line}: không có đơn vị cấp trên mã {data.parent_code!r}"
                    for line, data in waiting
                )
            pending = waiting
        if errors:
            raise UnitError("\n".join(errors))
        db_session.commit()
    except Exception:
        db_session.rollback()
        raise
    return ImportResult(created=created, skipped=skipped, centres_updated=centres)
