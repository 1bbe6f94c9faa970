"""The server process: feedback API + officer view, and the citizen channels mounted beside them.

This is the one composition root that may import both feedback_api and bot: it builds each from
the same settings and wires the bot to the API through the API's own client (in process).
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import RedirectResponse

from feedback_api.main import create_app
from feedback_api.settings import Settings


def build_app(settings: Settings) -> FastAPI:
    app = create_app(settings)

    @app.get("/", include_in_schema=False)
    def home():
        return RedirectResponse("/officer")

    return app
