"""Settings of the bot side (LANGNGHE_* variables, like the server's), passed in, never global."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class BotSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LANGNGHE_", env_file=".env", extra="ignore")

    data_dir: Path = Path("var")
    bot_database_url: str = ""
    # Empty: the bot talks to the feedback API inside the same process (ASGI transport).
    feedback_api_url: str = ""
    service_token: str = "dev-only-service-token"
    public_url: str = ""
    telegram_token: str = ""
    telegram_webhook_secret: str = ""
    # For tests and self-hosted Bot API servers; empty means api.telegram.org.
    telegram_api_url: str = ""
    telegram_file_url: str = ""
    max_photo_bytes: int = 10 * 1024 * 1024
    sender_per_second: float = 25.0
    sender_idle_seconds: float = 2.0
    telegram_retry_seconds: float = 15.0
    # How often (at most, and only when messages arrive) the live FAQ's version is checked.
    knowledge_check_seconds: float = 10.0
    # How long the message that noticed a new version waits for the rebuilt FAQ (else: next one).
    knowledge_wait_seconds: float = 1.0
    # The same variables as the server's (feedback_api.settings): LANGNGHE_COOKIE_SECURE sets
    # the Secure flag of the web chat cookie; LANGNGHE_SECRET_KEY signs web chat sessions.
    cookie_secure: bool = False
    secret_key: str = ""

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
