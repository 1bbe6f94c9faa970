"""The OA's tokens seen from the bot: an expired token is refreshed transparently and the
rotated refresh token stored; two processes refreshing at once make one refresh at Zalo; a
failed refresh holds messages back (and raises the officers' alert) instead of losing them."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt

from sqlmodel import select

from bot.channels.zalo_setup import seed_zalo_tokens
from bot.channels.zalo_tokens import NoTokens, TokenKeeper
from feedback_api.client import FeedbackClient
from feedback_api.outbox.models import OutboxMessage
from feedback_api.zalo import service
from tests.bot.test_zalo_e2e import officer_replies, report_tip
from tests.bot.zalo_world import USER, ZaloWorld, zalo_settings


def stored_pair(world: ZaloWorld) -> tuple[str, str]:
    """The pair as the database holds it (opened with the server's secret)."""
    from feedback_api.zalo.models import ZaloCredentials
    from feedback_api.zalo.sealing import token_sealer

    with world.db() as db:
        row = db.get(ZaloCredentials, 1)
        sealer = token_sealer(world.app.state.settings.secret_key)
        return sealer.open(row.access_token), sealer.open(row.refresh_token)


def test_an_expired_token_is_refreshed_transparently_and_the_rotation_stored(
    zalo_world_factory, zalo
):
    async def scenario(world: ZaloWorld):
        old_access, old_refresh = stored_pair(world)
        zalo.expire(old_access)  # Zalo now answers -220
        await world.say("xin chào")
        assert world.zalo.texts(USER)  # the citizen noticed nothing
        [refresh] = zalo.refreshes()
        assert refresh.body["refresh_token"] == old_refresh
        assert refresh.headers["secret_key"] == zalo.app_secret
        new_access, new_refresh = stored_pair(world)
        assert new_access != old_access and new_refresh != old_refresh
        assert new_refresh in zalo._refresh and old_refresh not in zalo._refresh
        failed = [c for c in zalo.calls if c.error == -220]
        assert len(failed) == 1  # refreshed once, then the send succeeded

    zalo_world_factory(scenario)


def test_a_token_near_expiry_is_refreshed_before_use(zalo_world_factory, zalo):
    async def scenario(world: ZaloWorld):
        keeper = world.bot.zalo.tokens
        keeper._now = lambda: dt.datetime.now(dt.UTC) + dt.timedelta(hours=24, minutes=30)
        await keeper.ensure_fresh()
        assert len(zalo.refreshes()) == 1
        assert not [c for c in zalo.calls if c.error]

    zalo_world_factory(scenario)


def test_two_processes_refreshing_at_once_make_one_refresh(zalo_world_factory, zalo):
    async def scenario(world: ZaloWorld):
        settings = world.app.state.settings
        zalo.refresh_delay = 0.3
        old_access, _ = stored_pair(world)
        zalo.expire(old_access)
        clients = [FeedbackClient.in_process(world.app, settings.service_token) for _ in (1, 2)]
        keepers = [TokenKeeper(client, world.bot.zalo.api, wait_step=0.05) for client in clients]
        try:
            tokens = await asyncio.gather(*(k.after_rejection(old_access) for k in keepers))
        finally:
            for client in clients:
                await client.aclose()
        assert len(zalo.refreshes()) == 1
        assert tokens[0] == tokens[1] == stored_pair(world)[0]

    zalo_world_factory(scenario)


def test_a_failed_refresh_holds_messages_back_and_raises_the_alert(zalo_world_factory, zalo):
    async def scenario(world: ZaloWorld):
        await report_tip(world)
        access, refresh = stored_pair(world)
        zalo._refresh.discard(refresh)  # Zalo no longer knows it (e.g. revoked)
        zalo.expire(access)
        before = len(zalo.sent(USER))
        officer_replies(world, "Phản hồi khi mã đã hỏng.")
        await world.deliver_outbox()
        assert len(zalo.sent(USER)) == before
        for _ in range(3):  # Zalo is not asked again with a pair it refused
            with contextlib.suppress(NoTokens):
                await world.bot.zalo.tokens.access_token()
        assert len(zalo.refreshes()) == 1
        with world.db() as db:
            message = db.exec(select(OutboxMessage)).one()
            assert message.state == "pending" and "no usable Zalo token" in message.last_error
            assert "-14014" in service.alert(db_session=db)
        # the admin pastes a new pair; the held reply goes out
        new_access, new_refresh = zalo.issue_tokens()
        with world.db() as db:
            from feedback_api.zalo.schemas import ZaloTokensCreate

            service.store(
                db_session=db,
                secret=world.app.state.settings.secret_key,
                data=ZaloTokensCreate(access_token=new_access, refresh_token=new_refresh),
            )
            db.exec(select(OutboxMessage)).one().not_before = dt.datetime.now(dt.UTC)
            db.commit()
        world.bot.zalo.tokens._cached = None
        await world.deliver_outbox()
        assert "Phản hồi khi mã đã hỏng." in world.last_text()
        with world.db() as db:
            assert service.alert(db_session=db) is None

    zalo_world_factory(scenario)


def test_first_tokens_come_from_the_environment_once(zalo_world_factory, zalo, tmp_path):
    async def scenario(world: ZaloWorld):
        with_env = zalo_settings(
            tmp_path, zalo, zalo_access_token="env-access-1111", zalo_refresh_token="env-ref-1111"
        )
        await seed_zalo_tokens(with_env, world.bot.zalo)
        assert stored_pair(world) == ("env-access-1111", "env-ref-1111")
        later = zalo_settings(
            tmp_path, zalo, zalo_access_token="env-access-2222", zalo_refresh_token="env-ref-2222"
        )
        await seed_zalo_tokens(later, world.bot.zalo)
        assert stored_pair(world) == ("env-access-1111", "env-ref-1111")  # the database rules

    zalo_world_factory(scenario, seed_tokens=False)


def test_without_tokens_the_webhook_works_and_replies_wait(zalo_world_factory, zalo):
    async def scenario(world: ZaloWorld):
        await world.say("xin chào")
        assert zalo.sent() == []
        assert world.bot.zalo.events.retryable()  # kept, retried once tokens exist
        try:
            await world.bot.zalo.tokens.access_token()
        except NoTokens:
            pass
        else:
            raise AssertionError("no tokens were stored")
        for _ in range(6):  # more passes than an event's attempts: its stored answer waits
            await world.bot.zalo.retry_pending()
        access, refresh = zalo.issue_tokens()
        await world.bot.zalo.tokens.seed(access_token=access, refresh_token=refresh, expires_in=9e4)
        await world.bot.zalo.retry_pending()
        assert zalo.texts(USER)

    zalo_world_factory(scenario, seed_tokens=False)
