"""Settings of the bot side (LANGNGHE_* variables, like the server's), passed in, never global."""

from __future__ import annotations

from pathlib import Path

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

    @property
    def resolved_bot_database_url(self) -> str:
        return self.bot_database_url or f"sqlite:///{self.data_dir / 'bot.db'}"

    @property
    def webhook_url(self) -> str | None:
        return f"{self.public_url.rstrip('/')}/telegram/webhook" if self.public_url else None
