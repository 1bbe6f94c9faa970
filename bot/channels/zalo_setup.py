"""Building the Zalo channel from settings (called by the composition root, bot/runtime.py)."""

from __future__ import annotations

import logging

import httpx
from sqlalchemy.engine import Engine as Database

from bot.channels.zalo import ZaloChannel
from bot.channels.zalo_api import ZaloApi
from bot.channels.zalo_log import ZaloEventLog
from bot.channels.zalo_rules import MESSAGE_TYPES, ZaloRules, ZaloRulesConfig
from bot.channels.zalo_tokens import TokenKeeper
from bot.contacts import ContactRegistry
from bot.ratelimit import SharedSlots
from bot.settings import BotSettings
from feedback_api.client import FeedbackClient
from handlers.engine import Engine

log = logging.getLogger(__name__)

FIRST_TOKEN_SECONDS = 90_000  # Zalo's ≈25 hours; the admin page shows the real expiry later


def rules_config(settings: BotSettings) -> ZaloRulesConfig:
    types = {t.strip() for t in settings.zalo_broadcast_types.split(",") if t.strip()}
    unknown = types - set(MESSAGE_TYPES)
    if unknown:
        raise ValueError(f"LANGNGHE_ZALO_BROADCAST_TYPES: unknown types {sorted(unknown)}")
    return ZaloRulesConfig(
        window_days=settings.zalo_window_days,
        user_daily_quota=settings.zalo_user_daily_quota,
        daily_quota=settings.zalo_daily_quota,
        broadcast_types=frozenset(types),
    )


def build_zalo(
    settings: BotSettings,
    engine: Engine,
    db: Database,
    client: FeedbackClient,
    contacts: ContactRegistry,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    rate: SharedSlots | None = None,
) -> ZaloChannel:
    api = ZaloApi(
        api_url=settings.zalo_api_url,
        oauth_url=settings.zalo_oauth_url,
        app_id=settings.zalo_app_id,
        app_secret=settings.zalo_app_secret.get_secret_value(),
        media_hosts=tuple(h.strip() for h in settings.zalo_media_hosts.split(",")),
        transport=transport,
    )
    return ZaloChannel(
        engine=engine,
        events=ZaloEventLog(db),
        api=api,
        tokens=TokenKeeper(client, api, margin_seconds=settings.zalo_token_refresh_margin_seconds),
        contacts=contacts,
        rules=ZaloRules(db, rules_config(settings)),
        app_id=settings.zalo_app_id,
        oa_secret_key=settings.zalo_oa_secret_key.get_secret_value(),
        max_age_seconds=settings.zalo_webhook_max_age_seconds,
        max_file_bytes=settings.max_photo_bytes,
        rate=rate,
    )


async def seed_zalo_tokens(settings: BotSettings, zalo: ZaloChannel) -> None:
    """LANGNGHE_ZALO_ACCESS_TOKEN / _REFRESH_TOKEN, taken at the first start only."""
    access = settings.zalo_access_token.get_secret_value()
    refresh = settings.zalo_refresh_token.get_secret_value()
    if not (access and refresh):
        return
    try:
        stored = await zalo.tokens.seed(
            access_token=access, refresh_token=refresh, expires_in=FIRST_TOKEN_SECONDS
        )
    except Exception:
        log.exception("could not store the first Zalo tokens")
        return
    if stored:
        log.info("first Zalo tokens stored from the environment")
