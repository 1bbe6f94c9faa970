"""Retention: closed submissions of a given kind and final status are purged N months after
they were closed, with their notes, queued messages and attachment files.

Why it is built this way:

* Rules are per kind *and* final status (`{"tip/rejected": 6}`): a rejected tip is kept for
  months, a resolved one maybe for years; an open submission is never purged, whatever the
  rules say (only final statuses are accepted as keys).
* The audit log is kept (it is append-only in the database anyway): each purge batch adds one
  `retention.purge` event naming the rule, the submission ids and counts, no personal data.
* Attachment files are content-addressed and may be shared by two submissions (the same photo
  sent twice): a file is deleted only when no remaining attachment row refers to it. Files are
  removed after the database commit, so a crash leaves at worst an unreferenced file, never a
  row pointing at nothing.
* `plan()` is what `langnghe purge --dry-run` prints; `purge()` does exactly that plan.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, update
from sqlmodel import Session, col, delete, select

from feedback_api.audit import service as audit
from feedback_api.clock import utcnow
from feedback_api.outbox.models import OutboxMessage
from feedback_api.submissions.models import CLOSED, Attachment, Kind, Note, Submission

BATCH = 500


def validate_rules(rules: Mapping[str, int]) -> None:
    """Keys are "kind/status" with a final status; values are whole months ≥ 1."""
    kinds = {str(k) for k in Kind}
    finals = {str(s) for s in CLOSED}
    for key, months in rules.items():
        kind, _, status = key.partition("/")
        if kind not in kinds or status not in finals:
            raise ValueError(
                f"retention rule {key!r}: expected kind/status with kind in {sorted(kinds)} "
                f"and a final status in {sorted(finals)}"
            )
        if not isinstance(months, int) or months < 1:
            raise ValueError(f"retention rule {key!r}: months must be a whole number ≥ 1")


def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day `months` calendar months earlier (clamped to the month's last day)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    next_first = dt.date(year + (month == 12), month % 12 + 1, 1)
    last_day = (next_first - dt.timedelta(days=1)).day
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))


@dataclass
class RulePlan:
    rule: str
    months: int
    cutoff: dt.datetime
    submission_ids: list[int] = field(default_factory=list)
    attachments: int = 0


@dataclass
class PurgePlan:
    rules: list[RulePlan]
    files: list[Path]

    @property
    def submissions(self) -> int:
        return sum(len(r.submission_ids) for r in self.rules)

    @property
    def attachments(self) -> int:
        return sum(r.attachments for r in self.rules)


def _closed_at():
    return func.coalesce(Submission.closed_at, Submission.updated_at)


def _files_only_referenced_by(db: Session, ids: list[int], root: Path) -> list[Path]:
    """Attachment files of these submissions that no other submission's attachment uses."""
    files: list[Path] = []
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        rows = db.exec(
            select(Attachment.sha256, Attachment.public_sha256).where(
                col(Attachment.submission_id).in_(chunk)
            )
        ).all()
        for sha, public_sha in rows:
            for area, digest in (("sealed", sha), ("public", public_sha)):
                column = Attachment.sha256 if area == "sealed" else Attachment.public_sha256
                kept = db.exec(
                    select(func.count())
                    .select_from(Attachment)
                    .where(column == digest, col(Attachment.submission_id).not_in(ids))
                ).one()
                if not kept:
                    files.append(root / area / digest[:2] / digest)
    return sorted(set(files))


def plan(
    *,
    db_session: Session,
    rules: Mapping[str, int],
    attachments_root: Path,
    now: dt.datetime | None = None,
) -> PurgePlan:
    validate_rules(rules)
    now = now or utcnow()
    plans: list[RulePlan] = []
    for key, months in sorted(rules.items()):
        kind, _, status = key.partition("/")
        cutoff = months_before(now, months)
        ids = list(
            db_session.exec(
                select(Submission.id)
                .where(Submission.kind == kind, Submission.status == status, _closed_at() < cutoff)
                .order_by(Submission.id)
            ).all()
        )
        attachments = 0
        for start in range(0, len(ids), BATCH):
            attachments += db_session.exec(
                select(func.count())
                .select_from(Attachment)
                .where(col(Attachment.submission_id).in_(ids[start : start + BATCH]))
            ).one()
        plans.append(RulePlan(key, months, cutoff, ids, attachments))
    all_ids = [i for p in plans for i in p.submission_ids]
    files = _files_only_referenced_by(db_session, all_ids, Path(attachments_root))
    return PurgePlan(plans, files)


def purge(
    *,
    db_session: Session,
    rules: Mapping[str, int],
    attachments_root: Path,
    now: dt.datetime | None = None,
) -> PurgePlan:
    """Delete what `plan()` finds, in batches, each batch with its audit event."""
    found = plan(db_session=db_session, rules=rules, attachments_root=attachments_root, now=now)
    for rule in found.rules:
        for start in range(0, len(rule.submission_ids), BATCH):
            chunk = rule.submission_ids[start : start + BATCH]
            # A kept submission marked "duplicate of" a purged one forgets the link.
            db_session.exec(
                update(Submission)
                .where(col(Submission.duplicate_of_id).in_(chunk))
                .values(duplicate_of_id=None)
            )
            counts = {}
            for model in (Note, OutboxMessage, Attachment):
                result = db_session.exec(delete(model).where(col(model.submission_id).in_(chunk)))
                counts[model.__tablename__] = result.rowcount
            db_session.exec(delete(Submission).where(col(Submission.id).in_(chunk)))
            audit.record(
                db_session=db_session,
                actor=None,
                action="retention.purge",
                entity_type="retention",
                entity_id=None,
                after={
                    "rule": rule.rule,
                    "months": rule.months,
                    "cutoff": rule.cutoff.isoformat(),
                    "submission_ids": chunk,
                    "notes": counts["note"],
                    "outbox_messages": counts["outbox_message"],
                    "attachments": counts["attachment"],
                },
            )
            db_session.commit()
    for path in found.files:
        path.unlink(missing_ok=True)
    return found


__all__ = ["PurgePlan", "RulePlan", "months_before", "plan", "purge", "validate_rules"]
