"""FAQ answers served: counted for the reports, kept without who asked or what they typed.

The bot reports each answer it shows (an entry's short answer, first time per question); the
figure "legal questions answered by the bot" is then a count over these rows, by unit subtree
when the citizen's commune is known and for the whole system otherwise.
"""

from __future__ import annotations

from sqlalchemy import insert
from sqlmodel import Session

from feedback_api.clock import utcnow
from feedback_api.knowledge.models import AnswerServed
from feedback_api.knowledge.schemas import AnswerServedCreate
from feedback_api.units import routing
from feedback_api.units.service import get_by_code


def record_many(*, db_session: Session, items: list[AnswerServedCreate]) -> int:
    """Keep a batch of served answers in one transaction. The commune is the one the bot named,
    else the one the citizen let us remember; a code the server does not know is kept as
    unknown (the count still holds, it only drops out of commune reports)."""
    units: dict[str, int | None] = {}
    rows: list[dict] = []
    served_at = utcnow()  # the batch arrives within seconds of the answers
    unnamed = {item.citizen_ref for item in items if item.citizen_ref and not item.unit_code}
    # One query for the batch's citizens, not one per answer.
    remembered = routing.remembered_codes(db_session=db_session, citizen_refs=unnamed)
    for item in items:
        code = item.unit_code or (remembered.get(item.citizen_ref) if item.citizen_ref else None)
        if code and code not in units:
            unit = get_by_code(db_session=db_session, code=code)
            units[code] = unit.id if unit else None
        rows.append(
            {
                "entry_slug": item.entry_id,
                "channel": item.channel,
                "unit_id": units.get(code) if code else None,
                "served_at": served_at,
            }
        )
    if rows:  # one multi-row INSERT: a model object per answer cost more than the insert
        db_session.execute(insert(AnswerServed.__table__), rows)
    db_session.commit()
    return len(items)
