"""Bot settings keep secrets secret and refuse weak ones in production; an outbound message has
one JSON form, whichever channel stores it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.settings import BotSettings
from feedback_api.settings import InsecureSettingsError
from handlers.events import Button, OutboundMessage, rows

STRONG = "s" * 40


def test_secrets_are_not_printed():
    settings = BotSettings(
        telegram_token="123:secret-token", telegram_webhook_secret=STRONG, _env_file=None
    )
    assert "secret-token" not in repr(settings) and STRONG not in str(settings.model_dump())
    assert settings.telegram_token.get_secret_value() == "123:secret-token"


@pytest.mark.parametrize(
    "weak",
    [
        {"feedback_api_url": "http://api", "service_token": "dev-only-service-token"},
        {"feedback_api_url": "http://api", "service_token": "short"},
        {"telegram_token": "123:x", "public_url": "https://bot", "telegram_webhook_secret": ""},
        {"telegram_token": "123:x", "public_url": "https://bot", "telegram_webhook_secret": "x"},
    ],
)
def test_production_refuses_default_or_short_secrets(weak):
    # pydantic reports the validator's InsecureSettingsError inside a ValidationError
    with pytest.raises((InsecureSettingsError, ValidationError), match="LANGNGHE_"):
        BotSettings(environment="production", _env_file=None, **weak)


def test_production_starts_with_strong_secrets():
    BotSettings(
        environment="production",
        feedback_api_url="http://api",
        service_token=STRONG,
        telegram_token="123:x",
        public_url="https://bot",
        telegram_webhook_secret=STRONG,
        _env_file=None,
    )


def test_one_json_form_round_trips_and_reads_records_written_before_it():
    message = OutboundMessage(
        "Nội dung", rows(Button("Có", "y"), Button("Không", "n")), request_location=True,
        title="Tiêu đề",
    )  # fmt: skip
    assert OutboundMessage.from_json(message.to_json()) == message
    old = {"text": "Chọn", "buttons": [[["Có", "y"]]], "request_location": False}
    assert OutboundMessage.from_json(old) == OutboundMessage("Chọn", rows(Button("Có", "y")))
