"""FAQ answers served: counted for the reports, kept without who asked or what they typed.

The bot reports each answer it shows (an entry's short answer, first time per question); the
figure "legal questions answered by the bot" is then a count over these rows, by unit subtree
when the citizen's commune is known and for the whole system otherwise.
"""

from __future__ import annotations

from sqlmodel import Session

from feedback_api.knowledge.models import AnswerServed
from feedback_api.knowledge.schemas import AnswerServedCreate
from feedback_api.units.service import get_by_code


def record(*, db_session: Session, data: AnswerServedCreate) -> AnswerServed:
    """Keep one served answer; a commune code the server does not know is kept as unknown
    (the count still holds, it only drops out of commune reports)."""
    unit = get_by_code(db_session=db_session, code=data.unit_code) if data.unit_code else None
    row = AnswerServed(
        entry_slug=data.entry_id, channel=data.channel, unit_id=unit.id if unit else None
    )
    db_session.add(row)
    db_session.commit()
    return row
