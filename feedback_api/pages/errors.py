"""Errors on officer pages are pages, not JSON."""

from __future__ import annotations

from fastapi import Request

from feedback_api.pages.templating import templates


def is_page_request(request: Request) -> bool:
    return request.url.path.startswith("/officer")


def render_error(request: Request, status: int, message: str):
    return templates.TemplateResponse(
        request,
        "officer/error.html",
        {"status": status, "message": message, "actor": None},
        status_code=status,
    )
