"""Settings of the bot side (LANGNGHE_* variables, like the server's), passed in, never global.

Secrets are SecretStr (never printed in a repr or a log line), and in production the bot refuses
to start with a default or short service token or webhook secret, as the server does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from feedback_api.settings import DEFAULT_SERVICE_TOKEN, InsecureSettingsError

MIN_SECRET_CHARS = 32


class BotSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LANGNGHE_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("var")
    bot_database_url: str = ""
    # Empty: the bot talks to the feedback API inside the same process (ASGI transport).
    feedback_api_url: str = ""
    service_token: SecretStr = SecretStr(DEFAULT_SERVICE_TOKEN)
    public_url: str = ""
    telegram_token: SecretStr = SecretStr("")
    telegram_webhook_secret: SecretStr = SecretStr("")
    # For tests and self-hosted Bot API servers; empty means api.telegram.org.
    telegram_api_url: str = ""
    telegram_file_url: str = ""
    max_photo_bytes: int = 10 * 1024 * 1024  # photos and documents
    max_media_bytes: int = 20 * 1024 * 1024  # video and audio (Telegram's getFile limit)
    sender_per_second: float = 25.0  # only with shared_send_rate off: this process alone
    # Pace every message the bot sends (sender, replies to updates) by send slots from the rate
    # bucket in the feedback database, shared by every process (LANGNGHE_BROADCAST_PER_SECOND,
    # LANGNGHE_ZALO_PER_SECOND). Off: a per-process bucket (one process only).
    shared_send_rate: bool = True
    sender_idle_seconds: float = 2.0
    # How long a reply to a citizen who blocked the bot waits before it is tried again.
    sender_blocked_hold_seconds: float = 900.0
    telegram_retry_seconds: float = 15.0
    # Broadcast delivery: `make run` runs one worker inside the server process; more run as
    # `langnghe worker` processes (they share the rate through the database).
    broadcast_worker_in_server: bool = True
    broadcast_batch: int = 200
    broadcast_lease_seconds: int = 60
    broadcast_idle_seconds: float = 1.0
    # Days a processed update's record (id and state only) is kept for duplicate detection.
    telegram_update_retention_days: float = 7
    # A submission the feedback API could not take is retried with backoff up to this pause.
    pending_submission_max_backoff_seconds: float = 600.0
    pending_submission_retry_seconds: float = 10.0
    # How often (at most, and only when messages arrive) the live FAQ's version is checked.
    knowledge_check_seconds: float = 10.0
    # How long the message that noticed a new version waits for the rebuilt FAQ (else: next one).
    knowledge_wait_seconds: float = 1.0
    # The same variables as the server's (feedback_api.settings): LANGNGHE_COOKIE_SECURE sets
    # the Secure flag of the web chat cookie; LANGNGHE_SECRET_KEY signs web chat sessions.
    cookie_secure: bool = False
    secret_key: str = ""
    # A shared phone forgets its web chat after this many hours without a message (the
    # cookie's lifetime, renewed by use; an older conversation is deleted at the next visit).
    webchat_idle_hours: float = 24.0

    # Zalo Official Account. The webhook is served once the three credentials are set; messages
    # go out once tokens exist (the two token variables are read at the first start only: the
    # database holds the pair from then on, refreshed automatically; or paste it on the admin
    # page /officer/admin/zalo).
    zalo_app_id: str = ""
    zalo_app_secret: SecretStr = SecretStr("")
    zalo_oa_secret_key: SecretStr = SecretStr("")
    zalo_access_token: SecretStr = SecretStr("")
    zalo_refresh_token: SecretStr = SecretStr("")
    zalo_api_url: str = "https://openapi.zalo.me"
    zalo_oauth_url: str = "https://oauth.zaloapp.com"
    # Files citizens send are downloaded over HTTPS from these hosts (and their subdomains) only.
    zalo_media_hosts: str = "zdn.vn,zadn.vn,zalo.me,zaloapp.com"
    zalo_webhook_max_age_seconds: float = 300.0  # older (or future) event timestamps: refused
    zalo_token_refresh_margin_seconds: float = 3600.0  # refresh this long before expiry
    zalo_retry_seconds: float = 15.0
    # Zalo's rules (bot/channels/zalo_rules.py): consultation window after the citizen's last
    # message, messages per citizen and per OA per local day (0: no limit), and which message
    # types (text, buttons, image) a broadcast may use.
    zalo_window_days: float = 7.0
    zalo_user_daily_quota: int = 8
    zalo_daily_quota: int = 0
    zalo_broadcast_types: str = "text"

    @model_validator(mode="after")
    def _refuse_default_secrets_in_production(self) -> BotSettings:
        if self.environment != "production":
            return self
        weak = []
        token = self.service_token.get_secret_value()
        if self.feedback_api_url and (token == DEFAULT_SERVICE_TOKEN or len(token) < 32):
            weak.append("LANGNGHE_SERVICE_TOKEN")
        secret = self.telegram_webhook_secret.get_secret_value()
        if self.telegram_token.get_secret_value() and self.public_url and len(secret) < 32:
            weak.append("LANGNGHE_TELEGRAM_WEBHOOK_SECRET")
        if weak:
            raise InsecureSettingsError(
                "Refusing to start in production with a default or short secret: set "
                f"{', '.join(weak)} to a random value of at least {MIN_SECRET_CHARS} characters."
            )
        return self

    @property
    def resolved_bot_database_url(self) -> str:
        return self.bot_database_url or f"sqlite:///{self.data_dir / 'bot.db'}"

    @property
    def webhook_url(self) -> str | None:
        return f"{self.public_url.rstrip('/')}/telegram/webhook" if self.public_url else None

    @property
    def zalo_enabled(self) -> bool:
        return bool(
            self.zalo_app_id
            and self.zalo_app_secret.get_secret_value()
            and self.zalo_oa_secret_key.get_secret_value()
        )
