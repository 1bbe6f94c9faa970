"""A campaign reaches Zalo followers through the Zalo channel, within Zalo's rules: a citizen
who wrote within the consultation window gets it (the opt-out as a line of text, since by
default a broadcast may carry text only); one outside the window — by our rules, or because
Zalo itself refuses (-230) — is skipped with the reason, shown in the report, never retried."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import select

from bot.storage import zalo_users
from feedback_api.broadcasts import progress, service
from feedback_api.broadcasts.models import Broadcast, BroadcastDelivery
from feedback_api.broadcasts.schemas import BroadcastDraft
from feedback_api.officers import service as officers
from feedback_api.officers.schemas import OfficerCreate
from feedback_api.subscriptions.models import Subscription
from feedback_api.units import service as units
from handlers.texts import t
from tests.bot.broadcast_fixtures import NO_QUIET, PASSWORD, UNITS_CSV
from tests.bot.zalo_world import USER, ZaloWorld

AWAY = "5598765432109876543"  # last wrote 8 days ago: outside the window by our own rules
STALE = "5511122233344455566"  # our record says recent, Zalo says otherwise (-230)
TEXT = "Cảnh báo: không cung cấp mã OTP cho bất kỳ ai."


def _campaign_for(world: ZaloWorld, users: list[str]) -> int:
    """Campaign staff of commune XA write a campaign to its subscribers; a leader approves."""
    with world.db() as db:
        units.import_csv(db_session=db, text=UNITS_CSV)
        xa = units.get_by_code(db_session=db, code="XA")
        people = {}
        for username, role in (("campaign.a", "campaign"), ("leader.a", "leader")):
            officer = officers.create(
                db_session=db,
                actor=None,
                data=OfficerCreate(
                    username=username,
                    full_name=username,
                    role=role,
                    unit_id=xa.id,
                    password=PASSWORD,
                ),
            )
            people[username] = officers.actor_for(db_session=db, officer=officer)
        for user in users:
            ref = world.bot.contacts.citizen_ref("zalo", user)
            db.add(Subscription(citizen_ref=ref, unit_id=xa.id, topics="security", active=True))
        db.commit()
        draft = service.create(
            db_session=db,
            actor=people["campaign.a"],
            data=BroadcastDraft(title="Cảnh báo lừa đảo", text=TEXT),
        )
        service.approve(
            db_session=db,
            actor=people["leader.a"],
            broadcast_id=draft.id,
            revision=draft.revision,
        )
        return draft.id


async def _deliver(world: ZaloWorld) -> None:
    worker = world.bot.broadcasts.worker
    for _ in range(5):
        if await worker.run_once() == 0:
            await world.bot.client.broadcast_claim(limit=1)  # housekeeping closes the campaign
            return


def _states(world: ZaloWorld, campaign_id: int) -> dict[str, tuple[str, str | None]]:
    with world.db() as db:
        rows = db.exec(
            select(BroadcastDelivery).where(BroadcastDelivery.broadcast_id == campaign_id)
        ).all()
        return {row.citizen_ref: (row.state, row.last_error) for row in rows}


def test_a_campaign_reaches_zalo_followers_within_the_window_and_reports_the_rest(
    zalo_world_factory, zalo
):
    async def scenario(world: ZaloWorld):
        for user in (USER, AWAY, STALE):
            await world.say("xin chào", user)
        eight_days_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=8)
        with world.bot.zalo.events._engine.begin() as connection:
            connection.execute(
                sa.update(zalo_users)
                .where(zalo_users.c.user_id == AWAY)
                .values(last_inbound_at=eight_days_ago)
            )
        zalo.user(AWAY).last_interaction = eight_days_ago
        zalo.user(STALE).last_interaction = eight_days_ago  # only Zalo knows
        before = {user: len(zalo.sent(user)) for user in (USER, AWAY, STALE)}
        campaign_id = _campaign_for(world, [USER, AWAY, STALE])

        await _deliver(world)

        received = zalo.texts(USER)[before[USER] :]
        assert len(received) == 1 and received[0].startswith(TEXT)
        assert t("bc.unsubscribe_hint") in received[0]  # text only: the opt-out in words
        assert len(zalo.sent(AWAY)) == before[AWAY]  # never sent in breach of the rules
        assert len(zalo.sent(STALE)) == before[STALE]  # Zalo refused it: nothing delivered
        ref = {u: world.bot.contacts.citizen_ref("zalo", u) for u in (USER, AWAY, STALE)}
        states = _states(world, campaign_id)
        assert states[ref[USER]][0] == "sent"
        for user in (AWAY, STALE):
            state, reason = states[ref[user]]
            assert state == "skipped" and reason.startswith("outside_window")
        with world.db() as db:
            campaign = db.get(Broadcast, campaign_id)
            report = progress.of(db_session=db, broadcast=campaign, settings=world.settings)
        assert campaign.status == "done"
        assert (report.sent, report.skipped, report.pending) == (1, 2, 0)
        assert report.skipped_reasons == {"outside_window": 2}

        # Never retried: another round of the worker sends nobody anything.
        await _deliver(world)
        assert len(zalo.sent(AWAY)) == before[AWAY] and len(zalo.sent(STALE)) == before[STALE]
        assert len(zalo.texts(USER)) == before[USER] + 1

    zalo_world_factory(scenario, api_settings=NO_QUIET)
