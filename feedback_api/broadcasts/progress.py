"""How far a campaign has got: counts per outcome, the recent rate and an ETA (test sends are
not counted). One grouped count over the (broadcast_id, state) index."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func
from sqlmodel import Session, col, select

from feedback_api.broadcasts import quiet
from feedback_api.broadcasts.models import Broadcast, BroadcastDelivery, DeliveryState
from feedback_api.broadcasts.schemas import Progress
from feedback_api.clock import utcnow
from feedback_api.settings import Settings

RATE_WINDOW = 30  # seconds
# Why a recipient was skipped (the reason a delivery's last_error starts with), for the page.
SKIP_REASONS = {
    "unsubscribed": "đã huỷ đăng ký",
    "outside_window": "ngoài khung tư vấn của Zalo (người dân chưa nhắn trong 7 ngày)",
    "user_quota": "vượt số tin Zalo cho một người trong ngày",
    "type_not_allowed": "loại tin Zalo không cho phép gửi hàng loạt",
}


def skip_reasons(*, db_session: Session, broadcast_id: int) -> dict[str, int]:
    """Skipped recipients by reason ("outside_window", "unsubscribed", …)."""
    rows = db_session.exec(
        select(BroadcastDelivery.last_error, func.count())
        .where(
            BroadcastDelivery.broadcast_id == broadcast_id,
            BroadcastDelivery.test_seq == 0,
            BroadcastDelivery.state == DeliveryState.SKIPPED,
        )
        .group_by(BroadcastDelivery.last_error)
    )
    reasons: dict[str, int] = {}
    for error, n in rows:
        reason = (error or "unsubscribed").split(":", 1)[0].strip()
        reasons[reason] = reasons.get(reason, 0) + n
    return reasons


def of(
    *, db_session: Session, broadcast: Broadcast, settings: Settings, now: dt.datetime | None = None
) -> Progress:
    now = now or utcnow()
    rows = db_session.exec(
        select(BroadcastDelivery.state, func.count())
        .where(BroadcastDelivery.broadcast_id == broadcast.id, BroadcastDelivery.test_seq == 0)
        .group_by(BroadcastDelivery.state)
    )
    counts = {state: n for state, n in rows}
    recent = db_session.exec(
        select(func.count()).where(
            BroadcastDelivery.broadcast_id == broadcast.id,
            BroadcastDelivery.test_seq == 0,
            col(BroadcastDelivery.sent_at) >= now - dt.timedelta(seconds=RATE_WINDOW),
        )
    ).one()
    if broadcast.started_at is not None:
        started = broadcast.started_at
        if started.tzinfo is None:
            started = started.replace(tzinfo=dt.UTC)
        window = min(RATE_WINDOW, max(1.0, (now - started).total_seconds()))
    else:
        window = RATE_WINDOW
    rate = recent / window
    pending = sum(counts.get(s, 0) for s in ("pending", "leased", "sending"))
    total = sum(counts.values())
    if not broadcast.expansion_done:
        pending += max(0, broadcast_estimate(broadcast) - total)
        total = max(total, broadcast_estimate(broadcast))
    return Progress(
        broadcast_id=broadcast.id,
        status=broadcast.status,
        total=total,
        expansion_done=broadcast.expansion_done,
        sent=counts.get(DeliveryState.SENT, 0),
        failed=counts.get(DeliveryState.FAILED, 0),
        blocked=counts.get(DeliveryState.BLOCKED, 0),
        unknown=counts.get(DeliveryState.UNKNOWN, 0),
        skipped=counts.get(DeliveryState.SKIPPED, 0),
        skipped_reasons=(
            skip_reasons(db_session=db_session, broadcast_id=broadcast.id)
            if counts.get(DeliveryState.SKIPPED)
            else {}
        ),
        cancelled=counts.get(DeliveryState.CANCELLED, 0),
        pending=pending,
        rate=round(rate, 2),
        eta_seconds=round(pending / rate, 1) if rate > 0 and pending else None,
        quiet_now=quiet.is_quiet(now, settings),
    )


def broadcast_estimate(broadcast: Broadcast) -> int:
    return broadcast.recipients
