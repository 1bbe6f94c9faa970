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
    # Video and audio (Telegram lets a bot download up to 20 MB): their own, larger limit.
    max_media_upload_bytes: int = 20 * 1024 * 1024
    max_attachments_per_submission: int = 5
    status_lookups_per_minute: int = 10
    # A shared location outside every loaded boundary goes to the nearest commune centre only
    # when it is at most this far away (km); further out, the citizen is asked instead.
    routing_centre_radius_km: float = 5.0

    # /metrics: a Prometheus bearer token (LANGNGHE_METRICS_TOKEN) and/or client addresses or
    # networks allowed without one (LANGNGHE_METRICS_ALLOW='["10.0.0.5"]'); neither: closed.
    metrics_token: str = ""
    metrics_allow: list[str] = Field(default_factory=list)
    # Retention: months after closing before a submission of this kind and final status is
    # purged with its attachments (`langnghe purge`), e.g.
    # LANGNGHE_RETENTION_MONTHS='{"tip/rejected": 6, "question/resolved": 24}'. The audit log
    # is kept. Empty: nothing is ever purged.
    retention_months: dict[str, int] = Field(default_factory=dict)
    # Logs: "text" (uvicorn's default) or "json" (one object per line, with a request id).
    log_format: Literal["text", "json"] = "text"

    telegram_token: str = ""
    telegram_webhook_secret: str = ""
    # Forum links and posters: the bot's Telegram username (t.me/<name>?start=f_<code>) and the
    # web chat's address (<webchat_url>/?start=f_<code>); either may be empty.
    telegram_bot_username: str = ""
    webchat_url: str = ""
    # A TrueType font with Vietnamese diacritics for posters; empty: DejaVu Sans from Debian's
    # fonts-dejavu-core (or the copy some Python packages ship).
    poster_font: str = ""

    # Broadcasts: the overall send rate shared by every worker process (Telegram allows about
    # 30 messages/s per bot); `broadcast_rate_safety` keeps a margin for network jitter so no
    # one-second window at the platform exceeds the limit.
    broadcast_per_second: float = 30.0
    broadcast_rate_safety: float = 0.97
    # Zalo publishes no per-second figure (it answers -32 when pushed too hard): a conservative
    # overall rate for the OA, shared by every process like Telegram's.
    zalo_per_second: float = 10.0
    broadcast_max_in_flight: int = 10  # the crash window: sends that may end "unknown"
    broadcast_max_attempts: int = 5
    broadcast_retry_base_seconds: float = 2.0  # transient errors: base × 2^attempt, ≤ 5 min
    broadcast_expand_chunk: int = 10_000
    broadcast_timezone: str = "Asia/Ho_Chi_Minh"
    broadcast_quiet_start: str = "21:00"  # no campaign sends from here ...
    broadcast_quiet_end: str = "07:00"  # ... to here (local time); equal values: no quiet hours
    broadcast_max_image_bytes: int = 5 * 1024 * 1024

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

    @field_validator("retention_months")
    @classmethod
    def _valid_retention(cls, value: dict[str, int]) -> dict[str, int]:
        from feedback_api.ops.retention import validate_rules

        validate_rules(value)  # ValueError naming the bad key
        return value

    @field_validator("trusted_proxies", "metrics_allow")
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
