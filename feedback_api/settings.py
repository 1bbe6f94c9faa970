"""Server settings, read from LANGNGHE_* environment variables and an optional .env file.

Settings are an object passed to `create_app(settings)`, never read at import time, so tests
build their own. Outside development the server refuses to start with the default secret key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from feedback_api.clientaddr import parse_networks

DEFAULT_SECRET = "dev-only-secret-change-me"
DEFAULT_SERVICE_TOKEN = "dev-only-service-token"


class InsecureSettingsError(ValueError):
    """A production deployment kept a development default secret."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LANGNGHE_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    secret_key: str = DEFAULT_SECRET
    # The bot side authenticates to the intake endpoints with this token.
    service_token: str = DEFAULT_SERVICE_TOKEN
    data_dir: Path = Path("var")
    database_url: str = ""
    attachments_dir: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = ""

    # Handling deadlines per kind (crime reports: 20 days, Criminal Procedure Code art. 147).
    tip_deadline_days: int = 20
    question_deadline_working_days: int = 5
    opinion_deadline_days: int = 30

    session_hours: int = 12
    # The one switch for the Secure flag on every cookie (officer session and web chat):
    # LANGNGHE_COOKIE_SECURE. Production refuses to start without it (cookies over plain HTTP
    # would hand sessions to anyone on the network).
    cookie_secure: bool = False
    # Addresses/networks of reverse proxies whose X-Forwarded-For is believed
    # (LANGNGHE_TRUSTED_PROXIES='["10.0.0.2"]'); empty: none, loopback included.
    trusted_proxies: list[str] = Field(default_factory=list)
    login_max_failures: int = 5
    login_lockout_minutes: int = 15

    max_text_chars: int = 5000
    max_upload_bytes: int = 10 * 1024 * 1024
    max_attachments_per_submission: int = 5
    status_lookups_per_minute: int = 10

    telegram_token: str = ""
    telegram_webhook_secret: str = ""
    # Forum links and posters: the bot's Telegram username (t.me/<name>?start=f_<code>) and the
    # web chat's address (<webchat_url>/?start=f_<code>); either may be empty.
    telegram_bot_username: str = ""
    webchat_url: str = ""
    # A TrueType font with Vietnamese diacritics for posters; empty: DejaVu Sans from Debian's
    # fonts-dejavu-core (or the copy some Python packages ship).
    poster_font: str = ""

    @model_validator(mode="after")
    def _refuse_default_secrets_outside_development(self) -> Settings:
        if self.environment == "production":
            weak = [
                name
                for name, value, default in (
                    ("LANGNGHE_SECRET_KEY", self.secret_key, DEFAULT_SECRET),
                    ("LANGNGHE_SERVICE_TOKEN", self.service_token, DEFAULT_SERVICE_TOKEN),
                )
                if value == default or len(value) < 32
            ]
            if weak:
                raise InsecureSettingsError(
                    f"Refusing to start in production with a default or short secret: "
                    f"set {', '.join(weak)} to a random value of at least 32 characters."
                )
            if not self.cookie_secure:
                raise InsecureSettingsError(
                    "Refusing to start in production with insecure cookies: serve over HTTPS "
                    "and set LANGNGHE_COOKIE_SECURE=true."
                )
        return self

    @field_validator("trusted_proxies")
    @classmethod
    def _valid_networks(cls, value: list[str]) -> list[str]:
        parse_networks(value)  # raises ValueError on an entry that is not an address/network
        return value

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'langnghe.db'}"

    @property
    def resolved_attachments_dir(self) -> Path:
        return self.attachments_dir or self.data_dir / "attachments"
