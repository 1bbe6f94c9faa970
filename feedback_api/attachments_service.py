"""Attachment rules: which submission may receive files, how many, and who may read them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import BinaryIO

from sqlmodel import Session, col, func, select

from feedback_api.attachments.storage import AttachmentRejected, AttachmentStore
from feedback_api.audit import service as audit
from feedback_api.clock import utcnow
from feedback_api.permissions import Action, Actor, NotFound
from feedback_api.submissions.models import Attachment
from feedback_api.submissions.service import by_code, get_in_reach

THUMBNAIL_GRACE = dt.timedelta(minutes=30)


class TooManyAttachments(ValueError):
    message_vi = "Mỗi tin chỉ gửi kèm được tối đa {limit} tệp."


def add(
    *,
    db_session: Session,
    store: AttachmentStore,
    code: str,
    data: bytes | BinaryIO,
    filename: str | None,
    content_type: str | None,
    max_per_submission: int,
) -> Attachment:
    """Store a citizen's file for a submission. Raises AttachmentRejected / TooManyAttachments.

    The same file sent twice (a retried upload) is recorded once.
    """
    submission = by_code(db_session=db_session, code=code)
    existing = list(
        db_session.exec(select(Attachment).where(Attachment.submission_id == submission.id))
    )
    if len(existing) >= max_per_submission:
        raise TooManyAttachments(max_per_submission)
    stored = store.store(data, claimed_name=filename, claimed_type=content_type)
    for attachment in existing:
        if attachment.sha256 == stored.sha256:
            return attachment
    attachment = Attachment(
        submission_id=submission.id,
        sha256=stored.sha256,
        public_sha256=stored.public_sha256,
        mime=stored.mime,
        size=stored.size,
        width=stored.width,
        height=stored.height,
    )
    db_session.add(attachment)
    db_session.commit()
    return attachment


def list_for(*, db_session: Session, actor: Actor, submission_id: int) -> list[Attachment]:
    submission = get_in_reach(db_session=db_session, actor=actor, submission_id=submission_id)
    return list(
        db_session.exec(
            select(Attachment)
            .where(Attachment.submission_id == submission.id)
            .order_by(col(Attachment.id))
        )
    )


def count_for(*, db_session: Session, submission_id: int) -> int:
    return db_session.exec(
        select(func.count())
        .select_from(Attachment)
        .where(Attachment.submission_id == submission_id)
    ).one()


def open_for(
    *,
    db_session: Session,
    store: AttachmentStore,
    actor: Actor,
    attachment_id: int,
    sealed: bool,
    ip: str | None = None,
    thumbnail: bool = False,
) -> tuple[Path, Attachment]:
    """The file an officer may read: the stripped copy, or (admins) the sealed original.

    Every read is audited, except a `thumbnail` shown inside a detail page the officer opened
    in the last THUMBNAIL_GRACE: that page view is already recorded (with the images on it),
    and counting each picture again made one look at a tip read as several. A thumbnail asked
    for without such a view is recorded like any other read, so the flag hides nothing."""
    attachment = db_session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound("attachment")
    get_in_reach(db_session=db_session, actor=actor, submission_id=attachment.submission_id)
    if sealed:
        actor.require(Action.VIEW_SEALED_ORIGINALS)
        path = store.sealed_path(attachment.sha256)
    else:
        path = store.public_path(attachment.public_sha256)
    if (
        thumbnail
        and not sealed
        and audit.viewed_since(
            db_session=db_session,
            actor_id=actor.officer_id,
            submission_id=attachment.submission_id,
            since=utcnow() - THUMBNAIL_GRACE,
        )
    ):
        return path, attachment
    audit.record(
        db_session=db_session,
        actor=actor,
        action="attachment.original" if sealed else "attachment.view",
        entity_type="submission",
        entity_id=attachment.submission_id,
        after={"attachment_id": attachment.id},
        ip=ip,
    )
    db_session.commit()
    return path, attachment


__all__ = ["AttachmentRejected", "TooManyAttachments", "add", "count_for", "list_for", "open_for"]
